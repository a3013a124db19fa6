import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { loginRole, tryAs } from '../helpers/roles.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { grantAccess, revokeAccess, listAccess } from '../../src/access/access.js';
import { FailedError, UsageError } from '../../src/shared/errors.js';
import type { Ctx } from '../../src/control/context.js';
import type { TenantRoles } from '../../src/provision/tenant-ddl.js';

let db: TestDb;
let ctx: Ctx;
let acme: TenantRoles;
let app: string;
let support: string;

const DENIED = '42501';
const INSERT_USER = `INSERT INTO org_acme.users (auth_id, email) VALUES ('auth|' || gen_random_uuid(), gen_random_uuid() || '@example.com')`;

async function searchPathSetting(role: string): Promise<string | null> {
  const { rows } = await db.query(
    `SELECT array_to_string(s.setconfig, ',') AS cfg FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
     JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = $1 AND d.datname = current_database()`,
    [role],
  );
  return rows[0]?.cfg ?? null;
}

beforeAll(async () => {
  db = await freshDatabase();
  ctx = db.ctx();
  await initControlSchema(ctx);
  const r = await createTenants(ctx, { slugs: ['acme', 'globex'] });
  acme = r.tenants[0].roles!;
  app = await loginRole(db, 'app');
  support = await loginRole(db, 'support');
});
afterAll(async () => db?.cleanup());

