import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { runCli, BIN_PATH } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';

// Issue #13 through the CLI as a subprocess (no TTY). Each case has its own control schema and
// tenant prefix, so its migrations and bookkeeping are its own and it runs alone with -t.
let db: TestDb;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.cleanup());

const DISABLE_TX = '-- postgres-migrations disable-transaction';

async function fleet(name: string, files: Record<string, string> = {}) {
  const m = migrationsDir(files);
  const env = {
    DATABASE_URL: db.url,
    TENANTCTL_CONTROL_SCHEMA: `ctl_${name}`,
    TENANTCTL_SCHEMA_PREFIX: `${name}_`,
    TENANTCTL_MIGRATIONS_DIR: m.dir,
  };
  const init = await runCli(['init'], { env });
  expect(init.code, init.stderr).toBe(0);
  const cli = (args: string[]) => runCli(args, { env });
  return { m, env, cli };
}

function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-tpl-'));
  for (const [n, sql] of Object.entries(files)) writeFileSync(path.join(dir, n), sql);
  return dir;
}

const count = async (sql: string, params: unknown[] = []) =>
  (await db.query(sql, params)).rows[0].n as number;

describe("PostgreSQL's whole account of an error", () => {
  it('a failing template shows DETAIL and HINT in the human output and as --json fields', async () => {
    const f = await fleet('ea');
    const dir = templateDir({
      '01_base.sql':
        'CREATE TABLE accounts (id int PRIMARY KEY);\nCREATE VIEW account_ids AS SELECT id FROM accounts;\nDROP TABLE accounts;\n',
    });
    const human = await f.cli(['create', 't1', '--template', dir]);
    expect(human.code).toBe(1);
    const file = `${dir}/01_base.sql`;
    // from the error line on (a slow run prints a progress line before it without a terminal)
    const lines = human.stderr.split('\n');
    expect(lines.slice(lines.findIndex((l) => l.startsWith('tenantctl:'))).slice(0, 4)).toEqual([
      `tenantctl: create t1: template ${file} line 3: cannot drop table accounts because other objects depend on it (2BP01 dependent_objects_still_exist)`,
      '  statement: DROP TABLE accounts',
      '  DETAIL: view account_ids depends on table accounts',
      '  HINT: Use DROP ... CASCADE to drop the dependent objects too.',
    ]);
    const json = await f.cli(['create', 't1', '--template', dir, '--json']);
    expect(json.code).toBe(1);
    expect(json.json().error.sql).toEqual({
      message: 'cannot drop table accounts because other objects depend on it',
      sqlstate: '2BP01',
      sqlstateName: 'dependent_objects_still_exist',
      detail: 'view account_ids depends on table accounts',
      hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      file,
      line: 3,
      statement: 'DROP TABLE accounts',
    });
    expect(await count(`SELECT count(*)::int AS n FROM ctl_ea.tenants`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'ea_t1'`)).toBe(
      0,
    );
  });

  it('a failing migration shows DETAIL and HINT per tenant, in the human output and as --json fields', async () => {
    const f = await fleet('eb', {
      '1_base.sql':
        'CREATE TABLE accounts (id int PRIMARY KEY);\nCREATE VIEW account_ids AS SELECT id FROM accounts;',
    });
    expect((await f.cli(['create', 'm1'])).code).toBe(0);
    f.m.write('2_drop.sql', '-- accounts move elsewhere\nDROP TABLE accounts;');
    const human = await f.cli(['migrate']);
    expect(human.code).toBe(1);
    expect(human.stdout.split('\n').slice(0, 4)).toEqual([
      'failed   m1: migration 2_drop.sql line 2: cannot drop table accounts because other objects depend on it (2BP01 dependent_objects_still_exist)',
      '           statement: DROP TABLE accounts',
      '           DETAIL: view account_ids depends on table accounts',
      '           HINT: Use DROP ... CASCADE to drop the dependent objects too.',
    ]);
    expect(human.stderr).toMatch(/tenantctl: migration failed in 1 tenant; no tenant was migrated/);
    const json = await f.cli(['migrate', '--json']);
    expect(json.code).toBe(1);
    const doc = json.json();
    expect(doc.error).toMatchObject({ exitCode: 1 });
    expect(doc.result.tenants[0].sql).toEqual({
      message: 'cannot drop table accounts because other objects depend on it',
      sqlstate: '2BP01',
      sqlstateName: 'dependent_objects_still_exist',
      detail: 'view account_ids depends on table accounts',
      hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      file: '2_drop.sql',
      line: 2,
      statement: 'DROP TABLE accounts',
    });
    // migrate status keeps them for later
    const status = await f.cli(['migrate', 'status', '--json']);
    expect(status.result().failedLastTime[0].error).toMatch(
      /DETAIL: view account_ids depends on table accounts\nHINT: Use DROP \.\.\. CASCADE/,
    );
  });

  it('a foreign key violation in a migration keeps the key that failed (issue input 2)', async () => {
    const f = await fleet('ec', {
      '1_base.sql':
        'CREATE TABLE accounts (id int PRIMARY KEY);\nCREATE TABLE orders (id int, account_id int REFERENCES accounts);',
    });
    expect((await f.cli(['create', 'm1'])).code).toBe(0);
    f.m.write('2_seed.sql', 'INSERT INTO accounts VALUES (1);\nINSERT INTO orders VALUES (1, 42);');
    const r = await f.cli(['migrate', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().result.tenants[0].sql).toMatchObject({
      sqlstate: '23503',
      sqlstateName: 'foreign_key_violation',
      detail: 'Key (account_id)=(42) is not present in table "accounts".',
      line: 2,
      statement: 'INSERT INTO orders VALUES (1, 42)',
    });
  });
});

describe('migrations that tell the truth', () => {
  it('transaction control in a migration is refused before any tenant is touched: exit 2, file, line, statement, the way out (issue input 1)', async () => {
    const f = await fleet('ta');
    expect((await f.cli(['create', 'a', 'b'])).code).toBe(0);
    f.m.write('1_wrapped.sql', 'BEGIN;\nCREATE TABLE wrapped (id int);\nCOMMIT;\n');
    f.m.write('2_fails.sql', 'CREATE TABLE t2 (id int);\nSELECT 1/0;');
    const r = await f.cli(['migrate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "migration 1_wrapped.sql line 1: BEGIN is transaction control: it would end or fake tenantctl's per-tenant transaction (statement: BEGIN)",
    );
    expect(r.stderr).toContain('migration 1_wrapped.sql line 3: COMMIT is transaction control');
    expect(r.stderr).toContain(DISABLE_TX);
    expect(await count(`SELECT count(*)::int AS n FROM ctl_ta.tenant_migrations`)).toBe(0);
    expect(
      await count(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'wrapped'`),
    ).toBe(0);
    expect((await f.cli(['migrate', '--json'])).json().error.exitCode).toBe(2);
  });

  it('a line-ending change is named as such, with the remedy; --accept-line-endings re-records only those hashes, audited, and never re-runs (issue input 3)', async () => {
    const f = await fleet('le');
    expect((await f.cli(['create', 'a', 'b'])).code).toBe(0);
    f.m.write('1_crlf.sql', 'CREATE TABLE le (id int);\r\nINSERT INTO le VALUES (1);\r\n');
    expect((await f.cli(['migrate'])).code).toBe(0);
    const recorded = async () =>
      (await db.query(`SELECT DISTINCT hash FROM ctl_le.tenant_migrations`)).rows.map(
        (r) => r.hash,
      );
    const crlfHash = await recorded();
    f.m.write('1_crlf.sql', 'CREATE TABLE le (id int);\nINSERT INTO le VALUES (1);\n'); // checked out again with LF

    const refused = await f.cli(['migrate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'migration 1_crlf.sql differs from the applied one only in line endings (applied with CRLF, LF on disk; applied in 2 tenants)',
    );
    expect(refused.stderr).toContain('*.sql text eol=lf');
    expect(refused.stderr).toContain('tenantctl migrate --accept-line-endings');

    const plan = await f.cli(['migrate', '--accept-line-endings', '--dry-run', '--json']);
    expect(plan.code).toBe(0);
    expect(plan.result().lineEndingsAccepted).toMatchObject([
      { id: 1, fileName: '1_crlf.sql', tenants: 2 },
    ]);
    expect(await recorded()).toEqual(crlfHash);

    const run = await f.cli(['migrate', '--accept-line-endings']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('re-recorded 1_crlf.sql: only line endings changed (2 tenants)');
    expect(await recorded()).not.toEqual(crlfHash);
    expect((await f.cli(['migrate'])).code).toBe(0); // accepted for good
    // never re-run: one row per tenant, as the first run left
    expect(await count(`SELECT count(*)::int AS n FROM le_a.le`)).toBe(1);
    const audit = await db.query(
      `SELECT outcome, details->'files'->0->>'fileName' AS file FROM ctl_le.audit_log WHERE command = 'migrate accept-line-endings'`,
    );
    expect(audit.rows).toEqual([{ outcome: 'ok', file: '1_crlf.sql' }]);

    // a real edit is still refused, with or without the flag
    f.m.write('1_crlf.sql', 'CREATE TABLE le (id int);\nINSERT INTO le VALUES (2);\n');
    const edited = await f.cli(['migrate', '--accept-line-endings']);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toMatch(/1_crlf\.sql was edited after it was applied/);
  });

  it('kill -9 during a run whose migrations include one with transaction control: every tenant before or after it, never between', async () => {
    const f = await fleet('kn');
    const N = 16;
    const slugs = Array.from({ length: N }, (_, i) => `k${i}`);
    expect((await f.cli(['create', ...slugs, '--concurrency', '4'])).code).toBe(0);
    f.m.write('1_base.sql', 'CREATE TABLE marks (id int PRIMARY KEY);');
    expect((await f.cli(['migrate'])).code).toBe(0);
    // its own transaction, marked disable-transaction: DDL, data and bookkeeping commit together
    f.m.write(
      '2_wrapped.sql',
      `${DISABLE_TX}\nBEGIN;\nCREATE TABLE wrapped (id int);\nINSERT INTO marks VALUES (2);\nSELECT pg_sleep(0.1);\nCOMMIT;\n`,
    );
    const child = spawn(process.execPath, [BIN_PATH, 'migrate', '--concurrency', '2'], {
      env: { ...process.env, ...f.env },
      stdio: 'ignore',
    });
    const recorded = () =>
      count(`SELECT count(*)::int AS n FROM ctl_kn.tenant_migrations WHERE migration_id = 2`);
    for (let i = 0; i < 200 && (await recorded()) < 3; i++)
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // the server may finish what the dead client had sent; count once its backends are gone
    for (let i = 0; i < 200; i++) {
      const n = await count(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tenantctl' AND datname = current_database()`,
      );
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = await db.query(
      `SELECT t.schema_name AS schema,
              EXISTS (SELECT 1 FROM ctl_kn.tenant_migrations m WHERE m.tenant_id = t.id AND m.migration_id = 2) AS recorded,
              EXISTS (SELECT 1 FROM pg_tables p WHERE p.schemaname = t.schema_name AND p.tablename = 'wrapped') AS ddl
       FROM ctl_kn.tenants t ORDER BY t.id`,
    );
    const after = state.rows.filter((r) => r.recorded).length;
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(N);
    for (const r of state.rows) {
      expect(r.ddl, r.schema).toBe(r.recorded);
      const marks = await count(`SELECT count(*)::int AS n FROM ${r.schema}.marks WHERE id = 2`);
      expect(marks, r.schema).toBe(r.recorded ? 1 : 0);
    }
    const rerun = await f.cli(['migrate', '--json', '--lock-timeout', '10s']);
    expect(rerun.code).toBe(0);
    expect(await recorded()).toBe(N);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'wrapped' AND starts_with(schemaname, 'kn_')`,
      ),
    ).toBe(N);
  });
});

describe('rename from the command line', () => {
  it('without a terminal it needs --yes: exit 2 and nothing changed; with --yes it renames (--json)', async () => {
    const f = await fleet('rn');
    expect((await f.cli(['create', 'acme'])).code).toBe(0);
    const no = await f.cli(['rename', 'acme', 'acme-corp']);
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(
      /rename acme needs confirmation and there is no terminal: pass --yes/,
    );
    expect(await count(`SELECT count(*)::int AS n FROM ctl_rn.tenants WHERE slug = 'acme'`)).toBe(
      1,
    );
    const bad = await f.cli(['rename', 'acme', 'Acme Corp', '--yes']);
    expect(bad.code).toBe(2);
    const yes = await f.cli(['rename', 'acme', 'acme-corp', '--yes', '--json']);
    expect(yes.code).toBe(0);
    expect(yes.result()).toMatchObject({
      from: { slug: 'acme', schema: 'rn_acme' },
      to: { slug: 'acme-corp', schema: 'rn_acme_corp' },
    });
    const human = await f.cli(['rename', 'acme-corp', 'acme2', '--yes']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^renamed acme-corp -> acme2: schema rn_acme_corp -> rn_acme2, roles /,
    );
  });

  it('while another session holds the tenant lock: exit 4, nothing changed', async () => {
    const f = await fleet('rl');
    expect((await f.cli(['create', 'held'])).code).toBe(0);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtext('ctl_rl'), hashtext('tenant:rl_held'))`,
      );
      const r = await f.cli(['rename', 'held', 'held2', '--yes', '--lock-timeout', '300ms']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/tenant schema rl_held is locked by another tenantctl run/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await count(`SELECT count(*)::int AS n FROM ctl_rl.tenants WHERE slug = 'held'`)).toBe(
      1,
    );
    expect(
      await count(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rl_held'`),
    ).toBe(1);
  });
});
