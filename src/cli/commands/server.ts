import type { Command } from 'commander';
import { Option } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import { positiveInt } from '../options.js';
import { formatBytes, plural, table } from '../output.js';
import { examples } from '../help.js';
import type { ServerCheckResult, ServerListResult } from '../../fleet/server-status.js';

/** The password for --password-stdin: asked (hidden) in a terminal, else read whole from stdin. */
async function readPassword(s: Session): Promise<string> {
  if (process.stdin.isTTY && s.out.interactive) {
    const { askPassword } = await import('../prompts.js');
    return askPassword(
      s.out,
      'Server password:',
      'pipe the password to --password-stdin',
      'no server added',
    );
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
    `${plural(r.total.servers, 'server')}, ${plural(r.total.tenants, 'tenant')}, ${formatBytes(r.total.bytes)}${r.total.unreachable ? c.red(`, ${r.total.unreachable} unreachable`) : ''}`,
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

  examples(server, [
    {
      cmd: 'tenantctl server add eu-2 postgres://admin@db-eu-2:5432/app --password-env EU2_PASSWORD',
      does: 'a second server; its password read from $EU2_PASSWORD when needed',
    },
    {
      cmd: 'tenantctl server list',
      does: 'every server with tenants, size, version, reachability',
    },
  ]);

  const add = server
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
                ? `  control schema ${r.controlSchema.created ? 'installed' : 'upgraded'} (${plural(r.controlSchema.applied.length, 'migration')})`
                : '  control schema already current',
              ...(r.adopted.length
                ? [
                    `  ${plural(r.adopted.length, 'tenant')} it already held now placed on it: ${r.adopted.join(', ')}`,
                  ]
                : []),
            ],
          );
        }),
    );

  examples(add, [
    {
      cmd: 'tenantctl server add eu-2 postgres://admin@db-eu-2:5432/app --password-env EU2_PASSWORD',
      does: 'the password stays in the environment; only the variable name is stored',
    },
    {
      cmd: 'printf %s "$PW" | tenantctl server add big-co postgres://admin@db-big:5432/app --password-stdin --dedicated',
      does: 'a dedicated server, its password stored encrypted (TENANTCTL_SECRET_KEY)',
    },
    {
      cmd: 'tenantctl server add us-1 postgres://admin@db-us-1/app --region us-east --max-tenants 500',
      does: 'the password from ~/.pgpass; at most 500 tenants placed there',
    },
  ]);

  const list = server
    .command('list')
    .description('servers with tenants, size, version, reachability and state')
    .action(async (_opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { serverList } = await import('../../fleet/server-status.js');
        const r = await serverList(await s.fleet());
        s.out.result(r, () => renderList(s, r));
      }),
    );

  examples(list, [
    { cmd: 'tenantctl server list', does: 'a table of the servers' },
    {
      cmd: "tenantctl server list --json | jq '.result.servers[] | select(.reachable | not) | .name'",
      does: 'the servers that do not answer',
    },
  ]);

  const check = server
    .command('check')
    .description(
      'connect, version, privileges, control schema, identity and placements of every server (or one); exit 1 when any fails',
    )
    .argument('[name]', 'the server to check (default: every server)')
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

  examples(check, [
    { cmd: 'tenantctl server check', does: 'check every server; exit 1 when any check fails' },
    { cmd: 'tenantctl server check eu-2', does: 'check one server' },
  ]);

  const drain = server
    .command('drain')
    .description(
      'place no new tenants on a server (its tenants stay); --undo to take new ones again',
    )
    .argument('<name>', 'the server')
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

  examples(drain, [
    { cmd: 'tenantctl server drain eu-1', does: 'new tenants go to the other servers' },
    { cmd: 'tenantctl server drain eu-1 --undo', does: 'eu-1 takes new tenants again' },
  ]);

  const remove = server
    .command('remove')
    .description('forget a server that holds no tenant (nothing on it is dropped)')
    .argument('<name>', 'the server (it must hold no tenant)')
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

  examples(remove, [
    { cmd: 'tenantctl server remove eu-1', does: 'forget eu-1 once it holds no tenant' },
    {
      cmd: 'tenantctl server drain eu-1 && tenantctl server remove eu-1',
      does: 'stop placing tenants there first',
    },
  ]);

  const rotate = server
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
            `key ${r.from} -> ${r.to}: ${plural(r.rotated.length, 'password')} re-encrypted${r.rotated.length ? ` (${r.rotated.join(', ')})` : ''}`,
            ...(r.current.length ? [`already under ${r.to}: ${r.current.join(', ')}`] : []),
          ].join('\n'),
        );
      }),
    );
  examples(rotate, [
    {
      cmd: 'TENANTCTL_OLD_SECRET_KEY_FILE=old.key TENANTCTL_SECRET_KEY_FILE=new.key tenantctl server rotate-key',
      does: 'every stored password from the old key to the new one',
    },
    {
      cmd: 'tenantctl server rotate-key --json',
      does: 'the same from a script: which passwords moved, which were already current',
    },
  ]);
}
