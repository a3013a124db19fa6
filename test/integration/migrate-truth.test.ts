import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { migrate } from '../../src/migrate/run.js';
import { migrateTenant } from '../../src/migrate/tenant.js';
import { SlotClient } from '../../src/migrate/slot.js';
import { TransactionEndedError } from '../../src/migrate/apply.js';
import { loadMigrations } from '../../src/control/migration-files.js';
import { PartialError, UsageError } from '../../src/shared/errors.js';
import { verifyFleet } from '../../src/verify/verify.js';

// Issue #13: migrations that tell the truth. Each case has its own control schema and tenant
// prefix (and so its own bookkeeping), so it runs alone with -t.
let db: TestDb;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.cleanup());

const DISABLE_TX = '-- postgres-migrations disable-transaction';

async function fleet(name: string, slugs: string[], files: Record<string, string>) {
  const m = migrationsDir(files);
  const ctx = () =>
    db.ctx({ controlSchema: `ctl_${name}`, schemaPrefix: `${name}_`, migrationsDir: m.dir });
  await initControlSchema(ctx());
  // tenants are created before the migrations exist, so migrate is what applies them
  const bare = db.ctx({ controlSchema: `ctl_${name}`, schemaPrefix: `${name}_` });
  await createTenants(bare, { slugs });
  const applied = async () => {
    const { rows } = await db.query(
      `SELECT t.slug, coalesce(array_agg(m.migration_id ORDER BY m.migration_id) FILTER (WHERE m.migration_id IS NOT NULL), '{}') AS ids
       FROM ctl_${name}.tenants t LEFT JOIN ctl_${name}.tenant_migrations m ON m.tenant_id = t.id GROUP BY t.slug ORDER BY t.slug`,
    );
    return Object.fromEntries(rows.map((r) => [r.slug, r.ids]));
  };
  const tables = async (table: string) => {
    const { rows } = await db.query(
      `SELECT schemaname FROM pg_tables WHERE tablename = $1 AND starts_with(schemaname, $2) ORDER BY 1`,
      [table, `${name}_`],
    );
    return rows.map((r) => r.schemaname);
  };
  return { m, ctx, applied, tables };
}

