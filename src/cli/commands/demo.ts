import path from 'node:path';
import type { Command } from 'commander';
import { withSession } from '../session.js';
import { table } from '../output.js';
import { examples } from '../help.js';

/**
 * How to run this tenantctl again from the same shell: `tenantctl` when it is the one on PATH,
 * else the path it was started by (`bin/tenantctl` under `npm run demo`), so the next steps the
 * demo prints work when pasted.
 */
function invocation(env = process.env): string {
  const bin = process.argv[1] ?? 'tenantctl';
  const dirs = (env.PATH ?? '').split(path.delimiter);
  if (path.basename(bin) === 'tenantctl' && dirs.includes(path.dirname(bin))) return 'tenantctl';
  const rel = path.relative(process.cwd(), bin);
  return rel.startsWith('..') || path.isAbsolute(rel) ? bin : `./${rel}`;
}

/** Single-quoted for a POSIX shell when it needs quoting at all. */
const shq = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The README's first command: on the dev database (started if needed, unless --database-url is
 * given) run tenantctl's main job end to end and show the result.
 */
export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('try tenantctl end to end on the dev database (or --database-url)')
    .action(async (_o, command: Command) =>
      withSession(command, async (s) => {
        const { devUp } = await import('../../dev/dev.js');
        const { PACKAGE_ROOT } = await import('../../shared/paths.js');
        const { Database } = await import('../../pg/pool.js');
        const { resolveConnection } = await import('../../pg/connection.js');
        const { makeCtx } = await import('../../control/context.js');
        const { makeReporter } = await import('../progress.js');
        const { runDemo } = await import('../../demo/demo.js');
        const { out } = s;
        let url = s.opts.databaseUrl;
        if (!url) {
          out.info('1. tenantctl dev up');
          url = (await devUp()).url!;
          out.info(`   ${url}`);
        }
        const migrationsDir =
          s.settings.migrationsDir ?? path.join(PACKAGE_ROOT, 'examples', 'migrations');
        const settings = { ...s.settings, migrationsDir };
        // What the steps above ran with, so each next step works as pasted.
        const tc = invocation();
        const nextSteps = [
          `export DATABASE_URL=${shq(url)}`,
          `export TENANTCTL_MIGRATIONS_DIR=${shq(migrationsDir)}`,
          `${tc} list`,
          `${tc} info acme`,
          `${tc} migrate status`,
          `${tc} verify`,
          `${tc} audit --since 1h`,
        ];
        const db = new Database(await resolveConnection(url, {}, () => undefined), 4);
        try {
          const r = await runDemo(makeCtx(db, settings, await makeReporter(out)));
          out.result({ url, ...r, nextSteps }, () => [
            '',
            table(
              ['SLUG', 'SCHEMA', 'STATUS', 'VERSION', 'PENDING'],
              r.tenants.map((t) => [
                t.slug,
                t.schema,
                t.status,
                String(t.version),
                String(t.pending ?? '-'),
              ]),
            ),
            '',
            ...r.tenants.map((t) => `${out.c.bold(t.schema)}: ${r.tables[t.slug].join(', ')}`),
            '',
            `migrations: ${r.behind} tenants behind; archive: ${r.archive} (verified, then removed)`,
            `stats: ${r.stats.tenants} tenants, ${r.stats.schemas} schemas, ${r.stats.tables} tables; verify: ${r.verified ? 'clean' : 'problems found'}`,
            '',
            out.c.bold('next steps (paste them into this shell):'),
            ...nextSteps.map((l) => `  ${l}`),
          ]);
        } finally {
          await db.end();
        }
      }),
    );
  examples(cmd, [
    { cmd: 'tenantctl demo', does: 'start the dev database and run the main job end to end' },
    {
      cmd: 'tenantctl demo --database-url postgres://postgres@localhost/scratch',
      does: 'the same on a scratch database of yours',
    },
  ]);
}
