import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { verifyFleet, type VerifyResult } from '../../src/verify/verify.js';
import { FailedError, UsageError } from '../../src/shared/errors.js';
import type { Ctx } from '../../src/control/context.js';

let db: TestDb;
let ctx: Ctx;
let mdir: string;
let tplDir: string;

const problemsOf = (r: VerifyResult) =>
  Object.fromEntries(r.tenants.filter((t) => !t.ok).map((t) => [t.slug, t.problems]));

beforeAll(async () => {
  db = await freshDatabase();
  mdir = mkdtempSync(path.join(os.tmpdir(), 'tctl-verify-mig-'));
  writeFileSync(
    path.join(mdir, '1_users-locale.sql'),
    `ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';`,
  );
  writeFileSync(
    path.join(mdir, '2_projects.sql'),
    `CREATE TABLE projects (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner uuid REFERENCES users (id), name text NOT NULL CHECK (name <> ''));
     CREATE INDEX projects_owner_idx ON projects (owner) WHERE name IS NOT NULL;
     CREATE VIEW project_names AS SELECT id, name FROM projects;
     ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
     CREATE POLICY projects_named ON projects USING (name <> '');`,
  );
  // a second template, to prove each tenant is compared with its own
  tplDir = mkdtempSync(path.join(os.tmpdir(), 'tctl-verify-tpl-'));
  writeFileSync(
    path.join(tplDir, '01_items.sql'),
    `CREATE TABLE items (id serial PRIMARY KEY, users_note text); CREATE TABLE users (id uuid PRIMARY KEY);`,
  );
  ctx = db.ctx({ migrationsDir: mdir });
  await initControlSchema(ctx);
  await createTenants(ctx, { slugs: ['t1', 't2', 't3', 't4', 't10'] });
  await createTenants(ctx, { slugs: ['other'], template: tplDir });
});
afterAll(async () => db?.cleanup());

