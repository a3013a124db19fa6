import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { loginRole, connectAs, privilegeMatrix } from '../helpers/roles.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { grantAccess, listAccess } from '../../src/access/access.js';
import { suspendTenant, activateTenant } from '../../src/suspend/suspend.js';
import { renameTenant } from '../../src/rename/rename.js';
import { BusyError, UsageError } from '../../src/shared/errors.js';

let db: TestDb;
const m = migrationsDir({ '1_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);' });
const ctx = () => db.ctx({ migrationsDir: m.dir, lockTimeout: '2s' });

beforeAll(async () => {
  db = await freshDatabase();
  await initControlSchema(ctx());
});
afterAll(async () => db?.cleanup());

async function registry(slug: string) {
  const { rows } = await db.query(
    `SELECT id::int, slug, schema_name AS schema, rw_role AS rw, ro_role AS ro, status FROM tenantctl.tenants WHERE slug = $1`,
    [slug],
  );
  return rows[0];
}
const schemaExists = async (s: string) =>
  (await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [s])).rowCount === 1;
const roleExists = async (r: string) =>
  (await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [r])).rowCount === 1;
async function roleSetting(role: string): Promise<string[] | null> {
  const { rows } = await db.query(
    `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
     WHERE r.rolname = $1 AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [role],
  );
  return rows[0]?.setconfig ?? null;
}

describe('rename', () => {
  it('renames schema, group roles, registry, role and function search_path settings in one go; grants, memberships and bookkeeping follow', async () => {
    const created = await createTenants(ctx(), { slugs: ['r1'] });
    const old = created.tenants[0].roles!;
    const app = await loginRole(db, 'app1');
    await grantAccess(ctx(), { role: app, slug: 'r1', searchPath: true });
    await db.query(`INSERT INTO org_r1.notes VALUES (1, 'kept')`);
    await db.query(
      `CREATE FUNCTION org_r1.note_count() RETURNS bigint LANGUAGE sql SET search_path = org_r1, public AS 'SELECT count(*) FROM notes'`,
    );
    await db.query(
      `CREATE PROCEDURE public.r1_touch() LANGUAGE sql SET search_path = "org_r1" AS 'SELECT 1'`,
    );
    await db.query(`CREATE VIEW public.r1_notes AS SELECT body FROM org_r1.notes`);
    const before = await registry('r1');

    const r = await renameTenant(ctx(), { slug: 'r1', newSlug: 'r1-corp' });
    expect(r).toMatchObject({
      from: { slug: 'r1', schema: 'org_r1', roles: old },
      to: { slug: 'r1-corp', schema: 'org_r1_corp' },
      status: 'active',
      functionSearchPaths: ['org_r1_corp.note_count()', 'r1_touch()'],
      roleSearchPaths: [app],
      functionBodies: [],
    });
    const after = await registry('r1-corp');
    expect(after).toEqual({ ...before, slug: 'r1-corp', schema: 'org_r1_corp', ...r.to.roles });
    expect(await registry('r1')).toBeUndefined();
    expect(r.to.roles.rw).toMatch(/^org_r1_corp_[0-9a-f]{6}_rw$/);
    expect([await schemaExists('org_r1'), await schemaExists('org_r1_corp')]).toEqual([
      false,
      true,
    ]);
    for (const role of [old.rw, old.ro]) expect(await roleExists(role)).toBe(false);
    // the login role's jail follows, and PostgreSQL enforces it: unqualified names land in the new schema
    expect(await roleSetting(app)).toEqual(['search_path=org_r1_corp']);
    const client = await connectAs(db, app);
    try {
      const { rows } = await client.query(
        `SELECT current_schemas(false)::text[] AS path, (SELECT body FROM notes) AS body, note_count()::int AS n`,
      );
      expect(rows[0]).toEqual({ path: ['org_r1_corp'], body: 'kept', n: 1 });
    } finally {
      await client.end();
    }
    const fn = await db.query(
      `SELECT p.proname, p.proconfig FROM pg_proc p WHERE p.proname IN ('note_count', 'r1_touch') ORDER BY 1`,
    );
    expect(fn.rows).toEqual([
      { proname: 'note_count', proconfig: ['search_path=org_r1_corp, public'] },
      { proname: 'r1_touch', proconfig: ['search_path=org_r1_corp'] },
    ]);
    expect(
      (await db.query(`SELECT pg_get_viewdef('public.r1_notes'::regclass) AS d`)).rows[0].d,
    ).toMatch(/org_r1_corp\.notes/);
    // recorded grant, membership and bookkeeping are keyed by tenant and role oid: they follow
    expect(await listAccess(ctx(), 'r1-corp')).toMatchObject([
      { slug: 'r1-corp', role: app, mode: 'rw', searchPath: true, source: 'tenantctl' },
    ]);
    const applied = await db.query(
      `SELECT migration_id FROM tenantctl.tenant_migrations WHERE tenant_id = $1`,
      [after.id],
    );
    expect(applied.rows).toEqual([{ migration_id: 1 }]);
    const audit = await db.query(
      `SELECT tenant_slug, outcome, details->'from'->>'slug' AS "from" FROM tenantctl.audit_log WHERE command = 'rename'`,
    );
    expect(audit.rows).toEqual([{ tenant_slug: 'r1-corp', outcome: 'ok', from: 'r1' }]);
  });

  it('refuses (exit 2) a taken slug, an existing schema and function bodies naming the schema; --force renames anyway', async () => {
    await createTenants(ctx(), { slugs: ['r2', 'r3'] });
    await db.query(`CREATE SCHEMA org_r4x`);
    await db.query(
      `CREATE FUNCTION public.r2_count() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM org_r2.notes); END $$`,
    );
    // names that merely contain the schema's name are not it
    await db.query(
      `CREATE FUNCTION public.r2_lookalike() RETURNS text LANGUAGE sql AS $$ SELECT 'org_r2x org_r20' $$`,
    );
    const before = await registry('r2');
    const refusals: [string, RegExp][] = [
      ['r3', /tenant "r3" already exists/],
      ['r4x', /schema org_r4x already exists/],
      ['r2-new', /1 function name schema org_r2 in their body.*public\.r2_count\(\)|r2_count\(\)/],
      ['r2', /is the tenant's slug already/],
      ['R2 bad', /invalid slug/],
    ];
    for (const [to, message] of refusals) {
      const err = await renameTenant(ctx(), { slug: 'r2', newSlug: to }).catch((e) => e);
      expect(err, to).toBeInstanceOf(UsageError);
      expect(err.exitCode).toBe(2);
      expect(err.message, to).toMatch(message);
    }
    expect(await registry('r2')).toEqual(before);
    expect(await schemaExists('org_r2')).toBe(true);

    const r = await renameTenant(ctx(), { slug: 'r2', newSlug: 'r2-new', force: true });
    expect(r.functionBodies).toEqual(['r2_count()']);
    expect(r.warnings.join('\n')).toMatch(/still name org_r2: r2_count\(\)/);
    expect(await registry('r2-new')).toMatchObject({ schema: 'org_r2_new' });
  });

  it('exits 4 and changes nothing while another session holds the tenant lock', async () => {
    await createTenants(ctx(), { slugs: ['r5'] });
    const before = await registry('r5');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtext('tenantctl'), hashtext('tenant:org_r5'))`,
      );
      const err = await renameTenant(db.ctx({ migrationsDir: m.dir, lockTimeout: '200ms' }), {
        slug: 'r5',
        newSlug: 'r5-new',
      }).catch((e) => e);
      expect(err).toBeInstanceOf(BusyError);
      expect(err.exitCode).toBe(4);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await registry('r5')).toEqual(before);
    expect(await schemaExists('org_r5')).toBe(true);
    expect(await roleExists(before.rw)).toBe(true);
  });

  it('a suspended tenant stays suspended; activate afterwards restores its privileges exactly', async () => {
    const created = await createTenants(ctx(), { slugs: ['r6'] });
    const old = created.tenants[0].roles!;
    const app = await loginRole(db, 'app6');
    const reader = await loginRole(db, 'reader6');
    const analyst = await loginRole(db, 'analyst6');
    await grantAccess(ctx(), { role: app, slug: 'r6', searchPath: true });
    await grantAccess(ctx(), { role: reader, slug: 'r6', readOnly: true });
    await db.query(`GRANT USAGE ON SCHEMA org_r6 TO "${analyst}"`);
    await db.query(`GRANT SELECT (body) ON org_r6.notes TO "${analyst}" WITH GRANT OPTION`);
    const who = (r: typeof old) => [app, reader, analyst, r.rw, r.ro];
    const before = await privilegeMatrix(db, 'org_r6', who(old));

    await suspendTenant(ctx(), { slug: 'r6', reason: 'unpaid', terminate: false });
    const r = await renameTenant(ctx(), { slug: 'r6', newSlug: 'r6-new' });
    expect(r.status).toBe('suspended');
    expect(await registry('r6-new')).toMatchObject({ status: 'suspended', schema: 'org_r6_new' });
    const canLogin = async (role: string) =>
      (await db.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = $1`, [role])).rows[0]
        .rolcanlogin;
    expect(await canLogin(app)).toBe(false);
    const suspended = await privilegeMatrix(db, 'org_r6_new', who(r.to.roles));
    expect(
      Object.entries(suspended).filter(
        ([k, v]) => v && !k.startsWith(r.to.roles.rw) && !k.includes(' schema '),
      ),
    ).toEqual([]);

    const a = await activateTenant(ctx(), 'r6-new');
    expect(a).toMatchObject({ changed: true, missingRoles: [], gone: [] });
    const rename = (k: string) =>
      k
        .replaceAll(old.rw, r.to.roles.rw)
        .replaceAll(old.ro, r.to.roles.ro)
        .replaceAll('org_r6.', 'org_r6_new.');
    const expected = Object.fromEntries(Object.entries(before).map(([k, v]) => [rename(k), v]));
    expect(await privilegeMatrix(db, 'org_r6_new', who(r.to.roles))).toEqual(expected);
    expect(await canLogin(app)).toBe(true);
    expect(await roleSetting(app)).toEqual(['search_path=org_r6_new']);
  });
});
