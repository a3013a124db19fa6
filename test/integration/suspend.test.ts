import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type pg from 'pg';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { loginRole, connectAs, tryAs, privilegeMatrix } from '../helpers/roles.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { grantAccess } from '../../src/access/access.js';
import { suspendTenant, activateTenant } from '../../src/suspend/suspend.js';
import { FailedError, UsageError } from '../../src/shared/errors.js';
import type { Ctx } from '../../src/control/context.js';

let db: TestDb;
let ctx: Ctx;
let app: string; // read-write on acme, only acme: the tenant's own login role
let reader: string; // read-only on acme
let other: string; // read-write on globex
let analyst: string; // hand-made table and column grants on acme, no membership
let roles: { rw: string; ro: string };

const PERMISSION_DENIED = '42501';
const LOGIN_REFUSED = '28000';

beforeAll(async () => {
  db = await freshDatabase();
  ctx = db.ctx({ lockTimeout: '2s' });
  await initControlSchema(ctx);
  const r = await createTenants(ctx, { slugs: ['acme', 'globex'] });
  roles = r.tenants[0].roles!;
  app = await loginRole(db, 'app');
  reader = await loginRole(db, 'reader');
  other = await loginRole(db, 'other');
  analyst = await loginRole(db, 'analyst');
  await grantAccess(ctx, { role: app, slug: 'acme', searchPath: true });
  await grantAccess(ctx, { role: reader, slug: 'acme', readOnly: true });
  await grantAccess(ctx, { role: other, slug: 'globex' });
  // Grants made by hand before the suspension must come back too, with grant options and grantors.
  await db.query(`GRANT USAGE ON SCHEMA org_acme TO "${analyst}"`);
  await db.query(`GRANT SELECT ON org_acme.settings TO "${analyst}" WITH GRANT OPTION`);
  await db.query(`GRANT SELECT (email), UPDATE (display_name) ON org_acme.users TO "${analyst}"`);
  await db.query(
    `SET ROLE "${analyst}"; GRANT SELECT ON org_acme.settings TO "${reader}"; RESET ROLE`,
  );
});
afterAll(async () => db?.cleanup());

async function registry(slug: string) {
  const { rows } = await db.query(
    `SELECT status, status_reason, status_since, suspended_privileges IS NOT NULL AS snap FROM tenantctl.tenants WHERE slug = $1`,
    [slug],
  );
  return rows[0];
}

