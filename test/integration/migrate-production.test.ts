import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { migrate } from '../../src/migrate/run.js';
import { InterruptedError, PartialError } from '../../src/shared/errors.js';
import { Database } from '../../src/pg/pool.js';
import { resolveConnection } from '../../src/pg/connection.js';
import { makeCtx } from '../../src/control/context.js';
import { resolveSettings } from '../../src/shared/config.js';
import { silentReporter } from '../../src/shared/reporter.js';

let db: TestDb;
const slugs = ['v1', 'v2', 'v3', 'v4'];

beforeAll(async () => {
  db = await freshDatabase();
  await initControlSchema(db.ctx());
  await createTenants(db.ctx(), { slugs });
});
afterAll(async () => db?.cleanup());

async function recorded(id: number): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT t.slug FROM tenantctl.tenant_migrations m JOIN tenantctl.tenants t ON t.id = m.tenant_id WHERE m.migration_id = $1 ORDER BY 1`,
    [id],
  );
  return rows.map((r) => r.slug);
}

describe('migrate in production conditions (library)', () => {
  it('an INVALID index left by a failed CREATE INDEX CONCURRENTLY fails the tenant, not recorded, with the remedy', async () => {
    const m = migrationsDir({ '1_codes.sql': 'CREATE TABLE codes (code text);' });
    const ctx = () => db.ctx({ migrationsDir: m.dir, concurrency: 2 });
    await migrate(ctx());
    await db.query(`INSERT INTO org_v2.codes VALUES ('x'), ('x')`);
    // The pattern docs/migrations.md recommends, re-runnable thanks to IF NOT EXISTS.
    m.write(
      '2_codes-unique.sql',
      '-- postgres-migrations disable-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS codes_code_key ON codes (code);\n',
    );
    // First run: the build fails on the duplicates and leaves the index INVALID in v2.
    await expect(migrate(ctx(), { maxFailures: Infinity })).rejects.toBeInstanceOf(PartialError);
    expect(await recorded(2)).toEqual(['v1', 'v3', 'v4']);
    const invalid = await db.query(
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'org_v2'::regnamespace AND NOT i.indisvalid`,
    );
    expect(invalid.rows).toEqual([{ relname: 'codes_code_key' }]);
    // Someone fixes the data and reruns: IF NOT EXISTS skips the INVALID index. It must not be
    // recorded as applied.
    await db.query(`DELETE FROM org_v2.codes`);
    const err = await migrate(ctx(), { maxFailures: Infinity }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    const v2 = err.result.tenants.find((t: { slug: string }) => t.slug === 'v2');
    expect(v2.status).toBe('failed');
    expect(v2.error).toMatch(
      /2_codes-unique\.sql leaves index "org_v2"\."codes_code_key" INVALID .*not recorded as applied\. Remedy: DROP INDEX CONCURRENTLY "org_v2"\."codes_code_key"; then run migrate again/,
    );
    expect(await recorded(2)).toEqual(['v1', 'v3', 'v4']);
    const failure = await db.query(
      `SELECT f.migration_id FROM tenantctl.migration_failures f JOIN tenantctl.tenants t ON t.id = f.tenant_id WHERE t.slug = 'v2'`,
    );
    expect(failure.rows).toEqual([{ migration_id: 2 }]);
    // The remedy works.
    await db.query(`DROP INDEX CONCURRENTLY org_v2.codes_code_key`);
    const r = await migrate(ctx());
    expect(r.failed).toBe(0);
    expect(await recorded(2)).toEqual(slugs);
  });

  it('a library caller aborts through ctx.signal: running statements cancelled, InterruptedError with the summary', async () => {
    const m = migrationsDir({
      '1_codes.sql': 'CREATE TABLE codes (code text);',
      '2_codes-unique.sql':
        '-- postgres-migrations disable-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS codes_code_key ON codes (code);\n',
      '3_slow.sql': 'SELECT pg_sleep(10); CREATE TABLE slow_marks (id int);',
    });
    // What a library caller does: one AbortSignal for the Database (it cancels the statements
    // running when it fires) and for the core (which starts nothing more and rolls back).
    const controller = new AbortController();
    const target = await resolveConnection(db.url, {}, () => undefined);
    const database = new Database(target, 8, { signal: controller.signal });
    const settings = resolveSettings(
      { migrationsDir: m.dir, concurrency: 2 },
      undefined,
      '/nonexistent-config-dir',
    );
    const ctx = makeCtx(database, settings, silentReporter, controller.signal);
    const started = Date.now();
    const run = migrate(ctx).catch((e) => e);
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
      );
      if (rows[0].n >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort(new InterruptedError('stopped by the caller'));
    const err = await run;
    await database.end();
    expect(Date.now() - started).toBeLessThan(8000);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.message).toMatch(
      /^stopped by the caller; 0 migrated, 2 interrupted and rolled back, 2 not started$/,
    );
    expect(err.result.tenants.map((t: { status: string }) => t.status).sort()).toEqual([
      'interrupted',
      'interrupted',
      'skipped',
      'skipped',
    ]);
    expect(await recorded(3)).toEqual([]);
    const { rows } = await db.query(
      `SELECT outcome FROM tenantctl.audit_log WHERE command = 'migrate' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0].outcome).toBe('interrupted');
    const running = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
    );
    expect(running.rows[0].n).toBe(0);
  });
});
