import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { PGBOUNCER, startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js';
import { Database } from '../../src/pg/pool.js';
import { resolveConnection } from '../../src/pg/connection.js';
import { withClient } from '../../src/pg/tx.js';

/**
 * tenantctl through PgBouncer in pool_mode=transaction (Debian's package; .ci/run installs it),
 * in front of the suite's server. Every tenant change must be correct there (transaction-scoped
 * state only); what needs a session is refused with a line naming the pooler, and works with
 * --direct-url / TENANTCTL_DIRECT_URL.
 */
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-pooler-'));
let db: TestDb;
let bouncer: PgBouncer;
/** Everything through the pooler. */
let pooled: Record<string, string>;
/** The pooler for everything, the server directly for sessions. */
let withDirect: Record<string, string>;
const m = migrationsDir({ '1_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);' });

/** Advisory locks held by anyone on the server: a session lock left on a pooled connection shows here. */
async function advisoryLocks(): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows[0].n;
}

/** Per tenant: migration 2's index exists in its schema exactly when the bookkeeping says applied. */
async function indexMatchesBookkeeping(): Promise<
  { slug: string; index: boolean; applied: boolean }[]
> {
  const { rows } = await db.query(
    `SELECT t.slug,
            EXISTS (SELECT 1 FROM pg_indexes i WHERE i.schemaname = t.schema_name AND i.indexname = 'notes_body_idx') AS index,
            EXISTS (SELECT 1 FROM tenantctl.tenant_migrations m WHERE m.tenant_id = t.id AND m.migration_id = 2) AS applied
     FROM tenantctl.tenants t ORDER BY t.slug`,
  );
  return rows;
}

