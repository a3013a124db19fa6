import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { freePort, initCluster, startCluster, stopCluster } from '../../src/dev/embedded.js';

/**
 * Issue 18 as an experienced PostgreSQL operator tries it on the first day, through the CLI as a
 * subprocess (no terminal; the terminal cases are in terminal.test.ts): each numbered point of the
 * issue, asserting exit codes and the key words of each message.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const emptyHome = mkdtempSync(path.join(os.tmpdir(), 'tctl-op-home-'));
let db: TestDb;
let env: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, HOME: emptyHome, XDG_DATA_HOME: emptyHome };
  expect((await runCli(['init'], { env })).code).toBe(0);
});
afterAll(async () => {
  await db?.cleanup();
  rmSync(emptyHome, { recursive: true, force: true });
});

/** The error lines (tenantctl: ..., indented detail, hint: ...) on stderr. */
const errorLines = (stderr: string) => stderr.trim().split('\n');

describe('2. connection errors in psql words, one line naming the server, no driver warnings', () => {
  // A private server where role "app" needs a password (postgres stays trust for the setup).
  let dir: string;
  let dataDir: string;
  let port: number;
  let home: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-op-pg-'));
    chmodSync(dir, 0o755);
    dataDir = path.join(dir, 'data');
    await initCluster(dataDir);
    port = await freePort();
    await startCluster(dataDir, port);
    const admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    });
    await admin.connect();
    await admin.query(`CREATE ROLE app LOGIN PASSWORD 'app-secret'`);
    const hba = path.join(dataDir, 'pg_hba.conf');
    writeFileSync(
      hba,
      'host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
    );
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    home = mkdtempSync(path.join(os.tmpdir(), 'tctl-op-pgpass-'));
  }, 120_000);
  afterAll(async () => {
    await stopCluster(dataDir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('a password required and none given: "no password supplied", and how to give one', async () => {
    const r = await runCli(['list'], {
      env: { DATABASE_URL: `postgres://app@127.0.0.1:${port}/postgres`, HOME: emptyHome },
    });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `tenantctl: cannot connect to 127.0.0.1:${port}/postgres (from DATABASE_URL): no password supplied`,
      expect.stringMatching(/^hint: .*PGPASSWORD.*~\/\.pgpass/),
    ]);
    expect(r.stderr).not.toMatch(/SASL|must be a string/);
  });

  it('~/.pgpass is read as psql reads it, without a DeprecationWarning', async () => {
    writeFileSync(path.join(home, '.pgpass'), `127.0.0.1:${port}:*:app:app-secret\n`, {
      mode: 0o600,
    });
    const r = await runCli(['version'], {
      env: { DATABASE_URL: `postgres://app@127.0.0.1:${port}/postgres`, HOME: home },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^server PostgreSQL 18/m);
    expect(r.stderr).toBe('');
    // PGPASSFILE names another file, as in libpq
    const other = path.join(home, 'other-pgpass');
    writeFileSync(other, `*:*:*:app:app-secret\n`, { mode: 0o600 });
    const viaVar = await runCli(['version'], {
      env: {
        PGHOST: '127.0.0.1',
        PGPORT: String(port),
        PGUSER: 'app',
        PGDATABASE: 'postgres',
        PGPASSFILE: other,
        HOME: emptyHome,
      },
    });
    expect(viaVar.code, viaVar.stderr).toBe(0);
    expect(viaVar.stderr).toBe('');
  });

  it('a wrong password: the server says which user, the hint where passwords come from', async () => {
    const r = await runCli(['list'], {
      env: { DATABASE_URL: `postgres://app:wrong@127.0.0.1:${port}/postgres`, HOME: emptyHome },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/password authentication failed for user "app"/);
    expect(r.stderr).toMatch(/hint: check the user and password/);
  });

  it('sslmode=require against a server without SSL: psql words, no SECURITY WARNING', async () => {
    for (const e of [
      { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=require` },
      { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGSSLMODE: 'require' },
    ]) {
      const r = await runCli(['list'], { env: { ...e, HOME: emptyHome } });
      expect(r.code).toBe(1);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        new RegExp(
          `cannot connect to 127\\.0\\.0\\.1:${port}/postgres .*: server does not support SSL, but SSL was required$`,
        ),
      );
      expect(lines[1]).toMatch(/^hint: .*sslmode=disable/);
      expect(r.stderr).not.toMatch(/SECURITY WARNING|unexpected error/);
    }
  });

  it('a peer that closes the connection: "server closed the connection unexpectedly"', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const p = (server.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['list'], { env: { DATABASE_URL: `postgres://x@127.0.0.1:${p}/db` } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `cannot connect to 127\\.0\\.0\\.1:${p}/db .*: server closed the connection unexpectedly`,
        ),
      );
      expect(r.stderr).toMatch(/hint: is a PostgreSQL server listening there/);
      expect(r.stderr).not.toMatch(/unexpected error/);
    } finally {
      server.close();
    }
  });
});

describe('3. commands that should fail, fail, before touching anything', () => {
  it('export -o into a directory that does not exist: exit 2, nothing created', async () => {
    await runCli(['create', 'exp1'], { env });
    const target = path.join(emptyHome, 'typo', 'backups');
    const r = await runCli(['export', 'exp1', '-o', `${target}/`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such directory/);
    expect(r.stderr).toMatch(/hint: .*--out-dir/);
    expect(existsSync(target)).toBe(false);
  });

  it('adopt of a schema that is not there: exit 1, with close matches', async () => {
    await db.query('CREATE SCHEMA org_legacy_one');
    const r = await runCli(['adopt', 'org_legacy_on'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no schema org_legacy_on in this database/);
    expect(r.stderr).toMatch(/did you mean "org_legacy_one"/);
    await runCli(['create', 'registered'], { env });
    const registered = await runCli(['adopt', 'org_registered'], { env });
    expect(registered.code).toBe(1);
    expect(registered.stderr).toMatch(/schema org_registered is already tenant "registered"/);
    await db.query('DROP SCHEMA org_legacy_one');
  });

  it('create without a migrations directory into a fleet with migrations applied: exit 2', async () => {
    const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    const mdb = await freshDatabase();
    try {
      const menv = { DATABASE_URL: mdb.url, HOME: emptyHome };
      await runCli(['init'], { env: menv });
      expect(
        (await runCli(['create', 'first', '--migrations-dir', m.dir], { env: menv })).code,
      ).toBe(0);
      const r = await runCli(['create', 'second'], { env: menv });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/tenants here have migrations applied \(up to 1\).*born behind/);
      expect(r.stderr).toMatch(/hint: pass --migrations-dir/);
      const list = await runCli(['list', '--json'], { env: menv });
      expect(list.result().tenants.map((t: { slug: string }) => t.slug)).toEqual(['first']);
    } finally {
      await mdb.cleanup();
    }
  });

  it('migrate and migrate status on a database without the control schema: run `tenantctl init`', async () => {
    const bare = await freshDatabase();
    try {
      const m = migrationsDir({ '1_a.sql': 'SELECT 1;' });
      for (const args of [['migrate'], ['migrate', 'status'], ['migrate', '--dry-run']]) {
        const r = await runCli([...args, '--migrations-dir', m.dir], {
          env: { DATABASE_URL: bare.url },
        });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toMatch(/control schema "tenantctl" is not set up/);
        expect(r.stderr).toMatch(/hint: run `tenantctl init`/);
        expect(r.stderr).not.toMatch(/unexpected|audit_log/);
      }
    } finally {
      await bare.cleanup();
    }
  });
});

describe('4. one decision per case, everywhere', () => {
  it('an unknown tenant is exit 1 in every command, with did-you-mean', async () => {
    await runCli(['create', 'acme'], { env });
    const m = migrationsDir({});
    for (const args of [
      ['info', 'acmee'],
      ['drop', 'acmee', '--yes'],
      ['suspend', 'acmee'],
      ['export', 'acmee'],
      ['migrate', '--tenant', 'acmee', '--migrations-dir', m.dir],
      ['migrate', 'status', '--tenant', 'acmee', '--migrations-dir', m.dir],
      ['verify', '--tenant', 'acmee'],
      ['access', 'list', 'acmee'],
    ]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/no tenant "acmee"/);
      if (args[0] !== 'access') expect(r.stderr, args.join(' ')).toMatch(/did you mean "acme"/);
    }
    // the schema name typed for the slug
    const bySchema = await runCli(['info', 'org_acme'], { env });
    expect(bySchema.stderr).toMatch(/did you mean "acme"/);
  });

  it('settings from the environment are named as such', async () => {
    const lt = await runCli(['list'], { env: { ...env, TENANTCTL_LOCK_TIMEOUT: 'soon' } });
    expect(lt.code).toBe(2);
    expect(lt.stderr).toMatch(/TENANTCTL_LOCK_TIMEOUT: invalid lock timeout "soon"/);
    expect(lt.stderr).not.toMatch(/--lock-timeout:/);
    const flag = await runCli(['list', '--lock-timeout', 'soon'], { env });
    expect(flag.stderr).toMatch(/--lock-timeout: invalid lock timeout "soon"/);
    const conc = await runCli(['migrate'], { env: { ...env, TENANTCTL_CONCURRENCY: '0' } });
    expect(conc.code).toBe(2);
    expect(conc.stderr).toMatch(/TENANTCTL_CONCURRENCY/);
  });

  it('dev status and dev url agree: not running is exit 1', async () => {
    for (const args of [
      ['dev', 'status'],
      ['dev', 'url'],
    ]) {
      const r = await runCli(args, { env: { XDG_DATA_HOME: emptyHome } });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/the dev database is not running/);
      expect(r.stderr).toMatch(/hint: start it with `tenantctl dev up`/);
    }
  });
});

