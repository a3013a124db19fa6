import { mkdtempSync, rmSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  initCluster,
  startCluster,
  stopCluster,
  restartCluster,
  freePort,
  runningPid,
} from '../../src/dev/embedded.js';

/**
 * A PostgreSQL 18 server of the test's own (embedded binaries), for faults a shared server must
 * never see: kill -9 of its postmaster, restarts, a tiny max_connections. Stop it in finally.
 */
export interface PrivateServer {
  port: number;
  dataDir: string;
  /** URL of a database on it (default postgres). */
  url(database?: string, user?: string): string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<pg.QueryResult<T>>;
  /** SIGKILL to the postmaster, then wait until its backends are gone too. */
  killPostmaster(): Promise<void>;
  /** Start again after a kill (crash recovery runs). */
  start(): Promise<void>;
  /** pg_ctl restart -m fast. */
  restart(): Promise<void>;
  /** Stop, then start with these settings on top of the original ones (command-line settings win over ALTER SYSTEM). */
  restartWith(settings: Record<string, string | number>): Promise<void>;
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function privateServer(
  settings: Record<string, string | number> = {},
): Promise<PrivateServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantctl-fault-'));
  // As root the server runs as the postgres OS user, which must be able to enter this directory.
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'pgdata');
  await initCluster(dataDir);
  const port = await freePort();
  await startCluster(dataDir, port, settings);
  const url = (database = 'postgres', user = 'postgres') =>
    `postgres://${user}@127.0.0.1:${port}/${database}`;
  const server: PrivateServer = {
    port,
    dataDir,
    url,
    async query(sql, params = [], database = 'postgres') {
      const client = new pg.Client({ connectionString: url(database) });
      client.on('error', () => {});
      await client.connect();
      try {
        return await client.query(sql, params);
      } finally {
        await client.end().catch(() => {});
      }
    },
    async killPostmaster() {
      const pid = runningPid(dataDir);
      if (!pid) return;
      const children = (await import('node:child_process'))
        .execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)])
        .toString()
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter(Boolean);
      process.kill(pid, 'SIGKILL');
      // Orphaned backends notice their postmaster's death and exit; a new server cannot start
      // while they still hold the old shared memory.
      for (let i = 0; i < 200 && [pid, ...children].some(alive); i++)
        await new Promise((r) => setTimeout(r, 50));
    },
    async start() {
      for (let attempt = 0; ; attempt++) {
        try {
          await startCluster(dataDir, port, settings);
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    async restart() {
      await restartCluster(dataDir);
    },
    async restartWith(more) {
      await stopCluster(dataDir);
      await startCluster(dataDir, port, { ...settings, ...more });
    },
    async stop() {
      await stopCluster(dataDir).catch(() => {});
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