if (!PGBOUNCER) {
  describe('through PgBouncer', () => {
    it.skip('skipped: pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)', () => {});
  });
} else {
  beforeAll(async () => {
    db = await freshDatabase();
    const u = new URL(db.url);
    bouncer = await startPgBouncer({
      host: u.hostname,
      port: Number(u.port || 5432),
      users: [
        u.password
          ? { name: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
          : decodeURIComponent(u.username) || 'postgres',
      ],
    });
    const common = { TENANTCTL_MIGRATIONS_DIR: m.dir, XDG_DATA_HOME: tmp };
    pooled = { ...common, DATABASE_URL: bouncer.url(db.name, decodeURIComponent(u.username)) };
    // The client side of the pooler trusts; the password (if any) is PgBouncer's to the server.
    withDirect = { ...pooled, TENANTCTL_DIRECT_URL: db.url };
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.cleanup();
  });

  describe('through PgBouncer in transaction mode', () => {
    it('init needs a session: refused through the pooler (exit 2, naming it), done with --direct-url', async () => {
      const r = await runCli(['init'], { env: pooled });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is a transaction pooler .*init runs the control schema migrations/);
      expect(r.stderr).toMatch(/--direct-url <url> or TENANTCTL_DIRECT_URL/);
      expect((await runCli(['init'], { env: withDirect })).code).toBe(0);
    });

    it('tenant changes are correct through it: create, suspend, activate, export, import, drop, stats, verify', async () => {
      const slugs = Array.from({ length: 12 }, (_, i) => `p${i}`);
      const created = await runCli(['create', ...slugs, '--concurrency', '4', '--json'], {
        env: pooled,
      });
      // Nothing but the per-tenant lines a run without a terminal prints (no warning, no error).
      const lines = created.stderr.trim().split('\n');
      expect(lines.map((l) => l.replace(/ \(.*\)$/, '')).sort()).toEqual(
        slugs.map((s) => `create ${s}: created at migration 1`).sort(),
      );
      expect(created.code).toBe(0);
      // Suspend and activate side by side: the same server connections serve different clients,
      // which is where named prepared statements collided.
      const runs = await Promise.all(
        slugs
          .slice(0, 6)
          .map((s) => runCli(['suspend', s, '--reason', 'pooler test'], { env: pooled })),
      );
      expect(runs.map((r) => r.code)).toEqual(Array(6).fill(0));
      const back = await Promise.all(
        slugs.slice(0, 6).map((s) => runCli(['activate', s], { env: pooled })),
      );
      expect(back.map((r) => [r.code, r.stderr])).toEqual(Array(6).fill([0, '']));

      const file = path.join(tmp, 'p1.tar.gz');
      expect((await runCli(['export', 'p1', '-o', file], { env: pooled })).code).toBe(0);
      const imported = await runCli(['import', file, '--as', 'p1-copy'], { env: pooled });
      expect([imported.code, imported.stderr]).toEqual([0, '']);
      expect((await runCli(['drop', 'p1-copy', '--yes'], { env: pooled })).code).toBe(0);

      const all = await runCli(['export', '--all', '--out-dir', path.join(tmp, 'all'), '--json'], {
        env: pooled,
      });
      expect(all.code).toBe(0);
      expect(all.result().tenants.filter((t: { ok: boolean }) => t.ok)).toHaveLength(12);
      expect(readdirSync(path.join(tmp, 'all')).filter((f) => f.includes('.partial-'))).toEqual([]);

      // stats used to send an `options` startup parameter, which PgBouncer refuses.
      const stats = await runCli(['stats', '--json'], { env: pooled });
      expect([stats.code, stats.stderr]).toEqual([0, '']);
      expect(stats.result().totals.tenants).toBe(12);
      const verify = await runCli(['verify', '--json'], { env: pooled });
      expect(verify.code).toBe(0);
      expect(verify.result().ok).toBe(true);
      // Nothing of a session stays behind on the pooler's server connections.
      expect(await advisoryLocks()).toBe(0);
    });

    it('migrate needs a session for its run lock: refused through the pooler, nothing touched', async () => {
      const before = await db.query(`SELECT count(*)::int AS n FROM tenantctl.audit_log`);
      const r = await runCli(['migrate'], { env: pooled });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /127\.0\.0\.1:\d+\/\S+ \(from DATABASE_URL\) is a transaction pooler .*migrate holds its run lock/,
      );
      const after = await db.query(`SELECT count(*)::int AS n FROM tenantctl.audit_log`);
      expect(after.rows[0].n).toBe(before.rows[0].n);
      expect(await advisoryLocks()).toBe(0);
    });

    it('with --direct-url, a disable-transaction CREATE INDEX CONCURRENTLY reaches every tenant, in its own schema only', async () => {
      m.write(
        '2_notes-index.sql',
        '-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body_idx ON notes (body);\n',
      );
      const r = await runCli(['migrate', '--concurrency', '4', '--json'], { env: withDirect });
      expect(r.code).toBe(0);
      expect(r.result()).toMatchObject({ failed: 0, interrupted: 0, skipped: 0 });
      const state = await indexMatchesBookkeeping();
      expect(state.every((t) => t.index && t.applied)).toBe(true);
      const stray = await db.query(
        `SELECT schemaname, count(*)::int AS n FROM pg_indexes WHERE indexname = 'notes_body_idx' GROUP BY 1 HAVING count(*) > 1 OR schemaname NOT LIKE 'org\\_%'`,
      );
      expect(stray.rows).toEqual([]);
      const audit = await db.query(
        `SELECT outcome FROM tenantctl.audit_log WHERE command = 'migrate' ORDER BY id DESC LIMIT 1`,
      );
      expect(audit.rows[0].outcome).toBe('ok');
      expect(await advisoryLocks()).toBe(0);
      // And after it, the tenant path through the pooler still works (no statement names left).
      expect((await runCli(['suspend', 'p2'], { env: pooled })).code).toBe(0);
      expect((await runCli(['activate', 'p2'], { env: pooled })).code).toBe(0);
    });

    it('a stop cancels a running statement through the pooler too (its backend key is not a pid there)', async () => {
      const controller = new AbortController();
      const database = new Database(
        await resolveConnection(pooled.DATABASE_URL, {}, () => undefined),
        2,
        { signal: controller.signal },
      );
      try {
        const started = Date.now();
        const sleeping = withClient(database, (c) => c.query('SELECT pg_sleep(20)')).catch(
          (e) => e,
        );
        for (let i = 0; i < 100; i++) {
          const { rows } = await db.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
          );
          if (rows[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        controller.abort();
        const err = await sleeping;
        expect(err.code).toBe('57014');
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await database.end();
      }
    });

    it('create with a disable-transaction migration is refused through the pooler before any tenant exists', async () => {
      const r = await runCli(['create', 'late-a', 'late-b'], { env: pooled });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/2_notes-index\.sql is marked disable-transaction/);
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM tenantctl.tenants WHERE slug LIKE 'late-%'`,
      );
      expect(rows[0].n).toBe(0);
      const ok = await runCli(['create', 'late-a', 'late-b'], { env: withDirect });
      expect(ok.code).toBe(0);
      expect((await indexMatchesBookkeeping()).filter((t) => t.slug.startsWith('late-'))).toEqual([
        { slug: 'late-a', index: true, applied: true },
        { slug: 'late-b', index: true, applied: true },
      ]);
    });
  });
}
