#!/usr/bin/env node
// Builds (once) a database `bench_fleet_<N>` holding N registered tenants of the 40-table template,
// for benches that need a big fleet. Provisioning speed is not what these benches measure, so the
// fixture is made with plain SQL in batches (synchronous_commit off), registered exactly as
// tenantctl registers tenants. Reused when it already holds N tenants.
//   node bench/fixture.mjs 2000     -> prints the database URL
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, TEMPLATE_40, dbUrl, freshDb, query, timed } from './lib.mjs';
import pg from 'pg';

function tenantSql(j, tag, template) {
  const s = `org_t${j}`;
  const rw = `${s}_${tag}_rw`;
  const ro = `${s}_${tag}_ro`;
  return `CREATE SCHEMA ${s}; CREATE ROLE ${rw} NOLOGIN; CREATE ROLE ${ro} NOLOGIN;
SET LOCAL search_path TO ${s}, public;
${template}
GRANT USAGE ON SCHEMA ${s} TO ${rw}, ${ro};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${rw};
GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${ro};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${rw};
GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${ro};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${rw};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${ro};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${rw};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON SEQUENCES TO ${ro};
INSERT INTO tenantctl.tenants (slug, schema_name, template, rw_role, ro_role) VALUES ('t${j}', '${s}', '${TEMPLATE_40}', '${rw}', '${ro}');
`;
}

export async function ensureFleet(n, { log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const name = `bench_fleet_${n}`;
  const url = dbUrl(name);
  try {
    const { rows } = await query(url, `SELECT count(*)::int AS n FROM tenantctl.tenants`);
    if (rows[0].n === n) return url;
  } catch {}
  log(`building ${name}: ${n} tenants x 40 tables (one-off; reused by later runs)`);
  await freshDb(name);
  await timed(process.execPath, [BIN, 'init', '-q'], { env: { DATABASE_URL: url } });
  const template = readdirSync(TEMPLATE_40).filter((f) => f.endsWith('.sql')).sort().map((f) => readFileSync(path.join(TEMPLATE_40, f), 'utf8')).join('\n');
  const tag = (await query(url, `SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`)).rows[0].value;
  const started = Date.now();
  const batch = 10;
  let next = 0;
  let done = 0;
  // Two streams, like the two cores of the bench machine.
  const stream = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('SET synchronous_commit = off');
    while (next < n) {
      const i = next;
      next += batch;
      let sql = 'BEGIN;\n';
      for (let j = i; j < Math.min(n, i + batch); j++) sql += tenantSql(j, tag, template);
      await c.query(`${sql}COMMIT;`);
      done += Math.min(n, i + batch) - i;
      if (done % 500 < batch) log(`  ${done}/${n} (${((Date.now() - started) / 1000).toFixed(0)}s)`);
    }
    await c.end();
  };
  await Promise.all([stream(), stream()]);
  await query(url, 'VACUUM ANALYZE');
  log(`built ${name} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  return url;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await ensureFleet(Number(process.argv[2] ?? 2000)));
}
