#!/usr/bin/env node
// bench/provision: N tenants (default 300) of the 40-table template, created by
// `tenantctl create --concurrency 2` and by the same SQL through two psql streams (one transaction
// per tenant), in one run. Prints the ratio. BENCH_TENANTS=N, BENCH_DATABASE_URL=admin URL.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  BIN,
  TEMPLATE_40,
  ROOT,
  freshDb,
  dropDb,
  timed,
  query,
  machine,
  serverVersion,
  tenantSetupSql,
  templateSql,
} from './lib.mjs';

const N = Number(process.env.BENCH_TENANTS ?? 300);
const out = path.join(ROOT, 'bench', 'out');
mkdirSync(out, { recursive: true });

const template = templateSql(TEMPLATE_40);

/** What tenantctl does per tenant, as plain SQL: schema, roles, registry row, template, grants. */
function tenantSql(i) {
  const s = `org_t${i}`;
  return `BEGIN;
SELECT pg_advisory_xact_lock(hashtext('tenantctl'), hashtext('tenant:${s}'));
INSERT INTO registry (slug, schema_name) VALUES ('t${i}', '${s}');
${tenantSetupSql(s, `bench_psqlbench_${i}_rw`, `bench_psqlbench_${i}_ro`, template)}
INSERT INTO audit (what) VALUES ('create t${i}');
COMMIT;
`;
}

async function runPsql(url) {
  const streams = [0, 1].map((k) => {
    const file = path.join(out, `provision-stream-${k}.sql`);
    let sql = '';
    for (let i = k; i < N; i += 2) sql += tenantSql(i);
    writeFileSync(file, sql);
    return file;
  });
  await query(
    url,
    'CREATE TABLE registry (slug text PRIMARY KEY, schema_name text UNIQUE); CREATE TABLE audit (what text, at timestamptz DEFAULT now())',
  );
  const started = process.hrtime.bigint();
  await Promise.all(
    streams.map((f) =>
      timed('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', f], {
        stdout: 'ignore',
      }),
    ),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function runTenantctl(url) {
  const env = { DATABASE_URL: url };
  await timed(process.execPath, [BIN, 'init', '-q'], { env });
  const slugs = Array.from({ length: N }, (_, i) => `t${i}`);
  const r = await timed(
    process.execPath,
    [BIN, 'create', ...slugs, '--template', TEMPLATE_40, '--concurrency', '2', '--json'],
    { env },
  );
  return { seconds: r.seconds, rssKb: r.rssKb };
}

const psqlUrl = await freshDb('bench_psqlbench');
const tcUrl = await freshDb('bench_provision');
console.error(
  `provision bench: ${N} tenants x 40 tables, server ${await serverVersion(tcUrl)}, ${machine()}`,
);
// Interleave order so neither side always runs on a warmer server.
const psqlSeconds = await runPsql(psqlUrl);
const tc = await runTenantctl(tcUrl);
const tables = (
  await query(tcUrl, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname LIKE 'org\\_%'`)
).rows[0].n;
const psqlTables = (
  await query(psqlUrl, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname LIKE 'org\\_%'`)
).rows[0].n;
if (tables !== N * 40 || psqlTables !== N * 40)
  throw new Error(`expected ${N * 40} tables each, got tenantctl ${tables}, psql ${psqlTables}`);
const result = {
  bench: 'provision',
  tenants: N,
  psqlSeconds: +psqlSeconds.toFixed(2),
  tenantctlSeconds: +tc.seconds.toFixed(2),
  ratio: +(tc.seconds / psqlSeconds).toFixed(3),
  tenantctlPeakRssMb: tc.rssKb ? +(tc.rssKb / 1024).toFixed(0) : null,
  target: 'ratio <= 1.25',
};
console.log(JSON.stringify(result, null, 2));
if (!process.env.BENCH_KEEP) {
  await dropDb('bench_psqlbench');
  await dropDb('bench_provision');
}