describe('5. the demo', () => {
  it('prints next steps that work when pasted, and leaves no temporary files', async () => {
    const ddb = await freshDatabase();
    const tmpBefore = new Set(readdirNames(os.tmpdir()));
    try {
      const r = await runCli(['demo', '--database-url', ddb.url], { cwd: ROOT });
      expect(r.code, r.stderr).toBe(0);
      const steps = r.stdout.split('next steps (paste them into this shell):\n')[1].trim();
      expect(steps).toMatch(/export DATABASE_URL=/);
      expect(steps).toMatch(/export TENANTCTL_MIGRATIONS_DIR=/);
      // every step, pasted into one shell from where the demo ran
      const script = `set -e\n${steps
        .split('\n')
        .map((l) => l.trim())
        .join('\n')}\n`;
      const out = execFileSync('bash', ['-c', script], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH!, HOME: emptyHome },
      });
      expect(out).toMatch(/acme\s+org_acme/);
      expect(out).toMatch(/verify: 3 of 3 tenants clean/);
      // no fixed shared path, and the private one is gone
      expect(r.stdout + r.stderr).not.toMatch(/tenantctl-demo\//);
      const leftover = readdirNames(os.tmpdir()).filter(
        (n) => n.startsWith('tenantctl-demo') && !tmpBefore.has(n),
      );
      expect(leftover).toEqual([]);
    } finally {
      await ddb.cleanup();
    }
  });
});

