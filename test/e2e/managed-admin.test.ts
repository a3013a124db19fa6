import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { adminQuery, freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { PASSWORD } from '../helpers/roles.js';
import { quoteIdent } from '../../src/pg/quote.js';

/**
 * A managed database's admin: CREATEROLE and CREATEDB, not a superuser, owner of its database
 * (what RDS, Cloud SQL, Azure and friends give). Runs on whichever server the suite has (PG 15 at
 * 127.0.0.1:5432, the embedded 18). On 16+ the creator of a role holds it WITH ADMIN OPTION but
 * neither INHERIT nor SET; verify, drop and suspend must understand that.
 */
let db: TestDb;
let admin: string;
let env: Record<string, string>;
let version: number;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-managed-'));
const m = migrationsDir({
  '1_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);',
  '2_notes-body.sql':
    '-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body_idx ON notes (body);\n',
});

/** Runs SQL as the admin (roles it creates are its own: on 16+ it holds ADMIN OPTION on them). */
async function asAdmin(sql: string): Promise<void> {
  const u = new URL(db.url);
  u.username = admin;
  u.password = PASSWORD;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function loginOf(role: string): Promise<boolean> {
  return (await db.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role])).rows[0]
    .rolcanlogin;
}

beforeAll(async () => {
  db = await freshDatabase();
  admin = `${db.rolePrefix}admin`;
  await adminQuery(
    `CREATE ROLE ${quoteIdent(admin)} LOGIN CREATEROLE CREATEDB PASSWORD '${PASSWORD}'`,
  );
  await adminQuery(`ALTER DATABASE ${quoteIdent(db.name)} OWNER TO ${quoteIdent(admin)}`);
  version = (await db.query(`SELECT current_setting('server_version_num')::int AS v`)).rows[0].v;
  const u = new URL(db.url);
  u.username = admin;
  u.password = PASSWORD;
  env = { DATABASE_URL: u.toString(), TENANTCTL_MIGRATIONS_DIR: m.dir, XDG_DATA_HOME: tmp };
});
afterAll(async () => {
  await db?.cleanup();
  // On 16+ the admin is the grantor of what it created: dropped after its roles are gone.
  await adminQuery(`DROP ROLE IF EXISTS ${quoteIdent(admin)}`).catch(() => {});
});

describe('an admin with CREATEROLE but not superuser (managed databases)', () => {
  it('init, create, migrate, access, suspend/activate, export/import, verify, stats, drop: all exit 0', async () => {
    const run = async (args: string[]) => {
      const r = await runCli(args, { env });
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 0, expect.any(String)]);
      expect(r.stderr).not.toMatch(/unexpected error|permission denied/);
      return r;
    };
    await run(['init']);
    await run(['create', 'alpha', 'beta', 'gamma']);
    // The app's login role, made by the admin as on a managed service.
    const app = `${db.rolePrefix}app`;
    await asAdmin(`CREATE ROLE ${quoteIdent(app)} LOGIN`);
    await run(['access', 'grant', app, 'alpha']);
    const list = await run(['access', 'list', '--json']);
    // The admin's own (creator's) membership in every tenant role gives it nothing: not access.
    expect(list.result().access.map((a: { role: string }) => a.role)).toEqual([app]);

    const s = await run(['suspend', 'alpha', '--json']);
    expect(s.result()).toMatchObject({ changed: true, loginsDisabled: [app] });
    expect(await loginOf(app)).toBe(false);
    // The admin is never mistaken for a tenant's login role.
    expect(await loginOf(admin)).toBe(true);
    await run(['activate', 'alpha']);
    expect(await loginOf(app)).toBe(true);

    const file = path.join(tmp, 'beta.tar.gz');
    await run(['export', 'beta', '-o', file]);
    await run(['import', file, '--as', 'beta-copy']);
    const v = await run(['verify', '--json']);
    expect(v.result().tenants.filter((t: { ok: boolean }) => !t.ok)).toEqual([]);
    await run(['stats']);
    await run(['access', 'revoke', app, 'alpha']);
    await run(['drop', 'gamma', '--yes', '--backup-to', path.join(tmp, 'backups')]);
    expect(readdirSync(path.join(tmp, 'backups'))).toHaveLength(1);
    await run(['drop', 'beta-copy', '--yes']);
    const { rows } = await db.query(`SELECT slug FROM tenantctl.tenants ORDER BY slug`);
    expect(rows.map((r) => r.slug)).toEqual(['alpha', 'beta']);
    const audit = await db.query(
      `SELECT command, outcome FROM tenantctl.audit_log WHERE command = 'drop' ORDER BY id`,
    );
    expect(audit.rows).toEqual([
      { command: 'drop', outcome: 'ok' },
      { command: 'drop', outcome: 'ok' },
    ]);
    // Dropped means gone: schemas and roles (cluster-wide: this database's tag tells ours).
    const tag = (await db.query(`SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
      .rows[0].value;
    const left = await db.query(
      `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname IN ('org_gamma', 'org_beta_copy'))::int AS schemas,
              (SELECT count(*) FROM pg_roles WHERE rolname ~ ('^org_(gamma|beta_copy)_' || $1))::int AS roles`,
      [tag],
    );
    expect(left.rows[0]).toEqual({ schemas: 0, roles: 0 });
  });

  it('what needs more than CREATEROLE is refused up front, with the privilege named', async () => {
    expect((await runCli(['init'], { env })).code).toBe(0);
    expect((await runCli(['create', 'delta'], { env })).code).toBe(0);
    // A login role the admin did not create (made by a superuser, as the service's own roles are).
    const foreign = `${db.rolePrefix}foreign`;
    await adminQuery(`CREATE ROLE ${quoteIdent(foreign)} LOGIN`);
    const tag = (await db.query(`SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
      .rows[0].value;
    await adminQuery(`GRANT ${quoteIdent(`org_delta_${tag}_rw`)} TO ${quoteIdent(foreign)}`);
    const before = await db.query(
      `SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE table_schema = 'org_delta'`,
    );
    const r = await runCli(['suspend', 'delta', '--json'], { env });
    if (version >= 160000) {
      expect(r.code).toBe(1);
      expect(r.json().error).toMatchObject({ code: 'insufficient-privilege' });
      expect(r.stderr).toMatch(
        new RegExp(
          `cannot suspend delta: it disables login of role ${foreign}, which needs ADMIN OPTION on it`,
        ),
      );
      // Nothing changed.
      expect(await loginOf(foreign)).toBe(true);
      const after = await db.query(
        `SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE table_schema = 'org_delta'`,
      );
      expect(after.rows[0].n).toBe(before.rows[0].n);
      const t = await db.query(`SELECT status FROM tenantctl.tenants WHERE slug = 'delta'`);
      expect(t.rows[0].status).toBe('active');
    } else {
      // On 15 CREATEROLE reaches every role that is not a superuser.
      expect(r.code).toBe(0);
      expect(await loginOf(foreign)).toBe(false);
      expect((await runCli(['activate', 'delta'], { env })).code).toBe(0);
    }
    await adminQuery(`DROP ROLE ${quoteIdent(foreign)}`);
  });
});
