import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, initCluster, startCluster, stopCluster } from '../../src/dev/embedded.js';

/**
 * Private PostgreSQL 18 servers (the embedded binaries) for one test file: a fleet the test owns,
 * which it may stop and start. Initialised and started side by side; `stopAll` in afterAll.
 */
export interface TestServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres, without a password. */
  url: string;
  port: number;
  dataDir: string;
  /** Set when the server was started with password authentication. */
  password?: string;
  /** The URL with the password, for the test's own admin connections only. */
  adminUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<T>>;
}

export interface TestServers {
  servers: TestServer[];
  stopAll(): Promise<void>;
}

async function adminQuery(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/**
 * `count` servers; those whose index is in `passwords` require scram-sha-256 with that password
 * for TCP connections (the others trust, as initdb --auth=trust left them).
 */
export async function startServers(
  count = 3,
  opts: { passwords?: Record<number, string> } = {},
): Promise<TestServers> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tenantctl-fleet-'));
  // As root the servers run as the postgres OS user, which must be able to enter this directory.
  chmodSync(root, 0o755);
  const ports: number[] = [];
  // One at a time, so two servers never get the same free port.
  while (ports.length < count) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const servers = await Promise.all(
    ports.map(async (port, i): Promise<TestServer> => {
      const dataDir = path.join(root, `s${i + 1}`);
      await initCluster(dataDir);
      const { url } = await startCluster(dataDir, port);
      const password = opts.passwords?.[i];
      let adminUrl = url;
      if (password) {
        await adminQuery(url, `ALTER ROLE postgres PASSWORD '${password.replace(/'/g, "''")}'`);
        writeFileSync(
          path.join(dataDir, 'pg_hba.conf'),
          'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n',
        );
        await adminQuery(url, 'SELECT pg_reload_conf()');
        const u = new URL(url);
        u.password = password;
        adminUrl = u.toString();
      }
      const server: TestServer = {
        url,
        port,
        dataDir,
        password,
        adminUrl,
        stop: () => stopCluster(dataDir),
        start: async () => {
          await startCluster(dataDir, port);
        },
        query: (sql, params) => adminQuery(adminUrl, sql, params) as never,
      };
      return server;
    }),
  );
  return {
    servers,
    async stopAll() {
      await Promise.all(servers.map((s) => s.stop().catch(() => {})));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