function readdirNames(dir: string): string[] {
  return execFileSync('ls', ['-1', dir], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('6. messages that name the fix', () => {
  it('a file given as the migrations directory says so', async () => {
    const m = migrationsDir({ '1_a.sql': 'SELECT 1;' });
    const r = await runCli(['migrate', '--migrations-dir', path.join(m.dir, '1_a.sql')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1_a\.sql is a file, not a directory/);
    expect(r.stderr).toMatch(
      new RegExp(`hint: give the directory that holds the migration files: ${m.dir}`),
    );
  });

  it('exit 4 says who holds the lock: pid, application, user, since', async () => {
    await runCli(['create', 'locked'], { env });
    const holder = new pg.Client({ connectionString: db.url, application_name: 'nightly-report' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtext('tenantctl'), hashtext('tenant:org_locked'))`,
      );
      const pid = (await holder.query('SELECT pg_backend_pid() AS p')).rows[0].p;
      const r = await runCli(['suspend', 'locked', '--lock-timeout', '200ms'], { env });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/tenant schema org_locked is locked/);
      expect(r.stderr).toMatch(
        new RegExp(
          `pid ${pid} \\(nightly-report, user \\w+ from 127\\.0\\.0\\.1, .* since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\) holds it`,
        ),
      );
      const j = await runCli(['suspend', 'locked', '--lock-timeout', '200ms', '--json'], { env });
      expect(j.json().error).toMatchObject({ code: 'lock-busy', exitCode: 4 });
      expect(j.json().error.detail).toMatch(new RegExp(`pid ${pid}`));
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('a lock timeout names the table and who holds it (drop: exit 4; migrate: per tenant)', async () => {
    const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    const mdb = await freshDatabase();
    const menv = { DATABASE_URL: mdb.url, TENANTCTL_MIGRATIONS_DIR: m.dir, HOME: emptyHome };
    const holder = new pg.Client({ connectionString: mdb.url, application_name: 'long-report' });
    try {
      await runCli(['init'], { env: menv });
      await runCli(['create', 'busy', 'free'], { env: menv });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT count(*) FROM org_busy.a');
      const pid = (await holder.query('SELECT pg_backend_pid() AS p')).rows[0].p;
      const drop = await runCli(['drop', 'busy', '--yes', '--lock-timeout', '200ms'], {
        env: menv,
      });
      expect(drop.code).toBe(4);
      expect(drop.stderr).toMatch(/a table in org_busy is locked by another session/);
      expect(drop.stderr).toMatch(
        new RegExp(`pid ${pid} \\(long-report.*holds AccessShareLock on org_busy\\.a`),
      );
      m.write('2_b.sql', 'ALTER TABLE a ADD COLUMN b int;');
      const mig = await runCli(['migrate', '--lock-timeout', '100ms', '--max-failures', 'all'], {
        env: menv,
      });
      expect(mig.code).toBe(3);
      expect(mig.stdout).toMatch(
        /failed\s+busy: could not get a lock .*holds AccessShareLock on org_busy\.a/,
      );
      expect(mig.stdout).toMatch(/migrated free: 1 -> 2/);
    } finally {
      await holder.end().catch(() => {});
      await mdb.cleanup();
    }
  });

  it('the slug rule says case-insensitive; plurals; migrate status sorted under SLUG VERSION PENDING', async () => {
    const bad = await runCli(['create', 'Bad Slug'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /invalid slug "Bad Slug": use letters, digits, "-" and "_".*case-insensitive: Acme-Corp is stored as acme-corp/,
    );
    const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    const mdb = await freshDatabase();
    try {
      const menv = { DATABASE_URL: mdb.url, HOME: emptyHome };
      await runCli(['init'], { env: menv });
      const c = await runCli(['create', 'Zulu-Co', 'alpha', '--migrations-dir', m.dir], {
        env: menv,
      });
      expect(c.code).toBe(0);
      expect(c.stdout).toMatch(/created zulu-co \(org_zulu_co, 1 migration, /);
      m.write('2_b.sql', 'CREATE TABLE b (id int);');
      const st = await runCli(['migrate', 'status', '--migrations-dir', m.dir], { env: menv });
      const table = st.stdout
        .split('\n\n')
        .find((b) => b.startsWith('SLUG'))!
        .trim();
      expect(table.split('\n').map((l) => l.split(/\s+/).join(' '))).toEqual([
        'SLUG VERSION PENDING',
        'alpha 1 2',
        'zulu-co 1 2',
      ]);
      const info = await runCli(['info', 'alpha'], { env: menv });
      expect(info.stdout).toMatch(/version {4}1 \(1 migration applied\)/);
    } finally {
      await mdb.cleanup();
    }
  });

  it('list, info and audit print times in one format', async () => {
    await runCli(['create', 'timed'], { env });
    const time = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/;
    const list = await runCli(['list'], { env });
    const info = await runCli(['info', 'timed'], { env });
    const audit = await runCli(['audit', '--tenant', 'timed'], { env });
    for (const out of [list.stdout, info.stdout, audit.stdout]) {
      expect(out).toMatch(time);
      expect(out).not.toMatch(/T\d\d:\d\d:\d\d/); // no ISO 8601 "T" form anywhere
    }
  });
});

describe('tenantctl audit', () => {
  it('newest first, filtered by tenant, command, outcome and time', async () => {
    const adb = await freshDatabase();
    try {
      const aenv = { DATABASE_URL: adb.url, HOME: emptyHome };
      await runCli(['init'], { env: aenv });
      await runCli(['create', 'one', 'two'], { env: aenv });
      await runCli(['suspend', 'one', '--reason', 'audit test'], { env: aenv });
      await runCli(['activate', 'one'], { env: aenv });
      await adb.query(
        `UPDATE tenantctl.audit_log SET at = now() - interval '3 days' WHERE command = 'create' AND tenant_slug = 'two'`,
      );
      const all = (await runCli(['audit', '--json'], { env: aenv })).result().entries;
      expect(all.map((e: { command: string }) => e.command)).toEqual([
        'activate',
        'suspend',
        'create',
        'init',
        'create',
      ]);
      const times = all.map((e: { at: string }) => Date.parse(e.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const one = (await runCli(['audit', '--tenant', 'ONE', '--json'], { env: aenv })).result();
      expect(one.entries.map((e: { command: string }) => e.command)).toEqual([
        'activate',
        'suspend',
        'create',
      ]);
      const recent = (
        await runCli(['audit', '--since', '24h', '--command', 'create', '--json'], { env: aenv })
      ).result();
      expect(recent.entries.map((e: { tenant: string }) => e.tenant)).toEqual(['one']);
      const limited = (await runCli(['audit', '--limit', '2', '--json'], { env: aenv })).result();
      expect(limited.entries).toHaveLength(2);
      await runCli(['drop', 'nosuch', '--yes'], { env: aenv });
      await adb.query(`CREATE VIEW public.v AS SELECT * FROM org_two.users`);
      expect((await runCli(['drop', 'two', '--yes'], { env: aenv })).code).toBe(1);
      const failed = await runCli(['audit', '--outcome', 'failed'], { env: aenv });
      expect(failed.stdout).toMatch(/^WHEN\s+COMMAND\s+TENANT\s+OUTCOME\s+TOOK\s+BY\s+ERROR/);
      expect(failed.stdout).toMatch(/drop\s+two\s+failed\s+\S+\s+\S+.*cannot drop two/);
      const bad = await runCli(['audit', '--since', 'last tuesday'], { env: aenv });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/expected a duration back from now \(24h, 7d, 30min\)/);
    } finally {
      await adb.cleanup();
    }
  });
});

describe('migrate status: a run in progress, or one that died', () => {
  it('shows who holds the run lock and since when; then a record left running as died', async () => {
    const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    const rdb = await freshDatabase();
    const renv = { DATABASE_URL: rdb.url, TENANTCTL_MIGRATIONS_DIR: m.dir, HOME: emptyHome };
    const holder = new pg.Client({ connectionString: rdb.url, application_name: 'ci-deploy' });
    try {
      await runCli(['init'], { env: renv });
      await runCli(['create', 'one'], { env: renv });
      await holder.connect();
      await holder.query(`SELECT pg_advisory_lock(hashtext('tenantctl'), hashtext('migrate-run'))`);
      const pid = (await holder.query('SELECT pg_backend_pid() AS p')).rows[0].p;
      const running = await runCli(['migrate', 'status'], { env: renv });
      expect(running.stdout).toMatch(
        new RegExp(`a migrate run is in progress since .*Z \\(.*pid ${pid}\\)`),
      );
      const j = await runCli(['migrate', 'status', '--json'], { env: renv });
      expect(j.result().run).toMatchObject({ state: 'running', pid, application: 'ci-deploy' });
      const busy = await runCli(['migrate', '--lock-timeout', '200ms'], { env: renv });
      expect(busy.code).toBe(4);
      expect(busy.stderr).toMatch(/another migrate run is in progress/);
      expect(busy.stderr).toMatch(new RegExp(`pid ${pid} \\(ci-deploy`));
      await holder.query(`SELECT pg_advisory_unlock_all()`);
      // a run killed midway leaves its record 'running' and nobody holding the lock
      await rdb.query(
        `INSERT INTO tenantctl.audit_log (command, outcome, os_user, client_host) VALUES ('migrate', 'running', 'alice', 'ci-7')`,
      );
      const died = await runCli(['migrate', 'status'], { env: renv });
      expect(died.stdout).toMatch(
        /a migrate run started at .*Z \(alice@ci-7, as \w+\) died before its end/,
      );
      expect(
        (await runCli(['migrate', 'status', '--json'], { env: renv })).result().run,
      ).toMatchObject({
        state: 'died',
        osUser: 'alice',
      });
      const none = await runCli(['migrate', '--json'], { env: renv });
      expect(none.code).toBe(0);
      expect(
        (await runCli(['migrate', 'status', '--json'], { env: renv })).result().run,
      ).toBeNull();
    } finally {
      await holder.end().catch(() => {});
      await rdb.cleanup();
    }
  });
});

describe('per-tenant results as they happen, without a terminal', () => {
  it('one line per tenant on stderr while the run goes, the summary at the end', async () => {
    const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    const pdb = await freshDatabase();
    try {
      const penv = { DATABASE_URL: pdb.url, TENANTCTL_MIGRATIONS_DIR: m.dir, HOME: emptyHome };
      await runCli(['init'], { env: penv });
      const c = await runCli(['create', 'p1', 'p2', 'p3'], { env: penv });
      expect(
        c.stderr.split('\n').filter((l) => /^create p\d: created at migration 1 \(/.test(l)),
      ).toHaveLength(3);
      m.write('2_b.sql', 'CREATE TABLE b (id int);');
      m.write(
        '3_c.sql',
        "DO $$ BEGIN IF current_schema() = 'org_p2' THEN RAISE 'p2 says no'; END IF; END $$;",
      );
      const r = await runCli(['migrate', '--max-failures', 'all'], { env: penv });
      expect(r.code).toBe(3);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('migrate '));
      expect(lines.sort()).toEqual([
        expect.stringMatching(/^migrate p1: applied 1 -> 3 \(\d+ms\)$/),
        expect.stringMatching(/^migrate p2: failed: .*p2 says no/),
        expect.stringMatching(/^migrate p3: applied 1 -> 3 \(\d+ms\)$/),
      ]);
      const quiet = await runCli(['migrate', '--max-failures', 'all', '-q'], { env: penv });
      expect(quiet.stderr).not.toMatch(/^migrate p/m);
    } finally {
      await pdb.cleanup();
    }
  });
});

describe('selecting tenants: globs, --exclude, --tenants-from, the same everywhere', () => {
  it('migrate, migrate status, verify and export --all take the same selection', async () => {
    const m = migrationsDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    const sdb = await freshDatabase();
    try {
      const senv = { DATABASE_URL: sdb.url, TENANTCTL_MIGRATIONS_DIR: m.dir, HOME: emptyHome };
      await runCli(['init'], { env: senv });
      await runCli(['create', 'eu-1', 'eu-2', 'eu-big', 'us-1'], { env: senv });
      m.write('2_b.sql', 'CREATE TABLE b (id int);');
      const file = path.join(emptyHome, 'selection.txt');
      writeFileSync(file, '# the EU fleet\neu-*\n\n');
      const slugsOf = (doc: { tenants: { slug: string; status?: string }[] }) =>
        doc.tenants
          .filter((t) => t.status !== 'current')
          .map((t) => t.slug)
          .sort();
      const dry = await runCli(
        ['migrate', '--dry-run', '--tenant', 'EU-*', '--exclude', 'eu-big', '--json'],
        { env: senv },
      );
      expect(slugsOf(dry.result())).toEqual(['eu-1', 'eu-2']);
      const fromFile = await runCli(
        ['migrate', '--dry-run', '--tenants-from', file, '--exclude', '*-big', '--json'],
        { env: senv },
      );
      expect(slugsOf(fromFile.result())).toEqual(['eu-1', 'eu-2']);
      const st = await runCli(['migrate', 'status', '--tenant', 'eu-?', '--json'], { env: senv });
      expect(st.result().pending.map((p: { slug: string }) => p.slug)).toEqual(['eu-1', 'eu-2']);
      const run = await runCli(['migrate', '--exclude', 'us-*', '--json'], { env: senv });
      const applied = run
        .result()
        .tenants.filter((t: { status: string }) => t.status === 'applied')
        .map((t: { slug: string }) => t.slug);
      expect(applied.sort()).toEqual(['eu-1', 'eu-2', 'eu-big']);
      const v = await runCli(['verify', '--tenant', 'eu-*', '--json'], { env: senv });
      expect(v.result().tenants.map((t: { slug: string }) => t.slug)).toEqual([
        'eu-1',
        'eu-2',
        'eu-big',
      ]);
      const out = path.join(emptyHome, 'sel-archives');
      const ex = await runCli(
        ['export', '--all', '--out-dir', out, '--tenant', 'eu-*', '--exclude', 'eu-big', '--json'],
        { env: senv },
      );
      expect(ex.result().tenants.map((t: { slug: string }) => t.slug)).toEqual(['eu-1', 'eu-2']);
      // what is refused, and how
      const noMatch = await runCli(['migrate', 'status', '--tenant', 'apac-*'], { env: senv });
      expect(noMatch.code).toBe(1);
      expect(noMatch.stderr).toMatch(/no tenant matches "apac-\*"/);
      const typoExclude = await runCli(['migrate', '--dry-run', '--exclude', 'eu-bg'], {
        env: senv,
      });
      expect(typoExclude.code).toBe(1);
      expect(typoExclude.stderr).toMatch(/no tenant "eu-bg".*\n.*did you mean "eu-big"/);
      const badPattern = await runCli(['verify', '--tenant', 'eu-[12]'], { env: senv });
      expect(badPattern.code).toBe(2);
      expect(badPattern.stderr).toMatch(/--tenant: invalid slug "eu-\[12\]"/);
      const badGlob = await runCli(['verify', '--tenant', 'eu-*;drop'], { env: senv });
      expect(badGlob.code).toBe(2);
      expect(badGlob.stderr).toMatch(/--tenant: invalid pattern "eu-\*;drop": use slug characters/);
      const missingFile = await runCli(
        ['migrate', '--tenants-from', path.join(emptyHome, 'nope.txt')],
        { env: senv },
      );
      expect(missingFile.code).toBe(2);
      expect(missingFile.stderr).toMatch(/--tenants-from .*nope\.txt: no such file/);
      const emptyFile = path.join(emptyHome, 'empty.txt');
      writeFileSync(emptyFile, '# nothing\n');
      expect((await runCli(['migrate', '--tenants-from', emptyFile], { env: senv })).code).toBe(2);
      const notAll = await runCli(['export', 'eu-1', '--tenant', 'eu-2'], { env: senv });
      expect(notAll.code).toBe(2);
      expect(notAll.stderr).toMatch(/select among --all/);
    } finally {
      await sdb.cleanup();
    }
  });
});

describe('colour: --color, FORCE_COLOR, NO_COLOR', () => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape codes
  const ESC = /\x1b\[/;
  it('auto without a terminal is plain; --color=always and FORCE_COLOR paint; never and NO_COLOR do not', async () => {
    const run = (args: string[], extra: Record<string, string> = {}) =>
      runCli(['info', 'nosuch', ...args], { env: { ...env, ...extra } });
    expect((await run([])).stderr).not.toMatch(ESC);
    expect((await run(['--color=always'])).stderr).toMatch(ESC);
    expect((await run(['--color', 'always'])).stderr).toMatch(ESC);
    expect((await run([], { FORCE_COLOR: '1' })).stderr).toMatch(ESC);
    expect((await run([], { FORCE_COLOR: '0' })).stderr).not.toMatch(ESC);
    expect((await run(['--color=never'], { FORCE_COLOR: '1' })).stderr).not.toMatch(ESC);
    expect((await run(['--no-color'], { FORCE_COLOR: '1' })).stderr).not.toMatch(ESC);
    expect((await run([], { NO_COLOR: '1', FORCE_COLOR: '1' })).stderr).toMatch(ESC);
    expect((await run(['--color=always'], { NO_COLOR: '1' })).stderr).toMatch(ESC);
    const bad = await runCli(['list', '--color=sometimes'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are always, never, auto/);
    // --json never paints stdout, whatever --color says
    const j = await runCli(['list', '--json', '--color=always'], { env });
    expect(j.stdout).not.toMatch(ESC);
  });
});
