#!/usr/bin/env node
// bench/migrate: the fan-out against the baselines, in one run.
//  1. metadata-only migrations over BENCH_FLEET tenants (default 2000; 10000 for the full run),
//     BENCH_ROUNDS alternating rounds (default 3, median reported)
//     of the 40-table template: `tenantctl migrate --concurrency 2` vs the same statements through
//     two psql streams (one transaction per schema, advisory lock, bookkeeping insert). Target 1.5x.
//  2. the same migration with a shell loop running psql once per schema (what operators write today).
//  3. a run with nothing pending over the whole fleet (target < 1 s), and over BENCH_REGISTRY
//     (default 10000) registered tenants.
//  Peak RSS of tenantctl, and the largest memory of any server backend during the memory round.
//  BENCH_IN_PLACE=1 runs on the fixture itself instead of a copy (a 10,000 x 40-table fleet is
//  ~30 GB and 3 M files: no room for a copy); the fixture is dropped afterwards, since its tenants
//  then carry the bench's columns and migrations.
import { writeFileSync, readFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BIN,
  ROOT,
  cloneDb,
  dropDb,
  freshDb,
  timed,
  query,
  machine,
  serverVersion,
} from './lib.mjs';
import { ensureFleet } from './fixture.mjs';
import pg from 'pg';

const FLEET = Number(process.env.BENCH_FLEET ?? 2000);
const REGISTRY = Number(process.env.BENCH_REGISTRY ?? 10000);
const out = path.join(ROOT, 'bench', 'out');
mkdirSync(out, { recursive: true });

const kbOf = (text, re) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);

/**
 * The largest memory of any backend whose application_name matches, sampled every 100 ms over one
 * connection: "private" (Private_Clean + Private_Dirty, which also counts shared-buffer pages only
 * this backend has touched, so it grows with shared_buffers) and "anon" (Pss_Anon: the backend's
 * own heap - catalog caches, plans - without shared buffers). Only the memory round runs it:
 * sampling costs CPU on a 2-core machine, and the ratio rounds must load both sides alike.
 */
