import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  truncateSync,
  statSync,
  copyFileSync,
  mkdirSync,
  existsSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';

let db: TestDb;
let env: Record<string, string>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-archive-cli-'));
let archive: string;

/** Everything an import could have left behind. */
async function traces(slug: string, schema: string) {
  const t = await db.query('SELECT count(*)::int AS n FROM tenantctl.tenants WHERE slug = $1', [
    slug,
  ]);
  const s = await db.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [
    schema,
  ]);
  // Roles are cluster-wide and other test files have tenants of the same name: match this database's tag.
  const tag = (await db.query(`SELECT value FROM tenantctl.settings WHERE key = 'role_tag'`))
    .rows[0].value;
  const r = await db.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN ($1, $2)`, [
    `${schema}_${tag}_rw`,
    `${schema}_${tag}_ro`,
  ]);
  return t.rows[0].n + s.rows[0].n + r.rows[0].n;
}

/** Rebuilds an archive from an extracted directory, entries in the original order. */
function repack(src: string, edit: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(tmp, 'x-'));
  execFileSync('tar', ['-xzf', src, '-C', dir]);
  const order = execFileSync('tar', ['-tzf', src], { encoding: 'utf8' }).trim().split('\n');
  edit(dir);
  const out = path.join(tmp, `${path.basename(dir)}.tar.gz`);
  execFileSync('tar', ['-czf', out, '-C', dir, ...order]);
  return out;
}

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, XDG_DATA_HOME: tmp };
  expect((await runCli(['init'], { env })).code).toBe(0);
  expect((await runCli(['create', 'acme', 'globex', 'initech'], { env })).code).toBe(0);
  await db.query(
    `INSERT INTO org_acme.users (auth_id, email) SELECT 'a' || g, 'u' || g || '@x' FROM generate_series(1, 500) g`,
  );
  const r = await runCli(['export', 'acme', '-o', path.join(tmp, 'acme.tar.gz'), '--json'], {
    env,
  });
  expect(r.code, r.stderr).toBe(0);
  archive = r.result().file;
});
afterAll(async () => db?.cleanup());

describe('export / import / verify from the command line', () => {
  it('export -o writes the archive; --json result on stdout; verify says ok', async () => {
    expect(archive).toBe(path.join(tmp, 'acme.tar.gz'));
    const v = await runCli(['export', 'verify', archive, '--json']);
    expect(v.code).toBe(0);
    expect(v.result()).toMatchObject({ ok: true, slug: 'acme', tables: 3 });
    const human = await runCli(['export', 'verify', archive]);
    expect(human.stdout).toMatch(/^ok: .*acme/);
  });

  it('import --as restores a clone; importing over an existing tenant is refused with nothing created', async () => {
    const ok = await runCli(['import', archive, '--as', 'acme-2', '--json'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.result()).toMatchObject({ slug: 'acme-2', schema: 'org_acme_2', tables: 3 });
    const again = await runCli(['import', archive], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/tenant "acme" already exists/);
    const count = await db.query(`SELECT count(*)::int AS n FROM org_acme_2.users`);
    expect(count.rows[0].n).toBe(500);
  });

  it('refuses damaged archives before touching the database: truncated, altered data, wrong format version', async () => {
    const truncated = path.join(tmp, 'truncated.tar.gz');
    copyFileSync(archive, truncated);
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
    const altered = repack(archive, (dir) => {
      const f = path.join(
        dir,
        'data',
        readdirSync(path.join(dir, 'data')).find(
          (n) => statSync(path.join(dir, 'data', n)).size > 1000,
        )!,
      );
      const buf = readFileSync(f);
      buf[100] = buf[100] === 0x61 ? 0x62 : 0x61;
      writeFileSync(f, buf);
    });
    const future = repack(archive, (dir) => {
      const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      m.formatVersion = 99;
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    });
    const cases: [string, RegExp][] = [
      [truncated, /truncated/],
      [altered, /does not match its checksum/],
      [future, /format version 99 is not supported/],
      [path.join(tmp, 'missing.tar.gz'), /does not exist/],
    ];
    for (const [file, why] of cases) {
      const r = await runCli(['import', file, '--as', 'damaged'], { env });
      expect(r.code, file).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(await traces('damaged', 'org_damaged')).toBe(0);
      const v = await runCli(['export', 'verify', file]);
      // a damaged archive is a failed check (1); one that is not there, an input error (2) as for import
      expect(v.code, file).toBe(file.endsWith('missing.tar.gz') ? 2 : 1);
      expect(v.stderr).toMatch(why);
    }
  });

  it('refuses an archive whose migrations do not match the local directory unless --force', async () => {
    const dir = path.join(tmp, 'migs');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '1_add.sql'), 'CREATE TABLE extra (id int);\n');
    const db2 = await freshDatabase();
    try {
      const env2 = { DATABASE_URL: db2.url, XDG_DATA_HOME: tmp };
      await runCli(['init'], { env: env2 });
      expect((await runCli(['create', 'src', '--migrations-dir', dir], { env: env2 })).code).toBe(
        0,
      );
      const file = path.join(tmp, 'src.tar.gz');
      expect((await runCli(['export', 'src', '-o', file], { env: env2 })).code).toBe(0);
      writeFileSync(path.join(dir, '1_add.sql'), 'CREATE TABLE extra (id bigint);\n');
      const refused = await runCli(['import', file, '--as', 'src2', '--migrations-dir', dir], {
        env: env2,
      });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/1_add\.sql differs/);
      expect(refused.stderr).toMatch(/--force/);
      const forced = await runCli(
        ['import', file, '--as', 'src2', '--migrations-dir', dir, '--force'],
        { env: env2 },
      );
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toMatch(/warning: --force: migration 1_add\.sql differs/);
    } finally {
      await db2.cleanup();
    }
  });

  it('export of what an archive cannot carry is exit 1, nothing written; --allow-incomplete writes it and every command says what is missing', async () => {
    await runCli(['create', 'gaps'], { env });
    await db.query(
      `CREATE TYPE org_gaps.mood AS ENUM ('a'); CREATE CAST (text AS org_gaps.mood) WITH INOUT`,
    );
    const out = path.join(tmp, 'gaps');
    mkdirSync(out);
    const refused = await runCli(['export', 'gaps', '--out-dir', out], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cast from text to .*mood/);
    expect(refused.stderr).toMatch(/--allow-incomplete/);
    expect(readdirSync(out)).toEqual([]);
    const r = await runCli(['export', 'gaps', '--out-dir', out, '--allow-incomplete', '--json'], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.result().gaps).toHaveLength(1);
    expect(r.stderr).toMatch(/not in the archive: cast from text/);
    const v = await runCli(['export', 'verify', r.result().file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/INCOMPLETE: 1 object/);
    const imp = await runCli(['import', r.result().file, '--as', 'gaps-copy'], { env });
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(/exported with --allow-incomplete: 1 object\(s\) not restored/);
    const info = await runCli(['info', 'gaps-copy'], { env });
    expect(info.stdout).toMatch(
      /missing +imported from an incomplete archive; not restored: cast from text/,
    );
    // the tenant with the cast would fail the nightly export below
    const dropped = await runCli(['drop', 'gaps', '--yes'], { env });
    expect(dropped.code, dropped.stderr).toBe(0);
  });

  it('export verify --restore proves an archive restores (exit 0), and fails (exit 1) on one that does not; export --verify-restore', async () => {
    const ok = await runCli(['export', 'verify', '--restore', archive, '--json'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.result()).toMatchObject({ ok: true, slug: 'acme', problems: [] });
    const broken = repack(archive, (dir) => {
      const f = path.join(dir, 'post-data.sql');
      writeFileSync(f, `${readFileSync(f, 'utf8')}CREATE INDEX ON no_such_table (x);\n`);
      const mf = path.join(dir, 'manifest.json');
      const m = JSON.parse(readFileSync(mf, 'utf8'));
      const body = readFileSync(f);
      m.files['post-data.sql'] = {
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      };
      writeFileSync(mf, JSON.stringify(m));
    });
    expect((await runCli(['export', 'verify', broken])).code).toBe(0);
    const caught = await runCli(['export', 'verify', '--restore', broken], { env });
    expect(caught.code).toBe(1);
    expect(caught.stderr).toMatch(/does not restore.*no_such_table/s);
    const fresh = await runCli(
      ['export', 'acme', '--out-dir', path.join(tmp, 'checked'), '--verify-restore'],
      { env },
    );
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/restore verified in \d+ ms/);
  });

  it('import --as refuses a function whose body names the source schema (exit 2, nothing created) unless --force', async () => {
    await runCli(['create', 'named'], { env });
    await db.query(
      `CREATE FUNCTION org_named.n() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*)\n FROM org_named.users $$`,
    );
    const file = path.join(tmp, 'named.tar.gz');
    expect((await runCli(['export', 'named', '-o', file], { env })).code).toBe(0);
    const refused = await runCli(['import', file, '--as', 'named-copy'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /function n\(\) names the archive's schema org_named in its body \(line 2: FROM org_named\.users\)/,
    );
    expect(refused.stderr).toMatch(/--force/);
    expect(await traces('named-copy', 'org_named_copy')).toBe(0);
    const forced = await runCli(['import', file, '--as', 'named-copy', '--force'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/names its schema org_named in its body/);
  });

  it('an unreachable output directory is exit 2 and leaves no file', async () => {
    const r = await runCli(['export', 'acme', '-o', path.join(tmp, 'nope', 'a.tar.gz')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(path.join(tmp, 'nope'))).toBe(false);
  });

  it('export --all --keep keeps the newest archives per tenant; a failed tenant makes it partial (exit 3)', async () => {
    const out = path.join(tmp, 'nightly');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['export', '--all', '--out-dir', out, '--keep', '1', '--json'], {
        env,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.result().tenants.every((t: any) => t.ok)).toBe(true);
    }
    const files = readdirSync(out).sort();
    expect(files.filter((f) => /^acme-\d{8}T/.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^acme-2-\d{8}T/.test(f))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('globex-'))).toHaveLength(1);
    expect(files.filter((f) => f.includes('.partial-'))).toEqual([]);
    // A registered tenant whose schema vanished fails on its own; the others are exported.
    await db.query('DROP SCHEMA org_initech CASCADE');
    const partial = await runCli(['export', '--all', '--out-dir', out, '--keep', '2'], { env });
    expect(partial.code).toBe(3);
    expect(partial.stdout).toMatch(/failed\s+initech/);
    expect(partial.stdout).toMatch(/exported globex/);
    expect(readdirSync(out).filter((f) => f.startsWith('globex-'))).toHaveLength(2);
  });

  it('drop --backup-to exports and verifies before dropping', async () => {
    const dir = path.join(tmp, 'before-drop');
    const r = await runCli(['drop', 'globex', '--yes', '--backup-to', dir, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const backup = r.result().backup;
    expect(path.dirname(backup)).toBe(dir);
    expect((await runCli(['export', 'verify', backup])).code).toBe(0);
    expect(await traces('globex', 'org_globex')).toBe(0);
    const back = await runCli(['import', backup], { env });
    expect(back.code, back.stderr).toBe(0);
  });
});
