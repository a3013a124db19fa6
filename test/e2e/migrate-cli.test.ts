import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { runCli, BIN_PATH } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';

let db: TestDb;
let env: Record<string, string>;
const N = 24;
const m = migrationsDir({ '1_base.sql': 'CREATE TABLE marks (id int PRIMARY KEY);' });

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, TENANTCTL_MIGRATIONS_DIR: m.dir };
  expect((await runCli(['init'], { env })).code).toBe(0);
  const slugs = Array.from({ length: N }, (_, i) => `k${i}`);
  expect((await runCli(['create', ...slugs, '--concurrency', '4'], { env })).code).toBe(0);
});
afterAll(async () => db?.cleanup());

/** Every tenant's marks rows: a migration that ran twice would have inserted twice (or failed). */
async function marks(): Promise<number[]> {
  const { rows } = await db.query(`SELECT schema_name FROM tenantctl.tenants ORDER BY id`);
  const counts: number[] = [];
  for (const r of rows)
    counts.push(
      (await db.query(`SELECT count(*)::int AS n FROM ${r.schema_name}.marks`)).rows[0].n,
    );
  return counts;
}

async function bookkeepingDuplicates(): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM (SELECT tenant_id, migration_id FROM tenantctl.tenant_migrations GROUP BY 1, 2 HAVING count(*) > 1) d`,
  );
  return rows[0].n;
}

describe('migrate from the command line', () => {
  it('status --check is a CI gate: exit 1 while pending, 0 when current; --json summary', async () => {
    m.write('2_mark.sql', 'INSERT INTO marks VALUES (2);');
    const check = await runCli(['migrate', 'status', '--check', '--json'], { env });
    expect(check.code).toBe(1);
    expect(check.result().behind).toBe(N);
    const run = await runCli(['migrate', '--json'], { env });
    expect(run.code).toBe(0);
    const summary = run.result();
    expect(summary).toMatchObject({ succeeded: N, failed: 0, skipped: 0 });
    expect(summary.tenants).toHaveLength(N);
    expect((await runCli(['migrate', 'status', '--check'], { env })).code).toBe(0);
  });

  it('kill -9 in the middle of a fan-out, then a rerun finishes the job and applies nothing twice', async () => {
    m.write('3_slow.sql', 'SELECT pg_sleep(0.15); INSERT INTO marks VALUES (3);');
    const child = spawn(process.execPath, [BIN_PATH, 'migrate', '--concurrency', '2'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    // wait until some, not all, tenants are done
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE migration_id = 3`,
      );
      if (rows[0].n >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // A tenant's step is one statement on the server, which may still finish (and commit) after
    // its client died; count once the killed run's backends are gone.
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'tenantctl%' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const partial = (
      await db.query(
        `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE migration_id = 3`,
      )
    ).rows[0].n;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);
    // every tenant is either before or after: bookkeeping and DDL agree
    const counts = await marks();
    expect(counts.filter((c) => c === 2).length).toBe(partial);
    // the killed run left its audit record, still 'running'
    const auditOf = async () =>
      (
        await db.query(
          `SELECT outcome, details->>'tenants' AS tenants FROM tenantctl.audit_log WHERE command = 'migrate' ORDER BY id`,
        )
      ).rows;
    expect((await auditOf()).at(-1)).toEqual({ outcome: 'running', tenants: String(N) });
    const rerun = await runCli(['migrate', '--json', '--lock-timeout', '10s'], { env });
    expect(rerun.code).toBe(0);
    expect(
      rerun.result().tenants.filter((t: { status: string }) => t.status === 'applied'),
    ).toHaveLength(N - partial);
    expect(await marks()).toEqual(Array(N).fill(2));
    expect(await bookkeepingDuplicates()).toBe(0);
    // the rerun says so on stderr and closes the killed run's record as interrupted
    expect(rerun.stderr).toMatch(
      /an earlier migrate run \(started .*\) did not finish; this run picks up what it left/,
    );
    expect((await auditOf()).slice(-2)).toEqual([
      { outcome: 'interrupted', tenants: String(N) },
      { outcome: 'ok', tenants: String(N - partial) },
    ]);
  });

  it('two runs at once never double-apply: the second waits for the first', async () => {
    m.write('4_slow-again.sql', 'SELECT pg_sleep(0.05); INSERT INTO marks VALUES (4);');
    const [a, b] = await Promise.all([
      runCli(['migrate', '--json', '--lock-timeout', '60s'], { env }),
      runCli(['migrate', '--json', '--lock-timeout', '60s'], { env }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const applied = [a, b]
      .map(
        (r) => r.result().tenants.filter((t: { status: string }) => t.status === 'applied').length,
      )
      .sort((x, y) => x - y);
    expect(applied).toEqual([0, N]);
    expect(await marks()).toEqual(Array(N).fill(3));
    expect(await bookkeepingDuplicates()).toBe(0);
  });

  it('a second run that cannot wait long enough exits 4 (busy) and changes nothing', async () => {
    m.write('5_slower.sql', 'SELECT pg_sleep(0.1); INSERT INTO marks VALUES (5);');
    const first = runCli(['migrate', '--concurrency', '1'], { env });
    await new Promise((r) => setTimeout(r, 800));
    const second = await runCli(['migrate', '--lock-timeout', '100ms'], { env });
    expect(second.code, second.stderr).toBe(4);
    expect(second.stderr).toMatch(/another migrate run is in progress/);
    expect((await first).code).toBe(0);
    expect(await marks()).toEqual(Array(N).fill(4));
  });

  it('a failure in some tenants: exit 3, a per-tenant summary on stdout and stderr lines', async () => {
    await db.query(`INSERT INTO org_k3.marks VALUES (6)`);
    m.write('6_conflict.sql', 'INSERT INTO marks VALUES (6);');
    const r = await runCli(['migrate', '--max-failures', 'all'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/failed\s+k3: migration 6_conflict\.sql.*duplicate key/);
    expect(r.stdout).toMatch(/23 migrated/);
    expect(r.stderr).toMatch(/1 tenant failed, 23 migrated/);
    const status = await runCli(['migrate', 'status', '--json'], { env });
    expect(status.result().failedLastTime.map((f: { slug: string }) => f.slug)).toEqual(['k3']);
  });

  it('an edited applied migration is refused with exit 1 before any tenant is touched', async () => {
    m.write('2_mark.sql', 'INSERT INTO marks VALUES (22);');
    m.write('7_new.sql', 'CREATE TABLE never (id int);');
    const r = await runCli(['migrate'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2_mark\.sql was edited after it was applied/);
    expect((await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'never'`)).rowCount).toBe(0);
  });

  it('bad flags are usage errors', async () => {
    expect((await runCli(['migrate', '--max-failures', 'some'], { env })).code).toBe(2);
    expect((await runCli(['migrate', '--statement-timeout', 'x'], { env })).code).toBe(2);
    expect((await runCli(['migrate', '--tenant', 'no such'], { env })).code).toBe(2);
  });
});
