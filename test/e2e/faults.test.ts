import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { migrationsDir } from '../helpers/migrations.js';
import { privateServer, type PrivateServer } from '../helpers/server.js';
import { freePort } from '../../src/dev/embedded.js';

/**
 * Faults injected into a PostgreSQL 18 of this file's own: the postmaster killed, a restart, the
 * run lock's connection terminated, idle_session_timeout, max_connections below --concurrency, a
 * role-level statement_timeout, an endpoint that never answers. Each case checks the exit code,
 * the summary, the audit record, that no temporary file is left, and that every tenant's catalog
 * agrees with its bookkeeping (before or after each migration, never in between).
 */
const N = 24;
const DB = 'fleet';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-faults-'));
let server: PrivateServer;
let env: Record<string, string>;
const m = migrationsDir({
  '1_items.sql': `CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO items SELECT g, g FROM generate_series(1, 500) g;`,
});
let next = 2;

/** A migration that adds a column, rewrites every row and builds an index, slowly. */
function slowMigration(seconds = 0.3): number {
  const id = next++;
  m.write(
    `${id}_col${id}.sql`,
    `ALTER TABLE items ADD COLUMN c${id} int;
UPDATE items SET c${id} = v;
SELECT pg_sleep(${seconds});
CREATE INDEX items_c${id}_idx ON items (c${id});`,
  );
  return id;
}

const q = (sql: string, params: unknown[] = []) => server.query(sql, params, DB);

async function appliedCount(id: number): Promise<number> {
  const { rows } = await q(
    `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE migration_id = $1`,
    [id],
  );
  return rows[0].n;
}