function watchBackends(url, appName) {
  const max = { privateKb: 0, anonKb: 0 };
  let stop = false;
  const loop = (async () => {
    const c = new pg.Client({ connectionString: url, application_name: 'bench-watch' });
    await c.connect();
    try {
      while (!stop) {
        const { rows } = await c.query(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
          [appName],
        );
        for (const { pid } of rows) {
          try {
            const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
            max.privateKb = Math.max(
              max.privateKb,
              kbOf(t, /^Private_(?:Clean|Dirty):\s+(\d+) kB/gm),
            );
            max.anonKb = Math.max(max.anonKb, kbOf(t, /^Pss_Anon:\s+(\d+) kB/gm));
          } catch {} // the backend ended between the query and the read
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await c.end().catch(() => {});
    }
  })();
  // Awaited only when the round ends: hold a failure until then instead of an unhandled rejection.
  loop.catch(() => {});
  return async () => {
    stop = true;
    await loop;
    return max;
  };
}

// Column names carry a per-run tag so that BENCH_KEEP=1 runs can repeat on one fleet.
const RUN = Date.now().toString(36);
const migration = (round) =>
  `ALTER TABLE accounts ADD COLUMN c${round}_${RUN} text;\nALTER TABLE projects ADD COLUMN d${round}_${RUN} timestamptz;\n`;

/** The baseline: the same statements, two psql streams, one transaction per schema with the tenant lock and a bookkeeping insert. */
async function psqlStreams(url, n, round) {
  const files = [0, 1].map((k) => {
    let sql = '';
    for (let i = k; i < n; i += 2) {
      sql += `BEGIN;
SELECT pg_advisory_xact_lock(hashtext('tenantctl'), hashtext('tenant:org_t${i}'));
SET LOCAL search_path TO org_t${i}, public;
${migration(round)}INSERT INTO tenantctl.bench_psql_migrations (tenant_id, migration_id, name, hash) SELECT id, ${round}, 'm${round}', 'x' FROM tenantctl.tenants WHERE slug = 't${i}';
COMMIT;
`;
    }
    const f = path.join(out, `migrate-stream-${k}.sql`);
    writeFileSync(f, sql);
    return f;
  });
  const t0 = process.hrtime.bigint();
  await Promise.all(
    files.map((f) =>
      timed('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', f], {
        stdout: 'ignore',
      }),
    ),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function tenantctlRun(url, dir, round, concurrency = 2, { watch = false } = {}) {
  writeFileSync(path.join(dir, `${round}_round${round}.sql`), migration(round));
  const stopWatch = watch ? watchBackends(url, 'tenantctl') : async () => null;
  const r = await timed(
    process.execPath,
    [BIN, 'migrate', '--concurrency', String(concurrency), '--json', '-q'],
    { env: { DATABASE_URL: url, TENANTCTL_MIGRATIONS_DIR: dir } },
  );
  const backend = await stopWatch();
  const summary = JSON.parse(r.stdout);
  writeFileSync(path.join(out, `migrate-tenantctl-round-${round}.json`), r.stdout); // per-tenant durations, for diagnosis
  if (summary.succeeded !== FLEET || summary.tenants.some((t) => t.status !== 'applied'))
    throw new Error(`tenantctl round ${round} did not migrate every tenant`);
  return { seconds: r.seconds, rssKb: r.rssKb, backend };
}

async function shellLoop(url, n, round) {
  const script = path.join(out, 'migrate-loop.sh');
  writeFileSync(
    script,
    `set -e\nfor i in $(seq 0 ${n - 1}); do\n  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c "BEGIN; SET LOCAL search_path TO org_t$i, public; ${migration(round).replace(/\n/g, ' ')} COMMIT;" >/dev/null\ndone\n`,
  );
  const r = await timed('bash', [script, url]);
  return r.seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fleetUrl = await ensureFleet(FLEET);
const fleetName = `bench_fleet_${FLEET}`;
const results = {
  bench: 'migrate',
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  server: await serverVersion(fleetUrl),
  fleet: FLEET,
};

// 1. tenantctl vs two psql streams on one copy of the fleet, alternating rounds (each round a new
// metadata-only migration) so that load drifting on a shared machine hits both sides alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const migDir = mkdtempSync(path.join(os.tmpdir(), 'bench-mig-'));
const IN_PLACE = process.env.BENCH_IN_PLACE === '1';
const url = IN_PLACE ? fleetUrl : await cloneDb(fleetName, 'bench_migrate');
results.inPlace = IN_PLACE;
// A kept fleet (BENCH_KEEP=1) carries the last run's bookkeeping, made from other migration files:
// every run starts from tenants with nothing recorded.
await query(url, 'DROP TABLE IF EXISTS tenantctl.bench_psql_migrations');
await query(url, 'TRUNCATE tenantctl.tenant_migrations, tenantctl.migration_failures');
await query(
  url,
  'CREATE TABLE tenantctl.bench_psql_migrations (LIKE tenantctl.tenant_migrations INCLUDING ALL)',
);
const psqlTimes = [];
const tcRuns = [];
for (let round = 1; round <= ROUNDS; round++) {
  psqlTimes.push(await psqlStreams(url, FLEET, 100 + round));
  tcRuns.push(await tenantctlRun(url, migDir, round));
  console.error(
    `round ${round}: psql ${psqlTimes.at(-1).toFixed(2)}s, tenantctl ${tcRuns.at(-1).seconds.toFixed(2)}s`,
  );
}
const psqlSeconds = median(psqlTimes);
const tcSeconds = median(tcRuns.map((r) => r.seconds));
Object.assign(results, {
  rounds: ROUNDS,
  psqlStreamsSeconds: psqlTimes.map((x) => +x.toFixed(2)),
  tenantctlSeconds: tcRuns.map((r) => +r.seconds.toFixed(2)),
  ratioVsPsqlStreams: +(tcSeconds / psqlSeconds).toFixed(3),
});

// tenantctl's default concurrency (4) on the same 2 cores: a worker's round trip overlaps another's
// work. This round also samples the backends' memory (kept out of the ratio rounds).
const c4 = await tenantctlRun(url, migDir, ROUNDS + 1, 4, { watch: true });
results.tenantctlPeakRssMb = +(Math.max(c4.rssKb, ...tcRuns.map((r) => r.rssKb)) / 1024).toFixed(0);
results.largestBackendPrivateMb = +(c4.backend.privateKb / 1024).toFixed(1);
results.largestBackendAnonMb = +(c4.backend.anonKb / 1024).toFixed(1);
results.tenantctlConcurrency4Seconds = +c4.seconds.toFixed(2);
results.ratioConcurrency4VsPsqlStreams = +(c4.seconds / psqlSeconds).toFixed(3);

// 3a. nothing pending over the fleet
const noop = await timed(process.execPath, [BIN, 'migrate', '--json', '-q'], {
  env: { DATABASE_URL: url, TENANTCTL_MIGRATIONS_DIR: migDir },
});
results.nothingPendingFleetSeconds = +noop.seconds.toFixed(3);

// 2. what operators write today: a shell loop running psql once per schema (BENCH_LOOP=0 skips it)
if (process.env.BENCH_LOOP !== '0') {
  results.shellLoopSeconds = +(await shellLoop(url, FLEET, 200)).toFixed(2);
  results.ratioVsShellLoop = +(tcSeconds / results.shellLoopSeconds).toFixed(3);
}
if (IN_PLACE) {
  if (!process.env.BENCH_KEEP) await dropDb(fleetName);
} else if (!process.env.BENCH_KEEP) await dropDb('bench_migrate', { roles: false });

// 3b. nothing pending over a registry of REGISTRY tenants with 20 migrations each (no tenant is touched) (BENCH_REGISTRY=0 skips it)
if (REGISTRY > 0) {
  const regUrl = await freshDb('bench_migrate_registry');
  await timed(process.execPath, [BIN, 'init', '-q'], { env: { DATABASE_URL: regUrl } });
  const regDir = mkdtempSync(path.join(os.tmpdir(), 'bench-reg-'));
  for (let i = 1; i <= 20; i++)
    writeFileSync(path.join(regDir, `${i}_m${i}.sql`), `CREATE TABLE m${i} (id int);\n`);
  const { loadMigrationFiles } = (await import('postgres-migrations')).default;
  const files = (await loadMigrationFiles(regDir)).filter((f) => f.id > 0);
  await query(
    regUrl,
    `INSERT INTO tenantctl.tenants (slug, schema_name, template, rw_role, ro_role)
    SELECT 'r' || i, 'org_r' || i, 'default', 'x', 'y' FROM generate_series(1, $1) i`,
    [REGISTRY],
  );
  await query(
    regUrl,
    `INSERT INTO tenantctl.tenant_migrations (tenant_id, migration_id, name, hash)
    SELECT t.id, f.id, f.name, f.hash FROM tenantctl.tenants t,
    jsonb_to_recordset($1::jsonb) AS f(id int, name text, hash text)`,
    [JSON.stringify(files.map(({ id, name, hash }) => ({ id, name, hash })))],
  );
  await query(regUrl, 'ANALYZE');
  const reg = await timed(process.execPath, [BIN, 'migrate', '--json', '-q'], {
    env: { DATABASE_URL: regUrl, TENANTCTL_MIGRATIONS_DIR: regDir },
  });
  const regSummary = JSON.parse(reg.stdout);
  if (regSummary.succeeded !== REGISTRY || regSummary.tenants.some((t) => t.status !== 'current'))
    throw new Error('registry run was not a no-op');
  results.registryTenants = REGISTRY;
  results.nothingPendingRegistrySeconds = +reg.seconds.toFixed(3);
  results.nothingPendingRegistryRssMb = +(reg.rssKb / 1024).toFixed(0);
  if (!process.env.BENCH_KEEP) await dropDb('bench_migrate_registry');
}

results.targets = 'ratioVsPsqlStreams <= 1.5; nothingPending < 1 s';
console.log(JSON.stringify(results, null, 2));
