import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, spawnCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { startProxy } from '../helpers/proxy.js';

/**
 * SIGINT and SIGTERM sent to the CLI subprocess: the first stops starting tenants, cancels the
 * running statements on the server, waits for them to roll back, prints the summary, closes the
 * audit record and exits 130/143; a second exits at once.
 */
let db: TestDb;
let env: Record<string, string>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-signals-'));
const m = migrationsDir({ '1_base.sql': 'CREATE TABLE marks (id int PRIMARY KEY);' });
const N = 8;
let next = 2;

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, TENANTCTL_MIGRATIONS_DIR: m.dir, XDG_DATA_HOME: tmp };
  expect((await runCli(['init'], { env })).code).toBe(0);
  const slugs = Array.from({ length: N }, (_, i) => `s${i}`);
  expect((await runCli(['create', ...slugs], { env })).code).toBe(0);
});
afterAll(async () => db?.cleanup());

/** A migration that sleeps on the server, then leaves a mark: slow enough to be caught mid-way. */
function sleepyMigration(seconds: number): number {
  const id = next++;
  m.write(`${id}_sleepy.sql`, `SELECT pg_sleep(${seconds}); INSERT INTO marks VALUES (${id});`);
  return id;
}

async function waitFor(what: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Statements of tenantctl running on the server right now. */
async function running(): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name LIKE 'tenantctl%' AND state = 'active'`,
  );
  return rows[0].n;
}

/** Tenants whose mark of migration `id` exists, and tenants whose bookkeeping records it. */
async function state(id: number): Promise<{ marked: number; recorded: number }> {
  let marked = 0;
  const { rows } = await db.query(`SELECT schema_name FROM tenantctl.tenants`);
  for (const r of rows)
    marked += (
      await db.query(`SELECT count(*)::int AS n FROM ${r.schema_name}.marks WHERE id = $1`, [id])
    ).rows[0].n;
  const rec = await db.query(
    `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE migration_id = $1`,
    [id],
  );
  return { marked, recorded: rec.rows[0].n };
}

describe('signals to the CLI', () => {
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig} mid-migrate: statements cancelled on the server, rolled back, summary, audit closed, exit ${code}`, async () => {
      const id = sleepyMigration(5);
      const run = spawnCli(['migrate', '--json', '--concurrency', '2'], { env });
      await waitFor(async () => (await running()) >= 2);
      const sent = Date.now();
      run.child.kill(sig);
      const r = await run.done;
      // Cancelled, not waited for: well before the 5 s the statements would have slept.
      expect(Date.now() - sent).toBeLessThan(4000);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(
        new RegExp(
          `${sig === 'SIGINT' ? 'interrupted' : 'terminated'} \\(${sig}\\): starting no further tenant`,
        ),
      );
      const doc = r.json();
      expect(doc.error).toMatchObject({ code: 'interrupted', exitCode: code });
      expect(doc.error.message).toMatch(
        new RegExp(`by ${sig}; 0 migrated, 2 interrupted and rolled back, ${N - 2} not started`),
      );
      const statuses = doc.result.tenants.map((t: { status: string }) => t.status).sort();
      expect(statuses).toEqual([...Array(2).fill('interrupted'), ...Array(N - 2).fill('skipped')]);
      // Nothing of the run still runs on the server, and nothing of it stayed.
      expect(await running()).toBe(0);
      expect(await state(id)).toEqual({ marked: 0, recorded: 0 });
      const audit = await db.query(
        `SELECT outcome, details FROM tenantctl.audit_log WHERE command = 'migrate' ORDER BY id DESC LIMIT 1`,
      );
      expect(audit.rows[0].outcome).toBe('interrupted');
      expect(audit.rows[0].details.interrupted).toHaveLength(2);
      // Interrupted is not failed: `migrate status` has nothing to say about these tenants.
      const f = await db.query(`SELECT count(*)::int AS n FROM tenantctl.migration_failures`);
      expect(f.rows[0].n).toBe(0);
      // The work is simply still to do: the rerun finishes it (the file rewritten without the
      // sleep: never applied anywhere, so not "edited").
      m.write(`${id}_sleepy.sql`, `SELECT pg_sleep(0); INSERT INTO marks VALUES (${id});`);
      expect((await runCli(['migrate'], { env })).code).toBe(0);
      expect(await state(id)).toEqual({ marked: N, recorded: N });
    });
  }

  it('a second SIGINT exits at once (the server unreachable, the first one cannot finish)', async () => {
    const id = sleepyMigration(2);
    const u = new URL(db.url);
    const proxy = await startProxy(u.hostname, Number(u.port || 5432));
    try {
      const via = new URL(db.url);
      via.port = String(proxy.port);
      const run = spawnCli(['migrate', '--concurrency', '2'], {
        env: { ...env, DATABASE_URL: via.toString() },
      });
      await waitFor(async () => (await running()) >= 2);
      proxy.freeze();
      run.child.kill('SIGINT');
      await waitFor(async () => /press Ctrl-C again/.test(run.stderr()));
      await new Promise((r) => setTimeout(r, 300));
      expect(run.child.exitCode).toBe(null);
      const sent = Date.now();
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(Date.now() - sent).toBeLessThan(1000);
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/second SIGINT: exiting at once/);
    } finally {
      await proxy.close();
    }
    // Whatever it left (its statements may well have committed after it left) is picked up by
    // the next run, and nothing is applied twice.
    await waitFor(async () => (await running()) === 0);
    const rerun = await runCli(['migrate'], { env });
    expect(rerun.code).toBe(0);
    expect(await state(id)).toEqual({ marked: N, recorded: N });
  });

  it('SIGTERM mid export --all: exit 143, no temporary file, every archive written is whole', async () => {
    for (let i = 0; i < N; i++)
      await db.query(`INSERT INTO org_s${i}.marks SELECT g FROM generate_series(1000, 300000) g`);
    const out = path.join(tmp, 'exports');
    const run = spawnCli(['export', '--all', '--out-dir', out, '--concurrency', '1', '--json'], {
      env,
    });
    await waitFor(async () => {
      try {
        return readdirSync(out).some((f) => f.endsWith('.tar.gz') && !f.startsWith('.'));
      } catch {
        return false;
      }
    });
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(143);
    const doc = r.json();
    expect(doc.error.code).toBe('interrupted');
    const exported = doc.result.tenants.filter((t: { ok: boolean }) => t.ok);
    expect(exported.length).toBeGreaterThanOrEqual(1);
    expect(exported.length).toBeLessThan(N);
    expect(readdirSync(out).filter((f) => f.includes('.partial-'))).toEqual([]);
    const archives = readdirSync(out);
    expect(archives).toHaveLength(exported.length);
    for (const f of archives)
      expect((await runCli(['export', 'verify', path.join(out, f)], { env })).code).toBe(0);
  });

  it('SIGINT mid create: every tenant is there whole or not at all', async () => {
    const slugs = Array.from({ length: 40 }, (_, i) => `late${i}`);
    const run = spawnCli(['create', ...slugs, '--concurrency', '2', '--json'], { env });
    await waitFor(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM tenantctl.tenants WHERE slug LIKE 'late%'`,
      );
      return rows[0].n >= 3;
    });
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    const doc = r.json();
    const created = doc.result.tenants
      .filter((t: { ok: boolean }) => t.ok)
      .map((t: { slug: string }) => t.slug);
    expect(created.length).toBeLessThan(40);
    const tag = (await db.query(`SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
      .rows[0].value;
    for (const slug of slugs) {
      const schema = `org_${slug}`;
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM tenantctl.tenants WHERE slug = $1)::int AS registered,
                (SELECT count(*) FROM pg_namespace WHERE nspname = $2)::int AS schemas,
                (SELECT count(*) FROM pg_roles WHERE rolname IN ($3, $4))::int AS roles`,
        [slug, schema, `${schema}_${tag}_rw`, `${schema}_${tag}_ro`],
      );
      const whole = created.includes(slug) ? { registered: 1, schemas: 1, roles: 2 } : null;
      // A tenant reported as not created may still have committed just before the cancel
      // arrived; then it is whole, never half.
      if (whole) expect(rows[0]).toEqual(whole);
      else expect([0, 4]).toContain(rows[0].registered + rows[0].schemas + rows[0].roles);
    }
  });
});
