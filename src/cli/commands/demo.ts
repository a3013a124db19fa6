import type { Command } from 'commander';
import path from 'node:path';
import { withSession } from '../session.js';
import { table } from '../output.js';

const DEMO_TENANTS = ['acme', 'globex', 'initech'];

/**
 * The README's first command: on the dev database (started if needed), set up the control schema,
 * create a few tenants from the default template with the example migrations, and show them.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('try tenantctl end to end on the dev database')
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devUp } = await import('../../core/dev.js');
        const { PACKAGE_ROOT } = await import('../../core/paths.js');
        const { Database } = await import('../../db/pool.js');
        const { resolveConnection } = await import('../../db/connection.js');
        const { makeCtx } = await import('../../core/context.js');
        const { makeReporter } = await import('../progress.js');
        const { initControlSchema } = await import('../../core/init.js');
        const { createTenants } = await import('../../core/provision.js');
        const { listTenantsCmd } = await import('../../core/list.js');
        const { schemaRelations } = await import('../../db/catalog.js');
        const { withClient } = await import('../../db/tx.js');
        const { out } = s;
        let url = s.opts.databaseUrl;
        if (!url) {
          out.info('1. dev database: tenantctl dev up');
          url = (await devUp()).url!;
          out.info(`   ${url}`);
        }
        const settings = { ...s.settings, migrationsDir: s.settings.migrationsDir ?? path.join(PACKAGE_ROOT, 'examples', 'migrations') };
        const db = new Database(resolveConnection(url, {}, () => undefined), 4);
        try {
          const ctx = makeCtx(db, settings, await makeReporter(out));
          out.info('2. control schema: tenantctl init');
          await initControlSchema(ctx);
          const existing = new Set((await listTenantsCmd(ctx)).map((t) => t.slug));
          const missing = DEMO_TENANTS.filter((t) => !existing.has(t));
          out.info(`3. tenants: tenantctl create ${DEMO_TENANTS.join(' ')} --migrations-dir examples/migrations`);
          if (missing.length) await createTenants(ctx, { slugs: missing, concurrency: 3 });
          const tenants = (await listTenantsCmd(ctx)).filter((t) => DEMO_TENANTS.includes(t.slug));
          const tables: Record<string, string[]> = {};
          await withClient(db, async (client) => {
            for (const t of tenants) tables[t.slug] = (await schemaRelations(client, t.schema)).map((r) => r.name);
          });
          out.result({ url, tenants, tables }, () => [
            '',
            table(['SLUG', 'SCHEMA', 'STATUS', 'VERSION', 'PENDING'], tenants.map((t) => [t.slug, t.schema, t.status, String(t.version), String(t.pending ?? '-')])),
            '',
            ...tenants.map((t) => `${out.c.bold(t.schema)}: ${tables[t.slug].join(', ')}`),
            '',
            out.c.dim(`try: DATABASE_URL=${url} npx tenantctl info acme`),
          ]);
        } finally {
          await db.end();
        }
      }),
    );
}
