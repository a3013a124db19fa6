import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { initControlSchema } from '../../src/control/init.js';

let db: TestDb;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.cleanup());

describe('init', () => {
  it('creates the control schema beside a user public.migrations and public.tenants, leaving them untouched', async () => {
    await db.query(`CREATE TABLE public.migrations (id int PRIMARY KEY, note text);
      INSERT INTO public.migrations VALUES (1, 'users own'), (7, 'also');
      CREATE TABLE public.tenants (name text); INSERT INTO public.tenants VALUES ('theirs')`);
    const ctx = db.ctx();
    const r = await initControlSchema(ctx);
    expect(r).toMatchObject({
      controlSchema: 'tenantctl',
      created: true,
      applied: [
        'control-schema',
        'migration-hash-index',
        'lock-tenant-function',
        'migrate-tenant-function',
        'audit-running-runs',
        'audit-log-at',
        'fleet',
        'archive-lineage',
      ],
    });
    const { rows } = await db.query(`SELECT id, note FROM public.migrations ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, note: 'users own' },
      { id: 7, note: 'also' },
    ]);
    expect((await db.query(`SELECT name FROM public.tenants`)).rows).toEqual([{ name: 'theirs' }]);
    const ctl = await db.query(`SELECT id, name FROM tenantctl.migrations ORDER BY id`);
    expect(ctl.rows.map((r) => r.name)).toEqual([
      'create-migrations-table',
      'control-schema',
      'migration-hash-index',
      'lock-tenant-function',
      'migrate-tenant-function',
      'audit-running-runs',
      'audit-log-at',
      'fleet',
      'archive-lineage',
    ]);
  });

  it('is safe to run four times at once on an uninitialised database: one applies, none fails', async () => {
    // Its own control schema name, so nothing an earlier case did can make this pass.
    const ctxs = Array.from({ length: 4 }, () => db.ctx({ controlSchema: 'race_ctl' }));
    const runs = await Promise.all(ctxs.map((ctx) => initControlSchema(ctx)));
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    expect(runs.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(runs.filter((r) => r.applied.length === 0)).toHaveLength(3);
    const { rows } = await db.query(
      `SELECT name, count(*)::int AS n FROM race_ctl.migrations GROUP BY name HAVING count(*) > 1`,
    );
    expect(rows).toEqual([]);
  });

  it('is idempotent: a second init applies nothing', async () => {
    const ctx = db.ctx({ controlSchema: 'twice_ctl' });
    expect((await initControlSchema(ctx)).created).toBe(true);
    const again = await initControlSchema(db.ctx({ controlSchema: 'twice_ctl' }));
    expect(again).toMatchObject({ created: false, applied: [] });
  });

  it('refuses to work on a control schema older than this tenantctl, and init upgrades it', async () => {
    const ctx = () => db.ctx({ controlSchema: 'old_ctl' });
    await initControlSchema(ctx());
    // the control schema as the previous tenantctl left it: without migration 8
    await db.query(`DROP TABLE old_ctl.carried_grants;
      ALTER TABLE old_ctl.tenants DROP COLUMN import_gaps;
      ALTER TABLE old_ctl.tenants ALTER COLUMN template SET NOT NULL;
      DELETE FROM old_ctl.migrations WHERE name = 'archive-lineage'`);
    const { listTenantsCmd } = await import('../../src/inspect/list.js');
    await expect(listTenantsCmd(ctx())).rejects.toThrow(
      /older than this tenantctl \(version 7, needs 8\)/,
    );
    expect((await initControlSchema(ctx())).applied).toEqual(['archive-lineage']);
    expect(await listTenantsCmd(ctx())).toEqual([]);
  });

  it('honours a configured control schema name', async () => {
    const ctx = db.ctx({ controlSchema: 'ops_ctl' });
    const r = await initControlSchema(ctx);
    expect(r.created).toBe(true);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ops_ctl.tenants`);
    expect(rows[0].n).toBe(0);
  });
});