describe('transaction control in migrations', () => {
  it('a transactional migration with its own BEGIN/COMMIT is refused before any tenant is touched (issue input 1)', async () => {
    const f = await fleet('tca', ['a', 'b'], {
      '1_wrapped.sql': 'BEGIN; CREATE TABLE wrapped (id int); COMMIT;',
      '2_fails.sql': 'CREATE TABLE t2 (id int);\nSELECT 1/0;',
    });
    for (const dryRun of [true, false]) {
      const err = await migrate(f.ctx(), { dryRun, maxFailures: Infinity }).catch((e) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.exitCode).toBe(2);
      expect(err.problems).toEqual([
        "migration 1_wrapped.sql line 1: BEGIN is transaction control: it would end or fake tenantctl's per-tenant transaction (statement: BEGIN)",
        "migration 1_wrapped.sql line 1: COMMIT is transaction control: it would end or fake tenantctl's per-tenant transaction (statement: COMMIT)",
      ]);
      expect(err.hint).toMatch(/-- postgres-migrations disable-transaction/);
    }
    expect(await f.tables('wrapped')).toEqual([]);
    expect(await f.applied()).toEqual({ a: [], b: [] });
    // create runs every migration in the new tenant's transaction: refused as well
    await expect(createTenants(f.ctx(), { slugs: ['c'] })).rejects.toBeInstanceOf(UsageError);
  });

  it('words that only look like transaction control (in strings, comments, bodies) are not refused', async () => {
    const f = await fleet('tcb', ['a'], {
      '1_lookalikes.sql': `-- COMMIT; BEGIN;
CREATE TABLE notes (body text DEFAULT 'COMMIT;');
/* ROLLBACK; /* nested */ END; */
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;
CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s;`,
    });
    const r = await migrate(f.ctx());
    expect(r).toMatchObject({ succeeded: 1, failed: 0 });
    expect(await f.applied()).toEqual({ a: [1] });
  });

  it('marked disable-transaction, a wrapped file commits with its bookkeeping; a later failure leaves each tenant after it, and the report counts exactly that', async () => {
    const f = await fleet('tcc', ['a', 'b', 'c'], {
      '1_wrapped.sql': `${DISABLE_TX}\nBEGIN;\nCREATE TABLE wrapped (id int);\nCOMMIT;\n`,
      '2_fails.sql': 'CREATE TABLE t2 (id int);\nSELECT 1/0;',
    });
    const err = await migrate(f.ctx(), { maxFailures: Infinity }).catch((e) => e);
    expect(err).toBeInstanceOf(PartialError);
    expect(err.message).toBe(
      '3 tenants failed (3 part-way: the migrations before the failing one committed), 0 migrated',
    );
    for (const t of err.result.tenants)
      expect(t).toMatchObject({
        status: 'failed',
        from: 0,
        to: 1,
        applied: [1],
        pending: [2],
        error: 'migration 2_fails.sql line 2: division by zero (22012 division_by_zero)',
        sql: { sqlstate: '22012', file: '2_fails.sql', line: 2, statement: 'SELECT 1/0' },
      });
    expect(await f.applied()).toEqual({ a: [1], b: [1], c: [1] });
    expect(await f.tables('wrapped')).toEqual(['tcc_a', 'tcc_b', 'tcc_c']);
    expect(await f.tables('t2')).toEqual([]);
    const audit = await db.query(
      `SELECT outcome, details->'partWay' AS "partWay" FROM ctl_tcc.audit_log WHERE command = 'migrate'`,
    );
    expect(audit.rows).toEqual([{ outcome: 'partial', partWay: 3 }]);
  });

  it('a COMMIT the up-front check did not see fails the tenant loudly, and nothing is recorded for that migration', async () => {
    const f = await fleet('tcd', ['a'], {
      '1_first.sql': 'CREATE TABLE first (id int);',
      '2_sneaky.sql': 'CREATE TABLE sneaky (id int); COMMIT;',
    });
    // the engine alone, without migrate()'s up-front refusal: its own check must catch it
    const files = await loadMigrations(f.m.dir);
    const ctx = f.ctx();
    const { rows } = await db.query(`SELECT id::int FROM ctl_tcd.tenants WHERE slug = 'a'`);
    const slot = new SlotClient(ctx, 10);
    try {
      const err = await migrateTenant({ ctx, opts: { retries: 0, oneCall: true } }, slot, {
        id: rows[0].id,
        slug: 'a',
        schema: 'tcd_a',
        pending: files,
      }).catch((e) => e);
      expect(err.cause).toBeInstanceOf(TransactionEndedError);
      expect(err.migrationId).toBe(2);
      expect(err.message).toMatch(
        /^migration 2_sneaky\.sql ended tenantctl's transaction in tcd_a \(transaction control inside it\)/,
      );
    } finally {
      await slot.close();
    }
    // What the COMMIT took with it is the truth the bookkeeping tells: migration 1 and its row
    // committed together; 2's table committed without a row, so it is not counted as applied.
    expect(await f.applied()).toEqual({ a: [1] });
    expect(await f.tables('first')).toEqual(['tcd_a']);
    expect(await f.tables('sneaky')).toEqual(['tcd_a']);
  });

  it('a disable-transaction migration with a nested comment runs (issue input 4)', async () => {
    const f = await fleet('tce', ['a', 'b'], {
      '1_base.sql': 'CREATE TABLE items (id int, sku text);',
      '2_index.sql': `${DISABLE_TX}\nCREATE INDEX CONCURRENTLY items_sku ON items (sku);\n/* x /* y */ */\n`,
    });
    const r = await migrate(f.ctx());
    expect(r).toMatchObject({ succeeded: 2, failed: 0 });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'items_sku' AND starts_with(schemaname, 'tce_')`,
    );
    expect(rows[0].n).toBe(2);
  });

  it("verify's rolled-back reference runs a self-wrapped disable-transaction migration without committing (and without drift)", async () => {
    const f = await fleet('tcf', ['a'], {
      '1_base.sql': 'CREATE TABLE items (id int, sku text);',
      '2_wrapped.sql': `${DISABLE_TX}\nBEGIN;\nCREATE TABLE audit (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY items_sku ON items (sku);\n`,
    });
    expect(await migrate(f.ctx())).toMatchObject({ succeeded: 1, failed: 0 });
    const r = await verifyFleet(f.ctx());
    expect(r.tenants.map((t) => [t.slug, t.ok, t.problems])).toEqual([['a', true, []]]);
    // the file's COMMIT did not commit the scratch schema the reference was built in
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_namespace WHERE starts_with(nspname, 'tenantctl_verify_')`,
    );
    expect(rows[0].n).toBe(0);
  });
});
