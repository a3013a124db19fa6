import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { fleetStats, CENSUS_SETTINGS } from '../../src/inspect/stats.js';
import { withTransaction } from '../../src/pg/tx.js';

let db: TestDb;
let mdir: string;

beforeAll(async () => {
  db = await freshDatabase();
  await initControlSchema(db.ctx());
  mdir = mkdtempSync(path.join(os.tmpdir(), 'tctl-stats-mig-'));
  writeFileSync(
    path.join(mdir, '1_notes.sql'),
    'CREATE TABLE notes (id int PRIMARY KEY, body text);',
  );
  await createTenants(db.ctx({ migrationsDir: mdir }), {
    slugs: ['alpha', 'beta', 'gamma', 'delta'],
  });
  writeFileSync(path.join(mdir, '2_tags.sql'), 'CREATE TABLE tags (id int);');
  // a schema nobody registered, a registered tenant whose schema is gone, and a hand-made table
  await db.query(
    `CREATE SCHEMA org_stray; CREATE TABLE org_stray.t1 (id int); CREATE TABLE org_stray.t2 (id int)`,
  );
  await db.query(`DROP SCHEMA org_delta CASCADE`);
  await db.query(
    `CREATE TABLE org_beta.scratch (id int); INSERT INTO org_beta.scratch SELECT generate_series(1, 500); ANALYZE org_beta.scratch`,
  );
  await db.query(`UPDATE tenantctl.tenants SET status = 'suspended' WHERE slug = 'gamma'`);
});
afterAll(async () => db?.cleanup());

describe('stats', () => {
  it('counts equal what the catalog says, with orphans, a missing schema and an extra table', async () => {
    const r = await fleetStats(db.ctx());
    const schemas = await db.query(
      `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, 'org_') ORDER BY 1`,
    );
    const tables = await db.query(
      `SELECT schemaname, count(*)::int AS n FROM pg_tables WHERE starts_with(schemaname, 'org_') GROUP BY 1`,
    );
    const perSchema = Object.fromEntries(tables.rows.map((t) => [t.schemaname, t.n]));
    expect(r.totals.schemas).toBe(schemas.rowCount);
    expect(r.totals.tables).toBe(tables.rows.reduce((n, t) => n + t.n, 0));
    expect(r.totals.tenants).toBe(4);
    expect(r.byStatus).toEqual({ active: 3, suspended: 1 });
    expect(r.orphans).toEqual(['org_stray']);
    expect(r.missing).toEqual([{ slug: 'delta', schema: 'org_delta', status: 'active' }]);
    for (const t of r.tenants) expect(t.tables, t.slug).toBe(perSchema[t.schema] ?? 0);
    expect(r.tablesPerTenant).toEqual({ min: 4, median: 4, max: 5 });
    expect(r.outliers).toEqual([
      { slug: 'beta', schema: 'org_beta', template: 'default', tables: 5, majority: 4 },
    ]);
    const beta = r.tenants.find((t) => t.slug === 'beta')!;
    expect(beta.rowEstimate).toBe(500);
    expect(beta.bytes).toBeGreaterThan(0);
    expect(beta.pending).toBeNull();
    expect(r.migrations.latest).toBeNull();
  });

  it('reports applied and pending migrations against a migrations directory', async () => {
    const r = await fleetStats(db.ctx({ migrationsDir: mdir }));
    expect(r.migrations).toMatchObject({ latest: 2, upToDate: 0, behind: 4 });
    expect(r.tenants.map((t) => [t.slug, t.applied, t.pending])).toEqual([
      ['alpha', 1, 1],
      ['beta', 1, 1],
      ['delta', 1, 1],
      ['gamma', 1, 1],
    ]);
  });

  it('exact sizes measure the relations on disk', async () => {
    const r = await fleetStats(db.ctx(), { exactSizes: true });
    const { rows } = await db.query(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS b FROM pg_class c WHERE c.relnamespace = 'org_alpha'::regnamespace AND c.relkind IN ('r', 'p', 'm', 'S')`,
    );
    expect(r.sizes).toBe('exact');
    expect(r.tenants.find((t) => t.slug === 'alpha')!.bytes).toBe(Number(rows[0].b));
  });

  it('the census transaction has JIT and the timeouts off, SET LOCAL: nothing stays on the connection', async () => {
    const ctx = db.ctx();
    const c = await ctx.db.dedicatedClient();
    try {
      await c.query(`SET statement_timeout = '5s'`);
      const read = () =>
        c.query(
          `SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`,
        );
      const inside = await withTransaction(c, read, {
        begin: 'BEGIN READ ONLY',
        noTimeouts: true,
        settings: CENSUS_SETTINGS,
      });
      expect(inside.rows[0]).toEqual({ jit: 'off', st: '0', idle: '0' });
      expect((await read()).rows[0]).toMatchObject({ st: '5s' });
    } finally {
      await c.end();
    }
  });

  it('a database without the control schema fails at once, before any census', async () => {
    const ctx = db.ctx({ controlSchema: 'nosuchcontrol' });
    const census = vi.spyOn(ctx.db, 'dedicatedClient');
    await expect(fleetStats(ctx)).rejects.toThrow(/control schema "nosuchcontrol" is not set up/);
    expect(census).not.toHaveBeenCalled();
  });
});
