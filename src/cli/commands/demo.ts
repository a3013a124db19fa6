import type { Command } from 'commander';
import { withSession } from '../session.js';
import { table } from '../output.js';

/**
 * The README's first command: on the dev database (started if needed, unless --database-url is
 * given) run tenantctl's main job end to end and show the result.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('try tenantctl end to end on the dev database')
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
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
        const settings = {
          ...s.settings,
          migrationsDir: s.settings.migrationsDir ?? `${PACKAGE_ROOT}/examples/migrations`,
        };
        const db = new Database(await resolveConnection(url, {}, () => undefined), 4);
        try {
          const r = await runDemo(makeCtx(db, settings, await makeReporter(out)));
          out.result({ url, ...r }, () => [
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
            `migrations: ${r.behind} tenants behind; archive: ${r.archive} (verified)`,
            `stats: ${r.stats.tenants} tenants, ${r.stats.schemas} schemas, ${r.stats.tables} tables; verify: ${r.verified ? 'clean' : 'problems found'}`,
            '',
            out.c.dim(`try: DATABASE_URL=${url} npx tenantctl info acme`),
          ]);
        } finally {
          await db.end();
        }
      }),
    );
}