describe('access grant / revoke / list', () => {
  it('read-write: its own tenant only, never another tenant or the control schema', async () => {
    expect(await tryAs(db, app, 'SELECT count(*) FROM org_acme.users')).toBe(DENIED);
    const r = await grantAccess(ctx, { role: app, slug: 'acme' });
    expect(r).toMatchObject({
      slug: 'acme',
      role: app,
      mode: 'rw',
      previousMode: null,
      searchPath: false,
      changed: true,
    });
    expect(await tryAs(db, app, INSERT_USER)).toBe('ok');
    expect(await tryAs(db, app, 'UPDATE org_acme.users SET display_name = $1', ['x'])).toBe('ok');
    expect(await tryAs(db, app, 'SELECT count(*) FROM org_globex.users')).toBe(DENIED);
    expect(await tryAs(db, app, 'SELECT count(*) FROM tenantctl.tenants')).toBe(DENIED);
    expect(await tryAs(db, app, 'CREATE TABLE org_acme.mine (id int)')).toBe(DENIED);
    const audit = await db.query(
      `SELECT command, outcome, details->>'role' AS role FROM tenantctl.audit_log WHERE command = 'access grant'`,
    );
    expect(audit.rows).toEqual([{ command: 'access grant', outcome: 'ok', role: app }]);
  });

  it('granting the same thing again is a no-op', async () => {
    const r = await grantAccess(ctx, { role: app, slug: 'acme' });
    expect(r.changed).toBe(false);
  });

  it('read-only stays read-only, and switching mode leaves one membership', async () => {
    const r = await grantAccess(ctx, { role: support, slug: 'acme', readOnly: true });
    expect(r.mode).toBe('ro');
    expect(await tryAs(db, support, 'SELECT count(*) FROM org_acme.users')).toBe('ok');
    expect(await tryAs(db, support, INSERT_USER)).toBe(DENIED);
    expect(
      await tryAs(db, support, 'SELECT nextval(pg_get_serial_sequence($1, $2))', [
        'org_acme.audit_log',
        'id',
      ]),
    ).toBe(DENIED);
    const up = await grantAccess(ctx, { role: support, slug: 'acme' });
    expect(up).toMatchObject({ mode: 'rw', previousMode: 'ro', changed: true });
    expect(await tryAs(db, support, INSERT_USER)).toBe('ok');
    const down = await grantAccess(ctx, { role: support, slug: 'acme', readOnly: true });
    expect(down.previousMode).toBe('rw');
    expect(await tryAs(db, support, INSERT_USER)).toBe(DENIED);
    const groups = await db.query(
      `SELECT g.rolname FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = $1`,
      [support],
    );
    expect(groups.rows.map((x) => x.rolname)).toEqual([acme.ro]);
  });

  it('a table a later migration adds (same admin role) is reachable by granted roles', async () => {
    await db.query(
      `CREATE TABLE org_acme.invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric)`,
    );
    expect(await tryAs(db, app, 'INSERT INTO org_acme.invoices (total) VALUES (1)')).toBe('ok');
    expect(await tryAs(db, support, 'SELECT * FROM org_acme.invoices')).toBe('ok');
    expect(await tryAs(db, support, 'INSERT INTO org_acme.invoices (total) VALUES (1)')).toBe(
      DENIED,
    );
  });

  it('--search-path jails unqualified queries in the tenant; revoke undoes it', async () => {
    const r = await grantAccess(ctx, { role: app, slug: 'acme', searchPath: true });
    expect(r).toMatchObject({ searchPath: true, changed: true });
    expect(await searchPathSetting(app)).toBe('search_path=org_acme');
    expect(
      await tryAs(
        db,
        app,
        `INSERT INTO users (auth_id, email) VALUES ('auth|jail', 'j@example.com')`,
      ),
    ).toBe('ok');
    // moving the jail to another tenant takes the claim away from the first
    await grantAccess(ctx, { role: app, slug: 'globex', searchPath: true });
    expect(await searchPathSetting(app)).toBe('search_path=org_globex');
    const rows = await listAccess(ctx);
    expect(rows.filter((x) => x.role === app).map((x) => [x.slug, x.searchPath])).toEqual([
      ['acme', false],
      ['globex', true],
    ]);
    const rev = await revokeAccess(ctx, { role: app, slug: 'globex' });
    expect(rev).toMatchObject({
      revoked: [expect.stringMatching(/^org_globex_.*_rw$/)],
      searchPathReset: true,
      changed: true,
    });
    expect(await searchPathSetting(app)).toBe(null);
    expect(await tryAs(db, app, 'SELECT count(*) FROM org_globex.users')).toBe(DENIED);
    expect(await tryAs(db, app, 'SELECT count(*) FROM org_acme.users')).toBe('ok');
  });

  it('list shows recorded grants, memberships made by hand, and grants whose membership is gone', async () => {
    const hand = await loginRole(db, 'hand');
    await db.query(`GRANT "${acme.ro}" TO "${hand}"`);
    const gone = await loginRole(db, 'gone');
    await grantAccess(ctx, { role: gone, slug: 'acme' });
    await db.query(`REVOKE "${acme.rw}" FROM "${gone}"`);
    const rows = await listAccess(ctx, 'acme');
    const bySource = Object.fromEntries(rows.map((r) => [r.role, `${r.mode}:${r.source}`]));
    expect(bySource).toEqual({
      [app]: 'rw:tenantctl',
      [support]: 'ro:tenantctl',
      [hand]: 'ro:manual',
      [gone]: 'rw:missing',
    });
    // revoke takes hand-made memberships away too
    expect((await revokeAccess(ctx, { role: hand, slug: 'acme' })).revoked).toEqual([acme.ro]);
    expect(await tryAs(db, hand, 'SELECT count(*) FROM org_acme.users')).toBe(DENIED);
  });

  it('revoke of a role without access is a no-op', async () => {
    const r = await revokeAccess(ctx, { role: support, slug: 'globex' });
    expect(r.changed).toBe(false);
  });

  it('refuses superusers, tenant group roles, the admin itself and predefined roles (exit 2); unknown names exit 1', async () => {
    const cases: [string, string, RegExp][] = [
      ['postgres', 'acme', /superuser/],
      [acme.rw, 'globex', /group role of tenant "acme"/],
      ['pg_monitor', 'acme', /predefined/],
      ['public', 'acme', /PUBLIC/],
      ['', 'acme', /empty/],
    ];
    for (const [role, slug, msg] of cases) {
      const err = await grantAccess(ctx, { role, slug }).catch((e) => e);
      expect(err, role).toBeInstanceOf(UsageError);
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(msg);
    }
    const bad = await grantAccess(ctx, { role: 'x\u0001', slug: 'a"b' }).catch((e) => e);
    expect(bad.problems).toHaveLength(2);
    const unknownRole = await grantAccess(ctx, {
      role: `${db.rolePrefix}nobody`,
      slug: 'acme',
    }).catch((e) => e);
    expect(unknownRole).toBeInstanceOf(FailedError);
    expect(unknownRole.exitCode).toBe(1);
    expect(unknownRole.message).toMatch(/no role "tr.*nobody" in this cluster/);
    const both = await grantAccess(ctx, { role: `${db.rolePrefix}nobody`, slug: 'nope' }).catch(
      (e) => e,
    );
    expect(both.message).toMatch(/no tenant "nope".*no role/);
    const caseSlip = await grantAccess(ctx, { role: app.toUpperCase(), slug: 'acme' }).catch(
      (e) => e,
    );
    expect(caseSlip.message).toMatch(new RegExp(`did you mean "${app}"`));
    await expect(
      revokeAccess(ctx, { role: `${db.rolePrefix}nobody`, slug: 'acme' }),
    ).rejects.toBeInstanceOf(FailedError);
    await expect(listAccess(ctx, 'nope')).rejects.toBeInstanceOf(FailedError);
  });

  it('a NOINHERIT role gets the privileges on 16+ and is refused on 15', async () => {
    const ni = await loginRole(db, 'noinherit');
    await db.query(`ALTER ROLE "${ni}" NOINHERIT`);
    const v = Number(
      (await db.query(`SELECT current_setting('server_version_num') AS v`)).rows[0].v,
    );
    if (v >= 160000) {
      await grantAccess(ctx, { role: ni, slug: 'acme', readOnly: true });
      expect(await tryAs(db, ni, 'SELECT count(*) FROM org_acme.users')).toBe('ok');
      // SET FALSE: it cannot become the group role
      expect(await tryAs(db, ni, `SET ROLE "${acme.ro}"`)).toBe(DENIED);
    } else {
      const err = await grantAccess(ctx, { role: ni, slug: 'acme' }).catch((e) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toMatch(/NOINHERIT/);
    }
  });
});
