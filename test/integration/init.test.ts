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
      'archive-lineage',
    ]);
  });

  it('is idempotent and safe to run twice at once', async () => {
    const ctx = db.ctx();
    const [a, b] = await Promise.all([initControlSchema(ctx), initControlSchema(db.ctx())]);
    expect(a.applied).toEqual([]);
    expect(b.applied).toEqual([]);
  });

  it('refuses to work on a control schema older than this tenantctl, and init upgrades it', async () => {
    // the control schema as the previous tenantctl left it: without migration 6
    await db.query(`DROP TABLE tenantctl.carried_grants;
      ALTER TABLE tenantctl.tenants DROP COLUMN import_gaps;
      ALTER TABLE tenantctl.tenants ALTER COLUMN template SET NOT NULL;
      DELETE FROM tenantctl.migrations WHERE name = 'archive-lineage'`);
    const { listTenantsCmd } = await import('../../src/inspect/list.js');
    await expect(listTenantsCmd(db.ctx())).rejects.toThrow(
      /older than this tenantctl \(version 5, needs 6\)/,
    );
    expect((await initControlSchema(db.ctx())).applied).toEqual(['archive-lineage']);
    expect(await listTenantsCmd(db.ctx())).toEqual([]);
  });

  it('honours a configured control schema name', async () => {
    const ctx = db.ctx({ controlSchema: 'ops_ctl' });
    const r = await initControlSchema(ctx);
    expect(r.created).toBe(true);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ops_ctl.tenants`);
    expect(rows[0].n).toBe(0);
  });
});
