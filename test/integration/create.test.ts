import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { dropTenant } from '../../src/provision/drop.js';
import { FailedError, PartialError, UsageError } from '../../src/shared/errors.js';
import type { Ctx } from '../../src/control/context.js';

let db: TestDb;
let ctx: Ctx;

/** Everything that could show a trace of a tenant: schemas, roles, registry, audit. */
async function snapshot() {
  const schemas = await db.query(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'org%' ORDER BY 1`,
  );
  const tag = (await db.query(`SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
    .rows[0].value;
  const roles = await db.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1`, [
    `%\\_${tag}\\_%`,
  ]);
  const tenants = await db.query(`SELECT slug FROM tenantctl.tenants ORDER BY 1`);
  return {
    schemas: schemas.rows.map((r) => r.nspname),
    roles: roles.rows.map((r) => r.rolname),
    tenants: tenants.rows.map((r) => r.slug),
  };
}

function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-tpl-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

beforeAll(async () => {
  db = await freshDatabase();
  ctx = db.ctx();
  await initControlSchema(ctx);
});
afterAll(async () => db?.cleanup());

describe('create', () => {
  it('provisions schema, template tables, roles with privileges, registry row and audit record', async () => {
    const r = await createTenants(ctx, { slugs: ['Acme'] });
    expect(r.tenants).toMatchObject([{ slug: 'acme', schema: 'org_acme', ok: true }]);
    const tables = await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'org_acme' ORDER BY 1`,
    );
    expect(tables.rows.map((t) => t.table_name)).toEqual(['audit_log', 'settings', 'users']);
    const roles = r.tenants[0].roles!;
    const priv = await db.query(
      `SELECT has_table_privilege($1, 'org_acme.users', 'INSERT') AS rw_ins, has_table_privilege($2, 'org_acme.users', 'SELECT') AS ro_sel,
              has_table_privilege($2, 'org_acme.users', 'INSERT') AS ro_ins`,
      [roles.rw, roles.ro],
    );
    expect(priv.rows[0]).toEqual({ rw_ins: true, ro_sel: true, ro_ins: false });
    // default privileges cover tables created later by the same role
    await db.query(`CREATE TABLE org_acme.later (id int)`);
    const later = await db.query(
      `SELECT has_table_privilege($1, 'org_acme.later', 'UPDATE') AS ok`,
      [roles.rw],
    );
    expect(later.rows[0].ok).toBe(true);
    const audit = await db.query(
      `SELECT command, outcome FROM tenantctl.audit_log WHERE tenant_slug = 'acme'`,
    );
    expect(audit.rows).toEqual([{ command: 'create', outcome: 'ok' }]);
    // the audit trigger of the template writes into the tenant's own audit_log
    await db.query(
      `INSERT INTO org_acme.users (auth_id, email) VALUES ('auth|1', 'a@example.com')`,
    );
    const trail = await db.query(
      `SELECT action, entity FROM org_acme.audit_log WHERE entity = 'users'`,
    );
    expect(trail.rows).toEqual([{ action: 'insert', entity: 'users' }]);
  });

  it('refuses hostile and invalid slugs with every problem, before touching anything', async () => {
    const before = await snapshot();
    const err = await createTenants(ctx, {
      slugs: ['x; drop schema public cascade; --', 'a"b', '../etc', 'a'.repeat(80), 'ünï', 'fine'],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.problems).toHaveLength(5);
    expect(await snapshot()).toEqual(before);
  });

  it('a failing template file rolls everything back and names the file and position', async () => {
    const dir = templateDir({
      '01_ok.sql': 'CREATE TABLE a (id int);',
      '02_bad.sql': 'CREATE TABLE b (id int);\nCREATE TABLE c (x nosuchtype);',
    });
    const before = await snapshot();
    const err = await createTenants(ctx, { slugs: ['broken'], template: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.message).toMatch(/02_bad\.sql line 2 col 19: type "nosuchtype" does not exist/);
    expect(await snapshot()).toEqual(before);
    const audit = await db.query(
      `SELECT outcome FROM tenantctl.audit_log WHERE tenant_slug = 'broken'`,
    );
    expect(audit.rows).toEqual([{ outcome: 'failed' }]);
  });

  it('never touches an existing schema that is not registered, and points to adopt', async () => {
    await db.query(
      `CREATE SCHEMA org_legacy; CREATE TABLE org_legacy.keep (v text); INSERT INTO org_legacy.keep VALUES ('mine')`,
    );
    const err = await createTenants(ctx, { slugs: ['legacy'] }).catch((e) => e);
    expect(err.message).toMatch(/org_legacy already exists and is not a registered tenant/);
    expect(err.hint).toMatch(/adopt/);
    expect((await db.query(`SELECT v FROM org_legacy.keep`)).rows).toEqual([{ v: 'mine' }]);
  });

  it('refuses an already registered tenant', async () => {
    await expect(createTenants(ctx, { slugs: ['acme'] })).rejects.toThrow(/already exists/);
  });

  it('creates many at once; a partial failure is exit 3 with a summary', async () => {
    const slugs = Array.from({ length: 12 }, (_, i) => `bulk-${i}`);
    const r = await createTenants(ctx, { slugs, concurrency: 4 });
    expect(r.tenants.every((t) => t.ok)).toBe(true);
    const err = await createTenants(ctx, { slugs: ['bulk-0', 'fresh-one'], concurrency: 2 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PartialError);
    expect(err.exitCode).toBe(3);
    expect(err.result.tenants.map((t: { ok: boolean }) => t.ok)).toEqual([false, true]);
  });

  it('--dry-run plans and changes nothing', async () => {
    const before = await snapshot();
    const r = await createTenants(ctx, { slugs: ['planned'], dryRun: true });
    expect(r.plan![0].steps).toContain('CREATE SCHEMA "org_planned"');
    expect(await snapshot()).toEqual(before);
  });

  it('applies every known migration in the same transaction', async () => {
    const mdir = mkdtempSync(path.join(os.tmpdir(), 'tctl-mig-'));
    mkdirSync(mdir, { recursive: true });
    writeFileSync(path.join(mdir, '1_add-col.sql'), 'ALTER TABLE users ADD COLUMN nickname text;');
    writeFileSync(path.join(mdir, '2_bad.sql'), 'ALTER TABLE nosuch ADD COLUMN x int;');
    const before = await snapshot();
    const mctx = db.ctx({ migrationsDir: mdir });
    await expect(createTenants(mctx, { slugs: ['migrated'] })).rejects.toThrow(
      /2_bad\.sql.*nosuch/,
    );
    expect(await snapshot()).toEqual(before);
    writeFileSync(path.join(mdir, '2_bad.sql'), 'CREATE TABLE extra (id int);');
    const r = await createTenants(db.ctx({ migrationsDir: mdir }), { slugs: ['migrated'] });
    expect(r.tenants[0].migrations).toEqual([1, 2]);
    const rows = await db.query(
      `SELECT migration_id FROM tenantctl.tenant_migrations m JOIN tenantctl.tenants t ON t.id = m.tenant_id WHERE t.slug = 'migrated' ORDER BY 1`,
    );
    expect(rows.rows.map((r) => r.migration_id)).toEqual([1, 2]);
    // Without the directory, a new tenant would be born behind 'migrated': refused, nothing made.
    const refused = await createTenants(ctx, { slugs: ['behind'] }).catch((e) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect(refused.code).toBe('migrations-behind');
    expect(refused.message).toMatch(/up to 2.*born behind/);
    expect((await snapshot()).schemas).not.toContain('org_behind');
    await dropTenant(ctx, 'migrated');
  });
});

describe('drop', () => {
  it('removes schema, roles and registry row', async () => {
    await createTenants(ctx, { slugs: ['doomed'] });
    const r = await dropTenant(ctx, 'doomed');
    expect(r.rolesDropped).toHaveLength(2);
    const s = await snapshot();
    expect(s.schemas).not.toContain('org_doomed');
    expect(s.tenants).not.toContain('doomed');
    expect(s.roles.some((x) => x.startsWith('org_doomed'))).toBe(false);
  });
  it("refuses to cascade beyond the tenant: a public view or another schema's foreign key keeps it", async () => {
    await createTenants(ctx, { slugs: ['shared'] });
    await db.query(`CREATE VIEW public.report AS SELECT count(*) AS n FROM org_shared.users`);
    const err = await dropTenant(ctx, 'shared').catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.message).toMatch(
      /1 object outside org_shared depend on it \(rule _RETURN on view report\)/,
    );
    expect(
      (await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'org_shared'`)).rowCount,
    ).toBe(1);
    await db.query(
      `DROP VIEW public.report; CREATE TABLE public.refs (u uuid REFERENCES org_shared.users (id))`,
    );
    await expect(dropTenant(ctx, 'shared')).rejects.toThrow(/constraint refs_u_fkey on table refs/);
    await db.query(`DROP TABLE public.refs`);
    expect((await dropTenant(ctx, 'shared')).schema).toBe('org_shared');
  });

  it('names an unknown tenant', async () => {
    await expect(dropTenant(ctx, 'nobody')).rejects.toThrow(/no tenant "nobody"/);
  });
});