async function waitFor(what: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Per tenant: the column (and index) of migration `id` exist exactly when the bookkeeping records
 * it. Returns the tenants where they disagree (none, always) and how many are after it.
 */
async function consistency(id: number): Promise<{ disagree: string[]; after: number }> {
  const { rows } = await q(
    `SELECT t.slug,
            EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.schema_name AND c.table_name = 'items' AND c.column_name = $2) AS col,
            EXISTS (SELECT 1 FROM pg_indexes i WHERE i.schemaname = t.schema_name AND i.indexname = $3) AS idx,
            EXISTS (SELECT 1 FROM tenantctl.tenant_migrations m WHERE m.tenant_id = t.id AND m.migration_id = $1) AS rec
     FROM tenantctl.tenants t ORDER BY t.id`,
    [id, `c${id}`, `items_c${id}_idx`],
  );
  return {
    disagree: rows.filter((r) => r.col !== r.rec || r.idx !== r.rec).map((r) => r.slug),
    after: rows.filter((r) => r.rec).length,
  };
}

async function lastAudit(command = 'migrate') {
  const { rows } = await q(
    `SELECT id, outcome, details FROM tenantctl.audit_log WHERE command = $1 ORDER BY id DESC LIMIT 1`,
    [command],
  );
  return rows[0];
}

/** Nothing of tenantctl's still connected (a killed run's statements may still be finishing). */
async function noTenantctlSessions(): Promise<boolean> {
  const { rows } = await q(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'tenantctl%'`,
  );
  return rows[0].n === 0;
}

function statuses(r: CliResult): Record<string, number> {
  const doc = r.json();
  const tenants: { status: string }[] = (doc.result ?? doc).tenants;
  const out: Record<string, number> = {};
  for (const t of tenants) out[t.status] = (out[t.status] ?? 0) + 1;
  return out;
}

beforeAll(async () => {
  server = await privateServer();
  await server.query(`CREATE DATABASE ${DB}`);
  env = { DATABASE_URL: server.url(DB), TENANTCTL_MIGRATIONS_DIR: m.dir, XDG_DATA_HOME: tmp };
  expect((await runCli(['init'], { env })).code).toBe(0);
  const slugs = Array.from({ length: N }, (_, i) => `t${String(i).padStart(2, '0')}`);
  expect((await runCli(['create', ...slugs], { env })).code).toBe(0);
});
afterAll(async () => server?.stop());

describe('faults injected into a server of our own', () => {
  it('kill -9 of the postmaster mid-migrate: a summary, exit 3, the record left running and closed as interrupted by the next run', async () => {
    const id = slowMigration();
    const run = spawnCli(['migrate', '--json', '--concurrency', '2'], { env });
    await waitFor(async () => (await appliedCount(id)) >= 3);
    await server.killPostmaster();
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/unexpected error|Unhandled|at .*\.js:\d+/);
    const doc = r.json();
    expect(doc.error.message).toMatch(/lost the (connection|run lock)/);
    const s = statuses(r);
    expect(s.applied).toBeGreaterThanOrEqual(3);
    expect((s.applied ?? 0) + (s.interrupted ?? 0) + (s.skipped ?? 0)).toBe(N);
    expect(r.stderr).toMatch(/stays 'running' until the next migrate marks it interrupted/);

    await server.start();
    const c = await consistency(id);
    expect(c.disagree).toEqual([]);
    // The summary may only undercount: a tenant cut off mid-commit can have committed.
    expect(c.after).toBeGreaterThanOrEqual(s.applied);
    expect((await lastAudit()).outcome).toBe('running');
    expect((await q(`SELECT count(*)::int AS n FROM tenantctl.migration_failures`)).rows[0].n).toBe(
      0,
    );

    const rerun = await runCli(['migrate', '--json'], { env });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/an earlier migrate run .* did not finish/);
    const audits = await q(
      `SELECT outcome FROM tenantctl.audit_log WHERE command = 'migrate' ORDER BY id DESC LIMIT 2`,
    );
    expect(audits.rows.map((a) => a.outcome)).toEqual(['ok', 'interrupted']);
    expect(await consistency(id)).toEqual({ disagree: [], after: N });
  });

  it('pg_ctl restart mid-migrate: the run stops with its summary, exit 3, and closes its own record', async () => {
    const id = slowMigration();
    const run = spawnCli(['migrate', '--json', '--concurrency', '2'], { env });
    await waitFor(async () => (await appliedCount(id)) >= 3);
    await server.restart();
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const s = statuses(r);
    expect((s.applied ?? 0) + (s.interrupted ?? 0) + (s.skipped ?? 0)).toBe(N);
    expect(s.skipped).toBeGreaterThan(0);
    const audit = await lastAudit();
    expect(audit.outcome).toBe('partial');
    expect(audit.details.stoppedBy).toMatch(/lost the (connection|run lock)/);
    expect(audit.details.applied).toBe(s.applied);
    const c = await consistency(id);
    expect(c.disagree).toEqual([]);
    expect(c.after).toBeGreaterThanOrEqual(s.applied);

    const rerun = await runCli(['migrate', '--json'], { env });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).not.toMatch(/did not finish/);
    expect(await consistency(id)).toEqual({ disagree: [], after: N });
  });

  it('the run lock connection terminated: noticed at once, no tenant started after it, exit 3', async () => {
    const id = slowMigration();
    const run = spawnCli(['migrate', '--json', '--concurrency', '2'], { env });
    await waitFor(async () => (await appliedCount(id)) >= 3);
    const { rows } = await q(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 2
         AND classid = hashtext('tenantctl')::oid AND objid = hashtext('migrate-run')::oid`,
    );
    expect(rows).toEqual([{ done: true }]);
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.json().error).toMatchObject({ code: 'run-lock-lost', exitCode: 3 });
    expect(r.json().error.message).toMatch(/lost the run lock/);
    const s = statuses(r);
    expect(s.skipped).toBeGreaterThan(0);
    // The tenants in flight finished before the run ended: nothing of it still runs.
    expect(await noTenantctlSessions()).toBe(true);
    const audit = await lastAudit();
    expect(audit.outcome).toBe('partial');
    const c = await consistency(id);
    expect(c.disagree).toEqual([]);
    expect(c.after).toBe(s.applied);
    expect((await runCli(['migrate'], { env })).code).toBe(0);
    expect(await consistency(id)).toEqual({ disagree: [], after: N });
  });

  it('idle_session_timeout shorter than the run: tenantctl keeps its own sessions alive', async () => {
    await q(`ALTER DATABASE ${DB} SET idle_session_timeout = '1s'`);
    try {
      const id = slowMigration(0.2);
      const r = await runCli(['migrate', '--json', '--concurrency', '2'], { env });
      // Nothing but a line per tenant (issue 18's output without a terminal): no session lost.
      expect(r.stderr.split('\n').filter((l) => l && !/^migrate t\d+: applied /.test(l))).toEqual(
        [],
      );
      expect(r.code).toBe(0);
      expect(r.result()).toMatchObject({ failed: 0, interrupted: 0, skipped: 0 });
      expect((await lastAudit()).outcome).toBe('ok');
      expect(await consistency(id)).toEqual({ disagree: [], after: N });
    } finally {
      await q(`ALTER DATABASE ${DB} RESET idle_session_timeout`);
    }
  });

  it('export --all while the server restarts: one JSON document, exit 3, no temporary file, every archive whole and recorded', async () => {
    await q(
      `DO $$ DECLARE s text; BEGIN FOR s IN SELECT schema_name FROM tenantctl.tenants LOOP
         EXECUTE format('INSERT INTO %I.items SELECT g, g FROM generate_series(501, 60000) g', s);
       END LOOP; END $$`,
    );
    const out = path.join(tmp, 'exports');
    const run = spawnCli(['export', '--all', '--out-dir', out, '--json', '--concurrency', '2'], {
      env,
    });
    await waitFor(async () => {
      try {
        return readdirSync(out).filter((f) => f.endsWith('.tar.gz')).length >= 3;
      } catch {
        return false;
      }
    });
    await server.restart();
    const r = await run.done;
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect([1, 3]).toContain(r.code);
    const doc = r.json();
    const exported = doc.result.tenants.filter((t: { ok: boolean }) => t.ok);
    expect(exported.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(out).filter((f) => f.includes('.partial-'))).toEqual([]);
    const archives = readdirSync(out).filter((f) => f.endsWith('.tar.gz'));
    expect(archives.length).toBe(exported.length);
    for (const f of archives)
      expect((await runCli(['export', 'verify', path.join(out, f)], { env })).code).toBe(0);
    // Each archive written has its audit record (written before it appeared under its name).
    const { rows } = await q(
      `SELECT details->>'file' AS file FROM tenantctl.audit_log WHERE command = 'export' AND outcome = 'ok'`,
    );
    const recorded = new Set(rows.map((x) => path.basename(x.file)));
    for (const f of archives) expect(recorded.has(f)).toBe(true);
  });

  it('import while the server restarts: exit 1 naming the server, one JSON document, nothing imported', async () => {
    expect((await runCli(['create', 'big'], { env })).code).toBe(0);
    await q(`INSERT INTO org_big.items SELECT g, g FROM generate_series(501, 1500000) g`);
    const file = path.join(tmp, 'big.tar.gz');
    expect((await runCli(['export', 'big', '-o', file], { env })).code).toBe(0);
    const run = spawnCli(['import', file, '--as', 'big-copy', '--json'], { env });
    await waitFor(async () => {
      const { rows } = await q(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'tenantctl%' AND query LIKE 'COPY%'`,
      );
      return rows[0].n > 0;
    });
    await server.restart();
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lost the connection to 127\.0\.0\.1:\d+\/fleet/);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.json().error.code).toBe('connection-lost');
    const { rows } = await q(
      `SELECT (SELECT count(*) FROM tenantctl.tenants WHERE slug = 'big-copy')::int AS registered,
              (SELECT count(*) FROM pg_namespace WHERE nspname = 'org_big_copy')::int AS schemas,
              (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'org_big_copy_%')::int AS roles`,
    );
    expect(rows[0]).toEqual({ registered: 0, schemas: 0, roles: 0 });
    expect((await runCli(['drop', 'big', '--yes'], { env })).code).toBe(0);
  });

  it('create while the server restarts: a summary, exit 3, every tenant whole or absent', async () => {
    const slugs = Array.from({ length: 40 }, (_, i) => `new${i}`);
    const run = spawnCli(['create', ...slugs, '--concurrency', '2', '--json'], { env });
    await waitFor(async () => {
      const { rows } = await q(
        `SELECT count(*)::int AS n FROM tenantctl.tenants WHERE slug LIKE 'new%'`,
      );
      return rows[0].n >= 3;
    });
    await server.restart();
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const created = r
      .json()
      .result.tenants.filter((t: { ok: boolean }) => t.ok)
      .map((t: { slug: string }) => t.slug);
    expect(created.length).toBeGreaterThanOrEqual(3);
    const tag = (await q(`SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`)).rows[0]
      .value;
    for (const slug of slugs) {
      const { rows } = await q(
        `SELECT (SELECT count(*) FROM tenantctl.tenants WHERE slug = $1)::int
              + (SELECT count(*) FROM pg_namespace WHERE nspname = $2)::int
              + (SELECT count(*) FROM pg_roles WHERE rolname IN ($3, $4))::int AS n`,
        [slug, `org_${slug}`, `org_${slug}_${tag}_rw`, `org_${slug}_${tag}_ro`],
      );
      if (created.includes(slug)) expect(rows[0].n).toBe(4);
      else expect([0, 4]).toContain(rows[0].n);
    }
    // Leave the fleet as the other cases expect it.
    const made = await q(`SELECT slug FROM tenantctl.tenants WHERE slug LIKE 'new%'`);
    for (const t of made.rows)
      expect((await runCli(['drop', t.slug, '--yes'], { env })).code).toBe(0);
  });

  it('max_connections below --concurrency: concurrency lowered (said so), no tenant fails', async () => {
    await server.restartWith({ max_connections: 8 });
    try {
      const id = slowMigration(0.05);
      const r = await runCli(['migrate', '--json', '--concurrency', '16'], { env });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        /lowering concurrency from 16 to \d: the server takes 8 connections/,
      );
      expect(
        (await q(`SELECT count(*)::int AS n FROM tenantctl.migration_failures`)).rows[0].n,
      ).toBe(0);
      expect(await consistency(id)).toEqual({ disagree: [], after: N });
      const out = path.join(tmp, 'exports-8');
      const all = await runCli(
        ['export', '--all', '--out-dir', out, '--json', '--concurrency', '16'],
        {
          env,
        },
      );
      expect(all.code).toBe(0);
      expect(all.result().tenants.filter((t: { ok: boolean }) => t.ok)).toHaveLength(N);
    } finally {
      await server.restartWith({});
    }
  });

  it('"too many clients" is waited out with backoff, not a failure', async () => {
    await server.restartWith({ max_connections: 5, superuser_reserved_connections: 0 });
    const held: pg.Client[] = [];
    try {
      // Take every slot.
      for (;;) {
        const c = new pg.Client({ connectionString: server.url(DB) });
        c.on('error', () => {});
        try {
          await c.connect();
          held.push(c);
        } catch {
          break;
        }
      }
      const run = spawnCli(['migrate', 'status', '--json'], { env });
      await new Promise((r) => setTimeout(r, 1500));
      await held.pop()!.end();
      await held.pop()!.end();
      const r = await run.done;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      for (const c of held) await c.end().catch(() => {});
      await server.restartWith({});
    }
  });

  it('a role-level statement_timeout: export and stats ignore it, as pg_dump does; a cancelled migration says where it comes from', async () => {
    await q(`CREATE ROLE deployer SUPERUSER LOGIN`);
    await q(`ALTER ROLE deployer SET statement_timeout = '100ms'`);
    try {
      const asDeployer = { ...env, DATABASE_URL: server.url(DB, 'deployer') };
      await q(`INSERT INTO org_t00.items SELECT g, g FROM generate_series(60001, 400000) g`);
      const file = path.join(tmp, 't00-timeout.tar.gz');
      const ex = await runCli(['export', 't00', '-o', file], { env: asDeployer });
      expect(ex.stderr).toBe('');
      expect(ex.code).toBe(0);
      expect((await runCli(['stats', '--exact-sizes'], { env: asDeployer })).code).toBe(0);
      expect((await runCli(['verify'], { env: asDeployer })).code).toBe(0);

      const id = next++;
      m.write(`${id}_slow.sql`, 'SELECT pg_sleep(1);');
      const r = await runCli(['migrate', '--tenant', 't01', '--json'], { env: asDeployer });
      expect(r.code).toBe(1);
      const t = r.json().result.tenants.find((x: { slug: string }) => x.slug === 't01');
      expect(t.status).toBe('failed');
      expect(t.error).toMatch(
        /canceling statement due to statement timeout.*statement_timeout is 100ms, set for role deployer \(ALTER ROLE \.\.\. SET statement_timeout\).*--statement-timeout/,
      );
      const ok = await runCli(['migrate', '--tenant', 't01', '--statement-timeout', '5s'], {
        env: asDeployer,
      });
      expect(ok.code).toBe(0);
    } finally {
      await q(`DROP ROLE IF EXISTS deployer`).catch(() => {});
    }
  });

  it('an endpoint that accepts and never answers: connect_timeout from the URL, PGCONNECT_TIMEOUT, then one line', async () => {
    const silent = net.createServer(() => {});
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    try {
      let t0 = Date.now();
      const a = await runCli(['list'], {
        env: { DATABASE_URL: `postgres://x@127.0.0.1:${port}/db?connect_timeout=2` },
      });
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(a.code).toBe(1);
      expect(a.stderr).toMatch(
        /cannot connect to 127\.0\.0\.1:\d+\/db \(from DATABASE_URL\): no answer within 2 s \(connect_timeout in the URL\)/,
      );
      t0 = Date.now();
      const b = await runCli(['list'], {
        env: { PGHOST: '127.0.0.1', PGPORT: String(port), PGCONNECT_TIMEOUT: '3', PGUSER: 'x' },
      });
      expect(Date.now() - t0).toBeLessThan(9000);
      expect(b.stderr).toMatch(/no answer within 3 s \(PGCONNECT_TIMEOUT\)/);
      const bad = await runCli(['list'], {
        env: { DATABASE_URL: `postgres://x@127.0.0.1:${port}/db?connect_timeout=soon` },
      });
      expect(bad.code).toBe(2);
    } finally {
      silent.close();
    }
  });
});
