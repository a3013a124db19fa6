import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { migrate } from '../../src/migrate/run.js';
import { PartialError } from '../../src/shared/errors.js';

// The default path runs a tenant's transactional migrations as one call of the control schema's
// migrate_tenant(); on any error other than a lock timeout or a cancel, the tenant is run again
// statement by statement. These cases check that the two paths together behave like the precise one.
let db: TestDb;
const slugs = ['a1', 'a2', 'a3'];

async function applied(): Promise<Record<string, number[]>> {
  const { rows } = await db.query(
    `SELECT t.slug, coalesce(array_agg(m.migration_id ORDER BY m.migration_id) FILTER (WHERE m.migration_id IS NOT NULL), '{}') AS ids
     FROM tenantctl.tenants t LEFT JOIN tenantctl.tenant_migrations m ON m.tenant_id = t.id GROUP BY t.slug ORDER BY t.slug`,
  );
  return Object.fromEntries(rows.map((r) => [r.slug, r.ids]));
}

const tableExists = async (schema: string, table: string) =>
  (
    await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, [
      schema,
      table,
    ])
  ).rowCount === 1;

beforeAll(async () => {
  db = await freshDatabase();
  await initControlSchema(db.ctx());
  await createTenants(db.ctx(), { slugs });
});
afterAll(async () => db?.cleanup());

