import type { Command } from 'commander';
import { Option } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import { positiveInt } from '../options.js';
import { formatBytes, table } from '../output.js';
import type { ServerCheckResult, ServerListResult } from '../../fleet/server-status.js';

/** The password for --password-stdin: asked (hidden) in a terminal, else read whole from stdin. */
async function readPassword(s: Session): Promise<string> {
  if (process.stdin.isTTY && s.out.interactive) {
    const { password } = await import('@inquirer/prompts');
    return password({ message: 'Server password:', mask: true }, { output: process.stderr });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the end of the line `echo` or a file gave, not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function renderList(s: Session, r: ServerListResult): string {
  const { c } = s.out;
  return [
    table(
      ['NAME', 'URL', 'REGION', 'STATE', 'TENANTS', 'SIZE', 'VERSION', 'REACHABLE', 'PASSWORD'],
      r.servers.map((x) => [
        x.dedicated ? `${x.name} (dedicated)` : x.name,
        x.url,
        x.region ?? '-',
        x.state === 'active' ? x.state : c.yellow(x.state),
        x.maxTenants === null ? String(x.tenants) : `${x.tenants}/${x.maxTenants}`,
        x.bytes === null ? '-' : formatBytes(x.bytes),
        x.version ?? '-',
        x.reachable ? c.green('yes') : c.red(`no: ${x.error}`),
        x.password,
      ]),
    ),
    '',
    `${r.total.servers} server(s), ${r.total.tenants} tenant(s), ${formatBytes(r.total.bytes)}${r.total.unreachable ? c.red(`, ${r.total.unreachable} unreachable`) : ''}`,
  ].join('\n');
}

function renderCheck(s: Session, r: ServerCheckResult): string[] {
  const { c } = s.out;
  return r.servers.flatMap((x) => [
    `${c.bold(x.name)}  ${x.ok ? c.green('ok') : c.red('FAILED')}  ${c.dim(x.url)}`,
    ...x.checks.map(
      (k) => `  ${k.ok ? c.green('ok  ') : c.red('FAIL')}  ${k.check.padEnd(14)}  ${k.detail}`,
    ),
  ]);
}

export function register(program: Command): void {
  const server = program
    .command('server')
    .description(
      'the servers of a fleet: add, list, check, drain, remove; secrets never stored in clear',
    );

  server
    .command('add')
    .description(
      'check a server, install the control schema there, and record it (URL without password)',
    )
    .argument('<name>', 'server name (lower-case letters, digits, "-", "_")')
    .argument('<url>', 'postgres://user@host:port/database, without a password')
    .option('--region <region>', 'where it is, for your records and routing')
    .option('--dedicated', 'takes exactly one tenant, and only when named with create --server')
    .addOption(
      new Option('--max-tenants <n>', 'never place more tenants than this here').argParser(
        positiveInt(1_000_000),
      ),
    )
    .option(
      '--password-env <VAR>',
      'the password is in this environment variable (its name is stored)',
    )
    .option(
      '--password-stdin',
      `read the password from stdin and store it encrypted (AES-256-GCM, key in TENANTCTL_SECRET_KEY)`,
    )
    .addHelpText(
      'after',
      '\nWith neither --password-env nor --password-stdin the password comes from the libpq password\nfile (~/.pgpass or PGPASSFILE), as psql reads it.',
    )
    .action(
      async (
        name: string,
        url: string,
        opts: {
          region?: string;
          dedicated?: boolean;
          maxTenants?: number;
          passwordEnv?: string;
          passwordStdin?: boolean;
        },
        cmd: Command,
      ) =>
        withSession(cmd, async (s) => {
          const { addServer } = await import('../../fleet/server-admin.js');
          const password = opts.passwordStdin ? await readPassword(s) : undefined;
          const fleet = await s.fleet();
          await showResult(
            s,
            () =>
              addServer(fleet, {
                name,
                url,
                region: opts.region,
                dedicated: opts.dedicated,
                maxTenants: opts.maxTenants,
                passwordEnv: opts.passwordEnv,
                password,
              }),
            (r) => [
              `added server ${r.server.name}: ${r.server.url}, PostgreSQL ${r.version}, password from ${r.server.password}`,
              r.controlSchema.applied.length
                ? `  control schema ${r.controlSchema.created ? 'installed' : 'upgraded'} (${r.controlSchema.applied.length} migrations)`
                : '  control schema already current',
              ...(r.adopted.length
                ? [
                    `  ${r.adopted.length} tenant(s) it already held now placed on it: ${r.adopted.join(', ')}`,
                  ]
                : []),
            ],
          );
        }),
    );

  server
    .command('list')
    .description('servers with tenants, size, version, reachability and state')
    .action(async (_opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { serverList } = await import('../../fleet/server-status.js');
        const r = await serverList(await s.fleet());
        s.out.result(r, () => renderList(s, r));
      }),
    );

  server
    .command('check')
    .description(
      'connect, version, privileges, control schema, identity and placements of every server (or one); exit 1 when any fails',
    )
    .argument('[name]')
    .action(async (name: string | undefined, _opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { serverCheck } = await import('../../fleet/server-status.js');
        const fleet = await s.fleet();
        await showResult(
          s,
          () => serverCheck(fleet, name),
          (r) => renderCheck(s, r),
        );
      }),
    );

  server
    .command('drain')
    .description(
      'place no new tenants on a server (its tenants stay); --undo to take new ones again',
    )
    .argument('<name>')
    .option('--undo', 'end the drain')
    .action(async (name: string, opts: { undo?: boolean }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { drainServer } = await import('../../fleet/server-admin.js');
        const r = await drainServer(await s.fleet(), name, opts.undo);
        s.out.result(r, () =>
          r.changed
            ? `server ${r.server} is now ${r.state}`
            : `server ${r.server} was already ${r.state}`,
        );
      }),
    );

  server
    .command('remove')
    .description('forget a server that holds no tenant (nothing on it is dropped)')
    .argument('<name>')
    .action(async (name: string, _opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { removeServer } = await import('../../fleet/server-admin.js');
        const r = await removeServer(await s.fleet(), name);
        s.out.result(
          r,
          () => `removed server ${r.server}; its database and control schema are untouched`,
        );
      }),
    );

  server
    .command('rotate-key')
    .description(
      're-encrypt every stored password from TENANTCTL_OLD_SECRET_KEY to TENANTCTL_SECRET_KEY, in one transaction',
    )
    .action(async (_opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { rotateKey } = await import('../../fleet/server-admin.js');
        const r = await rotateKey(await s.fleet());
        s.out.result(r, () =>
          [
            `key ${r.from} -> ${r.to}: ${r.rotated.length} password(s) re-encrypted${r.rotated.length ? ` (${r.rotated.join(', ')})` : ''}`,
            ...(r.current.length ? [`already under ${r.to}: ${r.current.join(', ')}`] : []),
          ].join('\n'),
        );
      }),
    );
}
