import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { migrate } from '../../src/migrate/run.js';
import { migrateStatus } from '../../src/migrate/status.js';
import { adopt } from '../../src/provision/adopt.js';
import { FailedError, PartialError, UsageError } from '../../src/shared/errors.js';

let db: TestDb;
const slugs = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];

async function columns(schema: string, table: string): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return rows.map((r) => r.column_name);
}

async function versions(): Promise<Record<string, number[]>> {
  const { rows } = await db.query(
    `SELECT t.slug, coalesce(array_agg(m.migration_id ORDER BY m.migration_id) FILTER (WHERE m.migration_id IS NOT NULL), '{}') AS ids
     FROM tenantctl.tenants t LEFT JOIN tenantctl.tenant_migrations m ON m.tenant_id = t.id GROUP BY t.slug ORDER BY t.slug`,
  );
  return Object.fromEntries(rows.map((r) => [r.slug, r.ids]));
}

beforeAll(async () => {
  db = await freshDatabase();
  await initControlSchema(db.ctx());
  await createTenants(db.ctx(), { slugs, concurrency: 3 });
});
afterAll(async () => db?.cleanup());

describe('migrate', () => {
  const m = migrationsDir({
    '1_add-locale.sql': `ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';`,
  });

  it('applies pending migrations to every tenant, recording them in the same transaction', async () => {
    const r = await migrate(db.ctx({ migrationsDir: m.dir, concurrency: 3 }));
    expect(r).toMatchObject({ succeeded: 6, failed: 0, skipped: 0, latest: 1 });
    expect(r.tenants.every((t) => t.status === 'applied' && t.to === 1)).toBe(true);
    for (const s of slugs) expect(await columns(`org_${s}`, 'users')).toContain('locale');
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, min(duration_ms) >= 0 AS timed FROM tenantctl.tenant_migrations WHERE migration_id = 1`,
    );
    expect(rows[0]).toEqual({ n: 6, timed: true });
  });

  it('a second run has nothing to do and touches nothing', async () => {
    const r = await migrate(db.ctx({ migrationsDir: m.dir }));
    expect(r.tenants.every((t) => t.status === 'current')).toBe(true);
  });

  it('dry run plans per tenant and changes nothing', async () => {
    m.write('2_projects.sql', 'CREATE TABLE projects (id int PRIMARY KEY);');
    const before = await versions();
    const r = await migrate(db.ctx({ migrationsDir: m.dir }), { dryRun: true });
    expect(r.tenants.map((t) => t.status)).toEqual(Array(6).fill('planned'));
    expect(r.tenants[0].pending).toEqual([2]);
    expect(await versions()).toEqual(before);
    expect((await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'projects'`)).rowCount).toBe(
      0,
    );
    await migrate(db.ctx({ migrationsDir: m.dir }));
  });

  it('a migration failing in some tenants after part of its work leaves no trace there; exit 3 with a summary', async () => {
    // m2 and m5 hold data that violates the new constraint.
    for (const s of ['m2', 'm5'])
      await db.query(`INSERT INTO org_${s}.users (auth_id, email) VALUES ('x', 'not-an-email')`);
    m.write(
      '3_email-check.sql',
      `CREATE TABLE email_domains (domain text PRIMARY KEY);
INSERT INTO email_domains SELECT DISTINCT split_part(email, '@', 2) FROM users;
ALTER TABLE users ADD CONSTRAINT users_email_at CHECK (email LIKE '%@%');`,
    );
    const err = await migrate(db.ctx({ migrationsDir: m.dir, concurrency: 2 }), {
      maxFailures: Infinity,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(PartialError);
    expect(err.exitCode).toBe(3);
    const byslug = Object.fromEntries(err.result.tenants.map((t: { slug: string }) => [t.slug, t]));
    expect(byslug.m2.status).toBe('failed');
    expect(byslug.m2.error).toMatch(/3_email-check\.sql.*users_email_at/);
    expect(byslug.m1.status).toBe('applied');
    for (const s of ['m2', 'm5']) {
      expect(
        (
          await db.query(
            `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'email_domains'`,
            [`org_${s}`],
          )
        ).rowCount,
      ).toBe(0);
    }
    expect((await versions()).m2).toEqual([1, 2]);
    const st = await migrateStatus(db.ctx({ migrationsDir: m.dir }));
    expect(st.failedLastTime.map((f) => f.slug)).toEqual(['m2', 'm5']);
    expect(st.behind).toBe(2);
    // one audit record for the run, opened as 'running' and closed with the outcome
    const audit = await db.query(
      `SELECT outcome, duration_ms IS NOT NULL AS timed, details FROM tenantctl.audit_log WHERE command = 'migrate' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.rows[0]).toMatchObject({
      outcome: 'partial',
      timed: true,
      details: { latest: 3, failed: ['m2', 'm5'], skipped: 0 },
    });
    expect(audit.rows[0].details.tenants).toBe(audit.rows[0].details.applied + 2);
  });

  it('--max-failures 1 (the default) stops starting tenants after the first failure', async () => {
    const err = await migrate(db.ctx({ migrationsDir: m.dir, concurrency: 1 }), {
      tenants: ['m2', 'm5'],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.result.failed).toBe(1);
    expect(err.result.skipped).toBe(1);
    // fixed data: the rerun finishes the job
    for (const s of ['m2', 'm5']) await db.query(`DELETE FROM org_${s}.users WHERE auth_id = 'x'`);
    const r = await migrate(db.ctx({ migrationsDir: m.dir }));
    expect(
      r.tenants
        .filter((t) => t.status === 'applied')
        .map((t) => t.slug)
        .sort(),
    ).toEqual(['m2', 'm5']);
    expect((await migrateStatus(db.ctx({ migrationsDir: m.dir }))).failedLastTime).toEqual([]);
  });

  it('refuses, before touching any tenant, when an applied migration was edited or deleted', async () => {
    m.write('4_next.sql', 'CREATE TABLE next_one (id int);');
    m.write('1_add-locale.sql', `ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'fr';`);
    const err = await migrate(db.ctx({ migrationsDir: m.dir })).catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.message).toMatch(
      /1_add-locale\.sql was edited after it was applied \(applied in 6 tenants/,
    );
    m.write('1_add-locale.sql', `ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';`);
    m.remove('2_projects.sql');
    const gone = await migrate(db.ctx({ migrationsDir: m.dir })).catch((e) => e);
    expect(gone).toBeInstanceOf(UsageError); // ids are no longer consecutive
    m.write('2_projects.sql', 'CREATE TABLE projects (id int PRIMARY KEY);');
    expect((await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'next_one'`)).rowCount).toBe(
      0,
    );
  });

  it('refuses a removed migration at the end of the list', async () => {
    m.remove('4_next.sql');
    await migrate(db.ctx({ migrationsDir: m.dir }));
    const dir2 = migrationsDir({
      '1_add-locale.sql': `ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';`,
      '2_projects.sql': 'CREATE TABLE projects (id int PRIMARY KEY);',
    });
    const err = await migrate(db.ctx({ migrationsDir: dir2.dir })).catch((e) => e);
    expect(err.message).toMatch(/migration 3 \(email-check\).*file is gone/);
  });

  it('runs a disable-transaction migration one statement at a time and records it', async () => {
    m.write(
      '4_concurrent-index.sql',
      `-- postgres-migrations disable-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_created_idx ON users (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_role_idx ON users (role);
`,
    );
    const r = await migrate(db.ctx({ migrationsDir: m.dir, concurrency: 2 }));
    expect(r.succeeded).toBe(6);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('users_created_idx', 'users_role_idx')`,
    );
    expect(rows[0].n).toBe(12);
    expect(Object.values(await versions()).every((ids) => ids.includes(4))).toBe(true);
  });

  it('reports a failing statement of a non-transactional migration precisely', async () => {
    m.write(
      '5_bad-concurrent.sql',
      `-- postgres-migrations disable-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);

CREATE INDEX CONCURRENTLY users_bad_idx ON users (no_such_column);
`,
    );
    const err = await migrate(db.ctx({ migrationsDir: m.dir }), { tenants: ['m1'] }).catch(
      (e) => e,
    );
    expect(err.result.tenants[0].error).toMatch(
      /5_bad-concurrent\.sql \(statement 2 of 2\) line 4: column "no_such_column" does not exist \(42703 undefined_column\)/,
    );
    expect((await versions()).m1).not.toContain(5);
    m.write(
      '5_bad-concurrent.sql',
      `-- postgres-migrations disable-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
`,
    );
    await migrate(db.ctx({ migrationsDir: m.dir }));
  });

  it('records hostile migration file names verbatim, as values', async () => {
    const name = `6_x'); DROP TABLE users; --.sql`;
    m.write(name, 'CREATE TABLE hostile_ok (id int);');
    await migrate(db.ctx({ migrationsDir: m.dir }), { tenants: ['m1'] });
    const { rows } = await db.query(
      `SELECT name FROM tenantctl.tenant_migrations WHERE migration_id = 6`,
    );
    expect(rows).toEqual([{ name: `x'); DROP TABLE users; --` }]);
    expect(await columns('org_m1', 'users')).toContain('email');
    await migrate(db.ctx({ migrationsDir: m.dir }));
  });

  it('a tenant whose table is locked by a long query fails with a lock timeout after retries; others proceed', async () => {
    m.write('7_alter-settings.sql', 'ALTER TABLE settings ADD COLUMN note text;');
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN; LOCK TABLE org_m3.settings IN ACCESS SHARE MODE');
    try {
      const err = await migrate(db.ctx({ migrationsDir: m.dir, lockTimeout: '200ms' }), {
        maxFailures: Infinity,
        retries: 1,
      }).catch((e) => e);
      expect(err).toBeInstanceOf(PartialError);
      const failed = err.result.tenants.filter((t: { status: string }) => t.status === 'failed');
      expect(failed.map((t: { slug: string }) => t.slug)).toEqual(['m3']);
      expect(failed[0].error).toMatch(/could not get a lock within 200ms after 2 attempts/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const r = await migrate(db.ctx({ migrationsDir: m.dir }));
    expect(r.tenants.find((t) => t.slug === 'm3')!.status).toBe('applied');
  });

  it('create gives a new tenant every migration, so it is born current', async () => {
    await createTenants(db.ctx({ migrationsDir: m.dir }), { slugs: ['newborn'] });
    const st = await migrateStatus(db.ctx({ migrationsDir: m.dir }));
    expect(st.behind).toBe(0);
    expect((await versions()).newborn).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('--tenant: a malformed slug is a usage error, an unknown one a failure naming it', async () => {
    await expect(
      migrate(db.ctx({ migrationsDir: m.dir }), { tenants: ['m1', 'ghost', 'bad slug'] }),
    ).rejects.toBeInstanceOf(UsageError);
    const err = await migrate(db.ctx({ migrationsDir: m.dir }), {
      tenants: ['ghost', 'm1', 'ghost2'],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.code).toBe('tenant-unknown');
    expect(err.message).toMatch(/no tenant "ghost", "ghost2" in this database/);
  });
});

describe('adopt', () => {
  it('registers existing prefixed schemas with a baseline, without changing their objects', async () => {
    const outer = db;
    db = await freshDatabase();
    await initControlSchema(db.ctx());
    const m = migrationsDir({
      '1_a.sql': 'CREATE TABLE a (id int);',
      '2_b.sql': 'CREATE TABLE b (id int);',
    });
    await db.query(
      `CREATE SCHEMA org_brown; CREATE TABLE org_brown.a (id int); INSERT INTO org_brown.a VALUES (42)`,
    );
    await db.query(`CREATE SCHEMA "org_Bad"`);
    const dry = await adopt(db.ctx({ migrationsDir: m.dir }), { baseline: 1, dryRun: true });
    expect(dry.adopted.map((a) => a.schema)).toEqual(['org_brown']);
    expect(dry.skipped.map((s) => s.schema)).toEqual(['org_Bad']);
    const r = await adopt(db.ctx({ migrationsDir: m.dir }), {
      baseline: 1,
      schemas: ['org_brown'],
    });
    expect(r.adopted).toEqual([{ slug: 'brown', schema: 'org_brown', ok: true }]);
    const rows = await db.query(
      `SELECT m.migration_id, m.baseline FROM tenantctl.tenant_migrations m JOIN tenantctl.tenants t ON t.id = m.tenant_id WHERE t.slug = 'brown'`,
    );
    expect(rows.rows).toEqual([{ migration_id: 1, baseline: true }]);
    expect((await db.query(`SELECT id FROM org_brown.a`)).rows).toEqual([{ id: 42 }]);
    const st = await migrateStatus(db.ctx({ migrationsDir: m.dir }), { tenants: ['brown'] });
    expect(st.pending).toEqual([{ slug: 'brown', version: 1, pending: [2] }]);
    await expect(adopt(db.ctx({ migrationsDir: m.dir }), { baseline: 9 })).rejects.toThrow(
      /--baseline 9: no migration/,
    );
    await db.cleanup();
    db = outer;
  });
});

describe('edited applied migrations are refused everywhere', () => {
  it('create and adopt --baseline refuse too, so the edit never spreads', async () => {
    const local = await freshDatabase();
    try {
      await initControlSchema(local.ctx());
      const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
      await createTenants(local.ctx({ migrationsDir: m.dir }), { slugs: ['first'] });
      m.write('1_a.sql', 'CREATE TABLE a (id bigint);');
      await expect(
        createTenants(local.ctx({ migrationsDir: m.dir }), { slugs: ['second'] }),
      ).rejects.toThrow(/refusing to create tenants: migration 1_a\.sql was edited/);
      await local.query('CREATE SCHEMA org_brown2');
      await expect(adopt(local.ctx({ migrationsDir: m.dir }), { baseline: 1 })).rejects.toThrow(
        /refusing to adopt/,
      );
      expect((await local.query(`SELECT slug FROM tenantctl.tenants`)).rows).toEqual([
        { slug: 'first' },
      ]);
    } finally {
      await local.cleanup();
    }
  });
});