async function canLogin(role: string): Promise<boolean> {
  return (await db.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = $1`, [role])).rows[0]
    .rolcanlogin;
}

describe('suspend and activate', () => {
  it('cuts an open session off at its next statement, refuses new ones, leaves other tenants alone, restores exactly', async () => {
    const matrixRoles = () => [app, reader, other, analyst, roles.rw, roles.ro];
    const before = await privilegeMatrix(db, 'org_acme', matrixRoles());
    const globexBefore = await privilegeMatrix(db, 'org_globex', matrixRoles());
    expect(before[`${app} users INSERT`]).toBe(true);
    expect(before[`${reader} users INSERT`]).toBe(false);
    expect(before[`${analyst} users.email SELECT`]).toBe(true);

    const held: pg.Client = await connectAs(db, app);
    await held.query(`INSERT INTO users (auth_id, email) VALUES ('auth|held', 'held@example.com')`); // search_path jail
    const otherSession = await connectAs(db, other);

    const r = await suspendTenant(ctx, {
      slug: 'acme',
      reason: 'unpaid invoice',
      terminate: false,
    });
    expect(r).toMatchObject({
      changed: true,
      status: 'suspended',
      reason: 'unpaid invoice',
      loginsDisabled: [app, reader],
      sessionsTerminated: 0,
    });
    expect(r.revokedEntries).toBeGreaterThan(10);

    // The session opened before the suspension fails at its next statement.
    await expect(held.query('SELECT count(*) FROM org_acme.users')).rejects.toMatchObject({
      code: PERMISSION_DENIED,
    });
    // Unqualified names no longer resolve: search_path skips a schema the role may not use.
    await expect(held.query('SELECT count(*) FROM users')).rejects.toMatchObject({ code: '42P01' });
    await held.end();
    // New sessions are refused; the hand-granted analyst keeps its login (it is not only acme's) but reaches nothing.
    expect(await tryAs(db, app, 'SELECT 1')).toBe(LOGIN_REFUSED);
    expect(await tryAs(db, reader, 'SELECT 1')).toBe(LOGIN_REFUSED);
    expect(await canLogin(analyst)).toBe(true);
    expect(await tryAs(db, analyst, 'SELECT email FROM org_acme.users')).toBe(PERMISSION_DENIED);
    // Nobody but the owner has anything left on acme, PUBLIC included.
    const during = await privilegeMatrix(db, 'org_acme', matrixRoles());
    expect(Object.entries(during).filter(([, v]) => v)).toEqual([]);
    // globex is untouched, and so is the session on it.
    expect(await privilegeMatrix(db, 'org_globex', matrixRoles())).toEqual(globexBefore);
    await otherSession.query(
      `INSERT INTO org_globex.users (auth_id, email) VALUES ('auth|g', 'g@example.com')`,
    );
    await otherSession.end();

    const reg = await registry('acme');
    expect(reg).toMatchObject({ status: 'suspended', status_reason: 'unpaid invoice', snap: true });
    const audit = await db.query(
      `SELECT outcome, details->>'reason' AS reason FROM tenantctl.audit_log WHERE tenant_slug = 'acme' AND command = 'suspend'`,
    );
    expect(audit.rows).toEqual([{ outcome: 'ok', reason: 'unpaid invoice' }]);

    // Suspending a suspended tenant is a no-op.
    const again = await suspendTenant(ctx, { slug: 'acme', reason: 'other reason' });
    expect(again).toMatchObject({ changed: false, reason: 'unpaid invoice' });
    expect((await registry('acme')).status_since).toEqual(reg.status_since);

    const a = await activateTenant(ctx, 'acme');
    expect(a).toMatchObject({
      changed: true,
      status: 'active',
      loginsRestored: [app, reader],
      gone: [],
      missingRoles: [],
    });
    expect(await privilegeMatrix(db, 'org_acme', matrixRoles())).toEqual(before);
    // Same ACL, same grantors: the analyst's grant to reader is again the analyst's.
    const acl = await db.query(
      `SELECT relacl::text AS acl FROM pg_class WHERE oid = 'org_acme.settings'::regclass`,
    );
    expect(acl.rows[0].acl).toContain(`${reader}=r/${analyst}`);
    expect(acl.rows[0].acl).toContain(`${analyst}=r*/`);
    expect(await registry('acme')).toMatchObject({
      status: 'active',
      status_reason: null,
      snap: false,
    });
    expect(await canLogin(app)).toBe(true);
    expect(
      await tryAs(
        db,
        app,
        `INSERT INTO users (auth_id, email) VALUES ('auth|back', 'back@example.com')`,
      ),
    ).toBe('ok');
    expect(await tryAs(db, reader, `SELECT count(*) FROM org_acme.users`)).toBe('ok');
    expect(
      await tryAs(
        db,
        reader,
        `INSERT INTO org_acme.users (auth_id, email) VALUES ('x', 'x@example.com')`,
      ),
    ).toBe(PERMISSION_DENIED);

    const idem = await activateTenant(ctx, 'acme');
    expect(idem.changed).toBe(false);
  });

  it("ends the sessions of the tenant's own roles unless --no-terminate", async () => {
    const held = await connectAs(db, app);
    const otherSession = await connectAs(db, other);
    const r = await suspendTenant(ctx, { slug: 'acme' });
    expect(r.sessionsTerminated).toBeGreaterThanOrEqual(1);
    const err = await held.query('SELECT 1').catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).not.toBe(PERMISSION_DENIED);
    const left = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`,
      [app],
    );
    expect(left.rows[0].n).toBe(0);
    // a role of another tenant keeps its session
    expect((await otherSession.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await otherSession.end();
    await held.end().catch(() => {});
    await activateTenant(ctx, 'acme');
  });

  it('a table created while suspended, and one created afterwards, reach the granted roles after activate', async () => {
    await suspendTenant(ctx, { slug: 'acme', reason: 'investigation' });
    await db.query(`CREATE TABLE org_acme.during_suspension (id int)`);
    expect(await tryAs(db, app, 'SELECT 1')).toBe(LOGIN_REFUSED);
    const a = await activateTenant(ctx, 'acme');
    expect(a.newObjects).toContain('table during_suspension');
    await db.query(`CREATE TABLE org_acme.after_activate (id int)`);
    for (const t of ['during_suspension', 'after_activate']) {
      expect(await tryAs(db, app, `INSERT INTO org_acme.${t} VALUES (1)`), t).toBe('ok');
      expect(await tryAs(db, reader, `SELECT * FROM org_acme.${t}`), t).toBe('ok');
      expect(await tryAs(db, reader, `INSERT INTO org_acme.${t} VALUES (2)`), t).toBe(
        PERMISSION_DENIED,
      );
      expect(await tryAs(db, other, `SELECT * FROM org_acme.${t}`), t).toBe(PERMISSION_DENIED);
    }
  });

  it('serialises with another holder of the tenant lock: busy, tenant unchanged', async () => {
    const holder = await db.ctx().db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtext('tenantctl'), hashtext('tenant:org_acme'))`,
      );
      const quick = db.ctx({ lockTimeout: '200ms' });
      const err = await suspendTenant(quick, { slug: 'acme' }).catch((e) => e);
      expect(err.exitCode).toBe(4);
      expect((await registry('acme')).status).toBe('active');
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it('unknown and invalid input', async () => {
    await expect(suspendTenant(ctx, { slug: 'nope' })).rejects.toBeInstanceOf(FailedError);
    await expect(activateTenant(ctx, 'nope')).rejects.toThrow(/no tenant "nope"/);
    await expect(suspendTenant(ctx, { slug: 'a"b' })).rejects.toBeInstanceOf(UsageError);
    await expect(
      suspendTenant(ctx, { slug: 'acme', reason: 'x'.repeat(600) }),
    ).rejects.toBeInstanceOf(UsageError);
    const failed = await db.query(
      `SELECT count(*)::int AS n FROM tenantctl.audit_log WHERE tenant_slug = 'nope'`,
    );
    expect(failed.rows[0].n).toBe(0);
  });
});
