#!/usr/bin/env node
// Builds (once) a database `bench_fleet_<N>` holding N registered tenants of the 40-table template,
// for benches that need a big fleet. Provisioning speed is not what these benches measure, so the
// fixture is made with plain SQL in batches (synchronous_commit off), registered exactly as
// tenantctl registers tenants. Reused when it already holds N tenants.
//   node bench/fixture.mjs 2000     -> prints the database URL
import {
  BIN,
  TEMPLATE_40,
  dbUrl,
  freshDb,
  query,
  timed,
  tenantSetupSql,
  templateSql,
} from './lib.mjs';
import pg from 'pg';

function tenantSql(j, tag, template) {
  const s = `org_t${j}`;
  return `${tenantSetupSql(s, `${s}_${tag}_rw`, `${s}_${tag}_ro`, template)}
INSERT INTO tenantctl.tenants (slug, schema_name, template, rw_role, ro_role) VALUES ('t${j}', '${s}', '${TEMPLATE_40}', '${s}_${tag}_rw', '${s}_${tag}_ro');
`;
}

export async function ensureFleet(n, { log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const name = `bench_fleet_${n}`;
  const url = dbUrl(name);
  let have = null;
  try {
    have = new Set(
      (await query(url, `SELECT substr(slug, 2)::int AS i FROM tenantctl.tenants`)).rows.map(
        (r) => r.i,
      ),
    );
    if (have.size === n && [...have].every((i) => i < n)) {
      // a fleet built by an older tenantctl: bring its control schema up to date (idempotent)
      await timed(process.execPath, [BIN, 'init', '-q'], { env: { DATABASE_URL: url } });
      return url;
    }
  } catch {}
  if (!have || [...have].some((i) => i >= n)) {
    log(`building ${name}: ${n} tenants x 40 tables (one-off; reused by later runs)`);
    await freshDb(name);
    await timed(process.execPath, [BIN, 'init', '-q'], { env: { DATABASE_URL: url } });
    have = new Set();
  } else {
    // an interrupted build (batches commit whole; a killed client's last batch may still commit)
    log(`resuming ${name} at ${have.size}/${n}`);
  }
  const todo = Array.from({ length: n }, (_, i) => i).filter((i) => !have.has(i));
  const template = templateSql(TEMPLATE_40);
  const tag = (await query(url, `SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
    .rows[0].value;
  const started = Date.now();
  const batch = 10;
  let next = 0;
  let done = have.size;
  // Two streams, like the two cores of the bench machine.
  const stream = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('SET synchronous_commit = off');
    while (next < todo.length) {
      const slice = todo.slice(next, next + batch);
      next += batch;
      await c.query(`BEGIN;\n${slice.map((j) => tenantSql(j, tag, template)).join('')}COMMIT;`);
      done += slice.length;
      if (done % 500 < batch)
        log(`  ${done}/${n} (${((Date.now() - started) / 1000).toFixed(0)}s)`);
    }
    await c.end();
  };
  await Promise.all([stream(), stream()]);
  // The catalogs only: a database-wide VACUUM ANALYZE opens every one of the 3 M relations of a
  // 10,000-tenant fleet in one backend, whose relation cache then grew past 16 GB and was
  // OOM-killed. The tenants' tables are empty; the catalogs are what the benches read.
  const catalogs = (
    await query(
      url,
      `SELECT format('%I.%I', schemaname, relname) AS t FROM pg_stat_sys_tables WHERE schemaname = 'pg_catalog'`,
    )
  ).rows.map((r) => r.t);
  await query(url, `VACUUM (ANALYZE) ${catalogs.join(', ')}`);
  log(`built ${name} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  return url;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await ensureFleet(Number(process.argv[2] ?? 2000)));
}
