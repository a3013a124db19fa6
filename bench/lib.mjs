// Shared bench helpers: databases on the bench server, timed subprocesses with peak RSS.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';
import { readdirSync, readFileSync } from 'node:fs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'tenantctl');
export const TEMPLATE_40 = path.join(ROOT, 'bench', 'template-40');
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function dbUrl(name) {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function query(url, sql, params = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** Drops (with the roles its control schema tagged) and recreates a database. */
export async function freshDb(name) {
  await dropDb(name);
  await query(ADMIN_URL, `CREATE DATABASE "${name}"`);
  return dbUrl(name);
}

/**
 * A copy of a fixture database (directory copy: fast even with 80,000 tables). The copy shares
 * the fixture's tenant roles, so it must be dropped with dropDb(name, { roles: false }).
 */
export async function cloneDb(source, name) {
  await dropDb(name, { roles: false });
  for (let attempt = 0; ; attempt++) {
    try {
      await query(ADMIN_URL, `CREATE DATABASE "${name}" TEMPLATE "${source}" STRATEGY FILE_COPY`);
      return dbUrl(name);
    } catch (err) {
      // someone is connected to the fixture; it is shared, so wait for them to finish
      if (!/being accessed by other users/.test(err.message) || attempt > 120) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function dropDb(name, { roles = true } = {}) {
  const exists =
    (await query(ADMIN_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0;
  if (!exists) return;
  let tag;
  try {
    tag = (await query(dbUrl(name), `SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
      .rows[0]?.value;
  } catch {}
  await query(ADMIN_URL, `DROP DATABASE "${name}" WITH (FORCE)`);
  if (!roles) return;
  const patterns = [`^${name}_`];
  if (tag) patterns.push(`_${tag}_r[wo]$`);
  const { rows } = await query(ADMIN_URL, 'SELECT rolname FROM pg_roles WHERE rolname ~ ANY($1)', [
    patterns,
  ]);
  // Many roles: drop in batches to keep statements small.
  for (let i = 0; i < rows.length; i += 500) {
    await query(
      ADMIN_URL,
      rows
        .slice(i, i + 500)
        .map((r) => `DROP ROLE IF EXISTS "${r.rolname}";`)
        .join('\n'),
    );
  }
}

/** Runs a command; resolves with wall seconds and peak RSS (kB) of the process tree's largest member via /usr/bin/time. */
export function timed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '__RSS_KB=%M', cmd, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'],
      cwd: opts.cwd ?? ROOT,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /__RSS_KB=(\d+)/.exec(err);
      if (code !== 0 && !opts.allowFail)
        return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      resolve({
        seconds,
        rssKb: m ? Number(m[1]) : null,
        code,
        stdout: out,
        stderr: err.replace(/__RSS_KB=\d+\n?/, ''),
      });
    });
  });
}

export function machine() {
  return `${require_os().cpus().length} cores (${require_os().cpus()[0].model}), ${(require_os().totalmem() / 2 ** 30).toFixed(0)} GiB`;
}
import os from 'node:os';
function require_os() {
  return os;
}

export async function serverVersion(url) {
  return (await query(url, 'SHOW server_version')).rows[0].server_version;
}

/**
 * What tenantctl does for one tenant, as plain SQL: schema, roles, schema usage and default
 * privileges (before the template, so its tables are granted as they are created, as `create`
 * does), then the template with search_path set. Callers add their own registry insert and lock.
 */
export function tenantSetupSql(schema, rw, ro, templateSql) {
  return `CREATE SCHEMA ${schema}; CREATE ROLE ${rw} NOLOGIN; CREATE ROLE ${ro} NOLOGIN;
GRANT USAGE ON SCHEMA ${schema} TO ${rw}, ${ro};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${rw};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${ro};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${rw};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT ON SEQUENCES TO ${ro};
SET LOCAL search_path TO ${schema}, public;
${templateSql}
`;
}

export function templateSql(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}
