#!/usr/bin/env node
// bench/export: `tenantctl export` side by side with `pg_dump -n <schema> | gzip`, in one run.
//  1. one tenant of bench_fleet_2000 (2,000 schemas x 40 tables; built by bench/fixture.mjs, used
//     read-only: the export runs on a default_transaction_read_only connection, so not even its
//     audit record is written);
//  2. one tenant holding BENCH_BIG_MB (default 1024) MB of rows, in its own database
//     bench_export_big, dropped afterwards: throughput.
// BENCH_DATABASE_URL=admin URL; BENCH_SKIP_FLEET=1 / BENCH_SKIP_BIG=1 to run one half.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, dbUrl, freshDb, dropDb, timed, query, machine, serverVersion } from './lib.mjs';

const out = path.join(ROOT, 'bench', 'out', 'export');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024);
const mb = (kb) => (kb / 1024).toFixed(0);

function readOnly(url) {
  const u = new URL(url);
  u.searchParams.set('options', '-c default_transaction_read_only=on');
  return u.toString();
}

async function side(url, slug, schema, tag) {
  const archive = path.join(out, `${tag}-tenantctl.tar.gz`);
  const dump = path.join(out, `${tag}-pg_dump.sql.gz`);
  const t = await timed(process.execPath, [BIN, 'export', slug, '-o', archive, '-q'], {
    env: { DATABASE_URL: readOnly(url) },
  });
  const p = await timed('sh', ['-c', `pg_dump -n '${schema}' -d '${url}' | gzip > '${dump}'`]);
  return { t, p, archiveBytes: statSync(archive).size, dumpBytes: statSync(dump).size };
}

function report(title, r, extra = '') {
  console.log(`\n## ${title}`);
  console.log(
    `tenantctl export : ${r.t.seconds.toFixed(2)} s, peak RSS ${mb(r.t.rssKb)} MB, ${(r.archiveBytes / 2 ** 20).toFixed(1)} MiB archive`,
  );
  console.log(
    `pg_dump -n | gzip: ${r.p.seconds.toFixed(2)} s, peak RSS ${mb(r.p.rssKb)} MB, ${(r.dumpBytes / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log(`time ratio tenantctl/pg_dump: ${(r.t.seconds / r.p.seconds).toFixed(3)}${extra}`);
}

console.log(`# export bench, ${new Date().toISOString()}, ${machine()}`);

if (!process.env.BENCH_SKIP_FLEET) {
  const url = dbUrl('bench_fleet_2000');
  const { rows } = await query(url, `SELECT count(*)::int AS n FROM tenantctl.tenants`).catch(
    () => ({ rows: [{ n: 0 }] }),
  );
  if (rows[0].n !== 2000) {
    console.log(
      '\nbench_fleet_2000 is not complete yet (see bench/fixture.mjs); skipping the fleet half',
    );
  } else {
    console.log(`server ${await serverVersion(url)}`);
    const {
      rows: [t],
    } = await query(
      url,
      `SELECT slug, schema_name FROM tenantctl.tenants ORDER BY id OFFSET 1000 LIMIT 1`,
    );
    const {
      rows: [c],
    } = await query(
      url,
      `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r'`,
      [t.schema_name],
    );
    report(
      `one tenant (${t.schema_name}, ${c.n} tables) among 2,000 schemas`,
      await side(url, t.slug, t.schema_name, 'fleet'),
    );
  }
}

if (!process.env.BENCH_SKIP_BIG) {
  const name = 'bench_export_big';
  const url = await freshDb(name);
  try {
    await timed(process.execPath, [BIN, 'init', '-q'], { env: { DATABASE_URL: url } });
    await timed(process.execPath, [BIN, 'create', 'big', '-q'], { env: { DATABASE_URL: url } });
    // ~200 bytes a row of mixed types; filled in slices so no single statement runs for minutes.
    await query(
      url,
      `CREATE TABLE org_big.events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, amount numeric(12,2), payload jsonb, note text)`,
    );
    const rowsPerMb = 6100;
    const total = BIG_MB * rowsPerMb;
    const slice = 500_000;
    for (let from = 1; from <= total; from += slice) {
      await query(
        url,
        `INSERT INTO org_big.events SELECT g, timestamptz '2024-01-01' + g * interval '1 second', 'kind_' || (g % 17), (g % 100000) / 100.0,
                          jsonb_build_object('g', g, 'tag', md5(g::text)), repeat(md5(g::text), 1) || E'\\t' || g
                        FROM generate_series($1::bigint, $2::bigint) g`,
        [from, Math.min(total, from + slice - 1)],
      );
    }
    const {
      rows: [s],
    } = await query(
      url,
      `SELECT pg_table_size('org_big.events')::bigint AS bytes, (SELECT count(*) FROM org_big.events)::bigint AS n`,
    );
    const bytes = Number(s.bytes);
    const r = await side(url, 'big', 'org_big', 'big');
    const tput = (sec) => (bytes / 2 ** 20 / sec).toFixed(1);
    report(
      `one tenant with ${(bytes / 2 ** 20).toFixed(0)} MiB of rows (${s.n} rows)`,
      r,
      `\nthroughput: tenantctl ${tput(r.t.seconds)} MiB/s, pg_dump|gzip ${tput(r.p.seconds)} MiB/s, ratio ${(r.p.seconds / r.t.seconds).toFixed(2)}x of pg_dump`,
    );
  } finally {
    await dropDb(name);
  }
}
