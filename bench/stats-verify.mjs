#!/usr/bin/env node
// bench/stats-verify: `tenantctl stats` and `tenantctl verify` on the shared fleet fixture
// bench_fleet_<N> (N = BENCH_FLEET, default 2000; 40 tables per tenant), read-only. Baselines in
// the same run: the bare catalog count a DBA would type into psql (stats' floor), and
// `pg_dump --schema-only` of the tenant schemas (reading the structure without comparing it).
// The fixture is not built here unless BENCH_BUILD=1: a 10,000 fleet takes a long while.
//   BENCH_FLEET=10000 node bench/stats-verify.mjs      (BENCH_NO_VERIFY=1, BENCH_NO_DUMP=1, BENCH_NO_EXACT=1 to skip those)
//   BENCH_DATABASE_URL=<admin url of bench/server.mjs> BENCH_FLEET=10000 node bench/stats-verify.mjs
import pg from 'pg';
import { BIN, dbUrl, query, timed, machine, serverVersion } from './lib.mjs';
import { schemaCensus, registeredTenants } from '../dist/inspect/census.js';
import { Control } from '../dist/control/control.js';

const N = Number(process.env.BENCH_FLEET ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const name = `bench_fleet_${N}`;
let url = dbUrl(name);
const have = await query(url, 'SELECT count(*)::int AS n FROM tenantctl.tenants').then(
  (r) => r.rows[0].n,
  () => -1,
);
if (have !== N) {
  if (!process.env.BENCH_BUILD) {
    console.error(
      `${name} holds ${have < 0 ? 'no fleet' : `${have} tenants`}, not ${N}; build it with \`node bench/fixture.mjs ${N}\` (or BENCH_BUILD=1)`,
    );
    process.exit(2);
  }
  url = await (await import('./fixture.mjs')).ensureFleet(N);
}
const env = { DATABASE_URL: url };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.error(
  `stats/verify bench: ${N} tenants x 40 tables, server ${await serverVersion(url)}, ${machine()}`,
);
const tables = (
  await query(url, `SELECT count(*)::int AS n FROM pg_tables WHERE starts_with(schemaname, 'org_')`)
).rows[0].n;
const pgClass = (await query(url, 'SELECT count(*)::int AS n FROM pg_class')).rows[0].n;

// Rounds alternate the baselines and tenantctl, so that load drifting on a shared machine hits
// all of them alike. Floor: the one catalog query through psql (a process start plus the scan);
// below it, one bare read of pg_class with no grouping at all.
const FLOOR_SQL = `SELECT n.nspname, count(*) FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE starts_with(n.nspname, 'org_') AND c.relkind IN ('r','p') GROUP BY 1`;
const floor = [];
const scan = [];
const queries = [];
const startup = [];
const stats = [];
let statsRss = 0;
let doc;
const [a, b] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
await Promise.all([a.connect(), b.connect()]);
for (let i = 0; i < RUNS; i++) {
  floor.push((await timed('psql', ['-X', '-A', '-t', '-d', url, '-c', FLOOR_SQL])).seconds);
  let t = process.hrtime.bigint();
  await a.query('SELECT count(*) FROM pg_class');
  scan.push(Number(process.hrtime.bigint() - t) / 1e9);
  // The same two queries in-process, side by side on two connections as `stats` runs them: what
  // stats costs without the Node start-up of the CLI.
  t = process.hrtime.bigint();
  await Promise.all([registeredTenants(a, new Control('tenantctl')), schemaCensus(b, 'org_')]);
  queries.push(Number(process.hrtime.bigint() - t) / 1e9);
  startup.push((await timed(process.execPath, [BIN, '--version'])).seconds);
  const r = await timed(process.execPath, [BIN, 'stats', '--json'], { env });
  stats.push(r.seconds);
  statsRss = Math.max(statsRss, r.rssKb ?? 0);
  doc = JSON.parse(r.stdout);
}
await Promise.all([a.end(), b.end()]);
if (doc.totals.tenants !== N || doc.totals.tables !== tables)
  throw new Error(
    `stats says ${doc.totals.tenants} tenants / ${doc.totals.tables} tables; catalog says ${N} / ${tables}`,
  );
const exact = process.env.BENCH_NO_EXACT
  ? null
  : await timed(process.execPath, [BIN, 'stats', '--json', '--exact-sizes'], { env });

console.error(`stats: median ${median(stats).toFixed(3)} s`);
let v = null;
let vdoc = null;
if (!process.env.BENCH_NO_VERIFY) {
  v = await timed(process.execPath, [BIN, 'verify', '--json'], { env, allowFail: true });
  vdoc = JSON.parse(v.stdout);
}

let dump = null;
if (!process.env.BENCH_NO_DUMP) {
  const d = await timed('pg_dump', ['--schema-only', '-n', 'org_*', '-f', '/dev/null', '-d', url], {
    allowFail: true,
  });
  const error =
    d.code === 0
      ? undefined
      : d.stderr
          .split('\n')
          .find((l) => /error:/.test(l))
          ?.trim();
  dump = {
    seconds: +d.seconds.toFixed(2),
    peakRssMb: d.rssKb ? +(d.rssKb / 1024).toFixed(0) : null,
    exit: d.code,
    error,
  };
}

const result = {
  bench: 'stats-verify',
  tenants: N,
  tables,
  pgClassRows: pgClass,
  psqlCatalogCountSeconds: +median(floor).toFixed(3),
  pgClassBareScanSeconds: +median(scan).toFixed(3),
  statsQueriesSeconds: +median(queries).toFixed(3),
  cliStartupSeconds: +median(startup).toFixed(3),
  statsSeconds: +median(stats).toFixed(3),
  statsRuns: stats.map((s) => +s.toFixed(3)),
  statsPeakRssMb: +(statsRss / 1024).toFixed(0),
  statsExactSizesSeconds: exact ? +exact.seconds.toFixed(2) : null,
  verifySeconds: v ? +v.seconds.toFixed(2) : null,
  verifyPeakRssMb: v?.rssKb ? +(v.rssKb / 1024).toFixed(0) : null,
  verifyOk: vdoc?.ok ?? null,
  verifyExit: v?.code ?? null,
  pgDumpSchemaOnly: dump,
  target: 'stats < 1 s at 10,000 tenants x 40 tables',
};
console.log(JSON.stringify(result, null, 2));