describe('migrate: one call per tenant, statement by statement when that fails', () => {
  const m = migrationsDir({ '1_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);' });

  it('applies a group of migrations in one call, with search_path on the tenant and timed bookkeeping', async () => {
    m.write('2_fill.sql', 'INSERT INTO notes VALUES (1, current_schema());');
    const r = await migrate(db.ctx({ migrationsDir: m.dir }));
    expect(r.succeeded).toBe(3);
    expect(await applied()).toEqual({ a1: [1, 2], a2: [1, 2], a3: [1, 2] });
    for (const s of slugs)
      expect((await db.query(`SELECT body FROM org_${s}.notes`)).rows).toEqual([
        { body: `org_${s}` },
      ]);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE duration_ms IS NULL OR duration_ms < 0`,
    );
    expect(rows[0].n).toBe(0);
    // the function left no setting behind on the session it ran in
    expect((await db.query('SHOW search_path')).rows[0].search_path).not.toMatch(/org_/);
  });

  it('a failure in the second migration of a group names that file and migration, and leaves no trace', async () => {
    await db.query(`INSERT INTO org_a2.notes VALUES (2, NULL)`);
    m.write('3_tags.sql', 'CREATE TABLE tags (id int);');
    m.write(
      '4_body-required.sql',
      'UPDATE notes SET body = body;\nALTER TABLE notes ALTER COLUMN body SET NOT NULL;',
    );
    const err = await migrate(db.ctx({ migrationsDir: m.dir }), { maxFailures: Infinity }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PartialError);
    const a2 = err.result.tenants.find((t: { slug: string }) => t.slug === 'a2');
    expect(a2.status).toBe('failed');
    // the statement-by-statement path names the failing statement even without a position
    expect(a2.error).toBe(
      'migration 4_body-required.sql line 2: column "body" of relation "notes" contains null values (23502 not_null_violation)',
    );
    expect(a2.sql).toMatchObject({
      sqlstate: '23502',
      sqlstateName: 'not_null_violation',
      file: '4_body-required.sql',
      line: 2,
      statement: 'ALTER TABLE notes ALTER COLUMN body SET NOT NULL',
    });
    expect(await tableExists('org_a2', 'tags')).toBe(false);
    expect(await applied()).toEqual({ a1: [1, 2, 3, 4], a2: [1, 2], a3: [1, 2, 3, 4] });
    const { rows } = await db.query(`SELECT migration_id FROM tenantctl.migration_failures`);
    expect(rows).toEqual([{ migration_id: 4 }]);
    await db.query(`DELETE FROM org_a2.notes WHERE body IS NULL`);
    await migrate(db.ctx({ migrationsDir: m.dir }));
    expect((await applied()).a2).toEqual([1, 2, 3, 4]);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM tenantctl.migration_failures`)).rows[0].n,
    ).toBe(0);
  });

  it('an error PostgreSQL gives a position for is reported with the line and column in the file', async () => {
    m.write(
      '5_typo.sql',
      'CREATE TABLE later (id int);\nALTER TABLE notes ADD COLUMN n nosuchtype;',
    );
    const err = await migrate(db.ctx({ migrationsDir: m.dir }), { tenants: ['a3'] }).catch(
      (e) => e,
    );
    expect(err.result.tenants[0].error).toBe(
      'migration 5_typo.sql line 2 col 32: type "nosuchtype" does not exist (42704 undefined_object)',
    );
    expect(await tableExists('org_a3', 'later')).toBe(false);
    m.remove('5_typo.sql');
  });

  it('a statement PL/pgSQL refuses (SELECT ... INTO) still applies, through the statement-by-statement path', async () => {
    m.write('5_snapshot.sql', 'SELECT id, body INTO notes_snapshot FROM notes;');
    const r = await migrate(db.ctx({ migrationsDir: m.dir }));
    expect(r).toMatchObject({ succeeded: 3, failed: 0 });
    for (const s of slugs) expect(await tableExists(`org_${s}`, 'notes_snapshot')).toBe(true);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE migration_id = 5`,
    );
    expect(rows[0].n).toBe(3);
  });

  it('--statement-timeout cancels a tenant step that runs too long; nothing of it stays', async () => {
    m.write('6_slow.sql', 'CREATE TABLE slow_marker (id int);\nSELECT pg_sleep(5);');
    const err = await migrate(db.ctx({ migrationsDir: m.dir }), {
      statementTimeoutMs: 200,
      tenants: ['a1'],
    }).catch((e) => e);
    expect(err.result.tenants[0].error).toMatch(/statement timeout/);
    expect(await tableExists('org_a1', 'slow_marker')).toBe(false);
    expect((await applied()).a1).not.toContain(6);
    m.remove('6_slow.sql');
  });

  it('the statement-by-statement path alone (oneCall: false) gives the same result', async () => {
    m.write('6_more.sql', 'ALTER TABLE tags ADD COLUMN label text;');
    const r = await migrate(db.ctx({ migrationsDir: m.dir }), { oneCall: false });
    expect(r.succeeded).toBe(3);
    expect(await applied()).toEqual({
      a1: [1, 2, 3, 4, 5, 6],
      a2: [1, 2, 3, 4, 5, 6],
      a3: [1, 2, 3, 4, 5, 6],
    });
  });

  it('a tenant dropped while the run waited for its lock fails by name; the others migrate', async () => {
    m.write('7_last.sql', 'CREATE TABLE last_one (id int);');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtext('tenantctl'), hashtext('tenant:org_a3'))`,
      );
      await holder.query(`DROP SCHEMA org_a3 CASCADE`);
      await holder.query(`DELETE FROM tenantctl.tenants WHERE slug = 'a3'`);
      const run = migrate(db.ctx({ migrationsDir: m.dir, lockTimeout: '20s' }), {
        maxFailures: Infinity,
      }).catch((e) => e);
      // let the run reach a3's lock, then let the drop commit
      for (let i = 0; i < 100; i++) {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await holder.query('COMMIT');
      const err = await run;
      const a3 = err.result.tenants.find((t: { slug: string }) => t.slug === 'a3');
      expect(a3).toMatchObject({
        status: 'failed',
        error:
          'tenant a3 was dropped or renamed (or its schema removed) while this run waited for it',
      });
      expect(
        err.result.tenants.filter((t: { status: string }) => t.status === 'applied'),
      ).toHaveLength(2);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
  });
});