describe('verify', () => {
  it('a fresh fleet is clean, and the reference leaves nothing behind', async () => {
    const r = await verifyFleet(ctx);
    expect(problemsOf(r)).toEqual({});
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(6);
    expect(r.control).toEqual({ schema: 'tenantctl', ok: true, problems: [] });
    const scratch = await db.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenantctl_verify%'`,
    );
    expect(scratch.rowCount).toBe(0);
  });

  it('names exactly the tenant whose column was dropped, not its neighbours', async () => {
    await db.query(`ALTER TABLE org_t1.users DROP COLUMN locale`);
    const r = await verifyFleet(ctx);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toEqual({
      t1: ["missing column users.locale (text NOT NULL DEFAULT 'en'::text)"],
    });
    await db.query(`ALTER TABLE org_t1.users ADD COLUMN locale text NOT NULL DEFAULT 'en'`);
    expect((await verifyFleet(ctx)).ok).toBe(true);
  });

  it('reports changed types, defaults, indexes, constraints, triggers, views, functions and policies, each once', async () => {
    await db.query(`
      ALTER TABLE org_t2.users ALTER COLUMN email TYPE varchar(200), ALTER COLUMN locale SET DEFAULT 'de';
      DROP INDEX org_t2.projects_owner_idx; CREATE INDEX projects_owner_idx ON org_t2.projects (owner);
      ALTER TABLE org_t2.projects DROP CONSTRAINT projects_name_check;
      ALTER TABLE org_t2.settings DISABLE TRIGGER settings_audit;
      CREATE OR REPLACE VIEW org_t2.project_names AS SELECT id, name FROM org_t2.projects WHERE id > 0;
      CREATE OR REPLACE FUNCTION org_t2.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END; $$;
      DROP POLICY projects_named ON org_t2.projects;
      CREATE TABLE org_t2.extra (id int PRIMARY KEY);
      CREATE SEQUENCE org_t2.loose_seq;
    `);
    const r = await verifyFleet(ctx);
    expect(Object.keys(problemsOf(r))).toEqual(['t2']);
    const p = problemsOf(r).t2;
    expect(p).toEqual([
      'missing constraint projects.projects_name_check',
      'missing policy projects.projects_named',
      'extra table extra',
      'extra sequence loose_seq',
      expect.stringMatching(
        /^view project_names differs: expected .*FROM projects;", found .*WHERE \((projects\.)?id > 0\);"$/,
      ), // PostgreSQL 18 leaves the column unqualified
      'column users.email differs: expected "text NOT NULL", found "character varying(200) NOT NULL"',
      `column users.locale differs: expected "text NOT NULL DEFAULT 'en'::text", found "text NOT NULL DEFAULT 'de'::text"`,
      'index projects_owner_idx differs: expected "btree (owner uuid_ops) WHERE (name IS NOT NULL)", found "btree (owner uuid_ops)"',
      // the expression index follows the column's new type
      expect.stringMatching(/^index users_email_key differs: .*lower\(\(email\)::text\)/),
      expect.stringMatching(
        /^trigger settings\.settings_audit differs: .*record_audit\(\) \(DISABLED\)/,
      ),
      expect.stringMatching(
        /^function set_updated_at\(\) differs: .*NEW\.updated_at := clock_timestamp/,
      ),
    ]);
  });

  it('--tenant limits the check; unknown and invalid slugs are refused up front', async () => {
    const r = await verifyFleet(ctx, { slugs: ['t3', 'T4'] });
    expect(r.tenants.map((t) => t.slug)).toEqual(['t3', 't4']);
    expect(r.ok).toBe(true);
    await expect(verifyFleet(ctx, { slugs: ['ghost', 'nobody', 't3'] })).rejects.toThrow(
      FailedError,
    );
    await expect(verifyFleet(ctx, { slugs: ['ghost', 'nobody'] })).rejects.toThrow(
      /"ghost", "nobody"/,
    );
    await expect(verifyFleet(ctx, { slugs: ['a"b'] })).rejects.toThrow(UsageError);
  });

  it('catches a grant to PUBLIC, and leaves function EXECUTE for PUBLIC alone', async () => {
    await db.query(
      `GRANT SELECT ON org_t3.settings TO PUBLIC; GRANT EXECUTE ON FUNCTION org_t4.set_updated_at() TO PUBLIC`,
    );
    const r = await verifyFleet(ctx);
    expect(problemsOf(r).t3).toEqual(['PUBLIC has SELECT on table settings']);
    expect(problemsOf(r).t4).toBeUndefined();
    await db.query(
      `REVOKE SELECT ON org_t3.settings FROM PUBLIC; GRANT USAGE ON SCHEMA org_t3 TO PUBLIC`,
    );
    expect(problemsOf(await verifyFleet(ctx)).t3).toEqual(['PUBLIC has USAGE on the schema']);
    await db.query(`REVOKE USAGE ON SCHEMA org_t3 FROM PUBLIC`);
  });

  it('catches a stray role on two tenants, unless tenantctl recorded the grant', async () => {
    const stray = `${db.rolePrefix}stray`;
    await db.query(`CREATE ROLE ${stray}`);
    await db.query(
      `GRANT USAGE ON SCHEMA org_t3 TO ${stray}; GRANT SELECT ON org_t3.users TO ${stray}`,
    );
    // on one tenant only: not a cross-tenant leak
    expect((await verifyFleet(ctx, { slugs: ['t3'] })).ok).toBe(true);
    const { rows } = await db.query(`SELECT rw_role FROM tenantctl.tenants WHERE slug = 't10'`);
    await db.query(`GRANT ${rows[0].rw_role} TO ${stray}`);
    let r = await verifyFleet(ctx, { slugs: ['t3', 't10', 't1'] });
    expect(Object.keys(problemsOf(r)).sort()).toEqual(['t10', 't3']);
    expect(problemsOf(r).t3[0]).toMatch(
      new RegExp(
        `role ${stray} also reaches t10, and tenantctl did not grant it here: USAGE on the schema; SELECT on table users`,
      ),
    );
    expect(problemsOf(r).t10[0]).toMatch(
      new RegExp(`role ${stray} also reaches t3, .*membership in ${rows[0].rw_role}`),
    );
    await db.query(
      `INSERT INTO tenantctl.access_grants (tenant_id, role_name, read_only) SELECT id, $1, false FROM tenantctl.tenants WHERE slug IN ('t3', 't10')`,
      [stray],
    );
    r = await verifyFleet(ctx, { slugs: ['t3', 't10'] });
    expect(r.ok).toBe(true);
    await db.query(
      `DELETE FROM tenantctl.access_grants; REVOKE ALL ON SCHEMA org_t3 FROM ${stray}; REVOKE ALL ON org_t3.users FROM ${stray}; REVOKE ${rows[0].rw_role} FROM ${stray}`,
    );
  });

  it("catches one tenant's role granted on another tenant", async () => {
    const { rows } = await db.query(`SELECT ro_role FROM tenantctl.tenants WHERE slug = 't4'`);
    await db.query(`GRANT USAGE ON SCHEMA org_t10 TO ${rows[0].ro_role}`);
    const r = await verifyFleet(ctx, { slugs: ['t10', 't4'] });
    expect(Object.keys(problemsOf(r))).toEqual(['t10']);
    expect(problemsOf(r).t10[0]).toMatch(/a group role of tenant t4/);
    await db.query(`REVOKE USAGE ON SCHEMA org_t10 FROM ${rows[0].ro_role}`);
  });

  it('a suspended tenant that still grants privileges is reported', async () => {
    await db.query(`UPDATE tenantctl.tenants SET status = 'suspended' WHERE slug = 't4'`);
    let r = await verifyFleet(ctx, { slugs: ['t4'] });
    expect(r.tenants[0].problems.join('\n')).toMatch(
      /suspended, but role org_t4_\w+_ro still holds .*USAGE on the schema/,
    );
    const { rows } = await db.query(
      `SELECT rw_role, ro_role FROM tenantctl.tenants WHERE slug = 't4'`,
    );
    await db.query(`REVOKE ALL ON SCHEMA org_t4 FROM ${rows[0].rw_role}, ${rows[0].ro_role}; REVOKE ALL ON ALL TABLES IN SCHEMA org_t4 FROM ${rows[0].rw_role}, ${rows[0].ro_role};
                    REVOKE ALL ON ALL SEQUENCES IN SCHEMA org_t4 FROM ${rows[0].rw_role}, ${rows[0].ro_role}`);
    expect((await verifyFleet(ctx, { slugs: ['t4'] })).tenants[0].problems.join('\n')).toMatch(
      /ro still holds .*SELECT by default on new tables/,
    );
    await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA org_t4 REVOKE ALL ON TABLES FROM ${rows[0].rw_role}, ${rows[0].ro_role};
                    ALTER DEFAULT PRIVILEGES IN SCHEMA org_t4 REVOKE ALL ON SEQUENCES FROM ${rows[0].rw_role}, ${rows[0].ro_role}`);
    r = await verifyFleet(ctx, { slugs: ['t4'] });
    expect(r.tenants[0].problems).toEqual([]);
  });

  it('catches anything reaching the control schema', async () => {
    const app = `${db.rolePrefix}app`;
    await db.query(
      `CREATE ROLE ${app}; GRANT USAGE ON SCHEMA tenantctl TO ${app}; GRANT SELECT ON tenantctl.tenants TO ${app}`,
    );
    const r = await verifyFleet(ctx, { slugs: ['t3'] });
    expect(r.ok).toBe(false);
    expect(r.tenants[0].ok).toBe(true);
    expect(r.control.problems).toEqual([`${app} has USAGE on the schema; SELECT on table tenants`]);
    await db.query(
      `REVOKE ALL ON SCHEMA tenantctl FROM ${app}; REVOKE ALL ON tenantctl.tenants FROM ${app}`,
    );
  });

  it('reports a missing schema, pending and edited migrations without failing the run', async () => {
    await db.query(`DROP SCHEMA org_t10 CASCADE`);
    writeFileSync(path.join(mdir, '3_more.sql'), 'CREATE TABLE more (id int);');
    await db.query(
      `UPDATE tenantctl.tenant_migrations SET hash = 'deadbeef00' WHERE migration_id = 1 AND tenant_id = (SELECT id FROM tenantctl.tenants WHERE slug = 't3')`,
    );
    const r = await verifyFleet(db.ctx({ migrationsDir: mdir }), { slugs: ['t3', 't10', 'other'] });
    const p = problemsOf(r);
    expect(p.t10).toEqual(['1 migration pending (3)', 'schema org_t10 does not exist']);
    expect(p.t3).toEqual([
      expect.stringMatching(/^migration 1_users-locale\.sql was edited after it was applied here/),
      '1 migration pending (3)',
    ]);
    expect(p.other).toEqual(['1 migration pending (3)']);
  });

  it('needs the migrations directory when tenants have migrations applied', async () => {
    await expect(verifyFleet(db.ctx())).rejects.toThrow(/needs the migrations directory/);
  });
});

describe('verify agrees with the rest of tenantctl', () => {
  it('clean after migrate, access grant on two tenants, suspend and activate', async () => {
    const { migrate } = await import('../../src/migrate/run.js');
    const { grantAccess } = await import('../../src/access/access.js');
    const { suspendTenant, activateTenant } = await import('../../src/suspend/suspend.js');
    const life = await freshDatabase();
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-verify-life-'));
      writeFileSync(
        path.join(dir, '1_notes.sql'),
        'CREATE TABLE notes (id int PRIMARY KEY, body text);',
      );
      const lctx = life.ctx({ migrationsDir: dir });
      await initControlSchema(lctx);
      await createTenants(lctx, { slugs: ['a', 'b', 'c'] });
      writeFileSync(
        path.join(dir, '2_tags.sql'),
        'CREATE TABLE tags (id int); CREATE INDEX tags_id ON tags (id);',
      );
      expect(problemsOf(await verifyFleet(lctx))).toEqual({
        a: ['1 migration pending (2)'],
        b: ['1 migration pending (2)'],
        c: ['1 migration pending (2)'],
      });
      await migrate(lctx, {});
      const app = `${life.rolePrefix}app`;
      await life.query(`CREATE ROLE ${app} LOGIN`);
      await grantAccess(lctx, { role: app, slug: 'a' });
      await grantAccess(lctx, { role: app, slug: 'b', readOnly: true });
      expect(problemsOf(await verifyFleet(lctx))).toEqual({});
      await suspendTenant(lctx, { slug: 'b', terminate: false });
      expect(problemsOf(await verifyFleet(lctx))).toEqual({});
      await activateTenant(lctx, 'b');
      const r = await verifyFleet(lctx);
      expect(problemsOf(r)).toEqual({});
      expect(r.ok).toBe(true);
      // the same role on a third tenant by hand is not tenantctl's doing
      const { rows } = await life.query(`SELECT ro_role FROM tenantctl.tenants WHERE slug = 'c'`);
      await life.query(`GRANT ${rows[0].ro_role} TO ${app}`);
      expect(Object.keys(problemsOf(await verifyFleet(lctx)))).toEqual(['c']);
    } finally {
      await life.cleanup();
    }
  });
});
