import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';

let db: TestDb;
let env: Record<string, string>;
const emptyHome = mkdtempSync(path.join(os.tmpdir(), 'tctl-home-'));

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, XDG_DATA_HOME: emptyHome };
});
afterAll(async () => db?.cleanup());

describe('tenantctl as a subprocess, without a TTY', () => {
  it('--help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: tenantctl/);
    for (const c of ['init', 'create', 'list', 'info', 'drop', 'dev'])
      expect(help.stdout).toContain(c);
    const v = await runCli(['--version']);
    expect(v.stdout.trim()).toMatch(/^tenantctl \d+\.\d+\.\d+\nnode v\d+/);
  });

  it('nothing configured: exit 2 naming DATABASE_URL and `tenantctl dev up`', async () => {
    const r = await runCli(['list'], { env: { XDG_DATA_HOME: emptyHome } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DATABASE_URL/);
    expect(r.stderr).toMatch(/tenantctl dev up/);
  });

  it('unreachable server and missing database: one line naming host, port and database, exit 1, no stack', async () => {
    const r = await runCli(['list'], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1\/nowhere/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const u = new URL(db.url);
    u.pathname = '/no_such_db_here';
    const m = await runCli(['list'], { env: { DATABASE_URL: u.toString() } });
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/no_such_db_here.*database "no_such_db_here" does not exist/);
  });

  it('reads the libpq variables like psql', async () => {
    const u = new URL(db.url);
    const r = await runCli(['init', '--json'], {
      env: {
        PGHOST: u.hostname,
        PGPORT: u.port,
        PGUSER: 'postgres',
        PGDATABASE: db.name,
        XDG_DATA_HOME: emptyHome,
      },
    });
    expect(r.code).toBe(0);
    expect(r.result().controlSchema).toBe('tenantctl');
  });

  it('create, list and info with --json: one JSON document on stdout, humans on stderr', async () => {
    const c = await runCli(['create', 'alpha', 'beta', '--json'], { env });
    expect(c.code).toBe(0);
    expect(c.result().tenants.map((t: { slug: string }) => t.slug)).toEqual(['alpha', 'beta']);
    const l = await runCli(['list', '--json'], { env });
    expect(l.result().tenants.map((t: { slug: string }) => t.slug)).toEqual(['alpha', 'beta']);
    const i = await runCli(['info', 'alpha', '--json'], { env });
    expect(i.result().tenant.schema).toBe('org_alpha');
    const human = await runCli(['list'], { env });
    expect(human.stdout).toMatch(/alpha\s+org_alpha\s+active/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape codes
    expect(human.stdout).not.toMatch(/\x1b\[/);
  });

  it('bad input: exit 2, one line per problem, database unchanged', async () => {
    const before = await db.query(`SELECT count(*)::int AS n FROM pg_namespace`);
    for (const bad of [
      'x; drop schema public cascade; --',
      'a"b',
      '../etc',
      'x'.repeat(70),
      'café',
    ]) {
      const r = await runCli(['create', bad], { env });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/invalid slug|characters; schema/);
      expect(r.stdout).toBe('');
    }
    const json = await runCli(['create', 'a"b', '--json'], { env });
    expect(json.code).toBe(2);
    expect(json.json().error.exitCode).toBe(2);
    const after = await db.query(`SELECT count(*)::int AS n FROM pg_namespace`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('unknown option and bad flag values are usage errors', async () => {
    expect((await runCli(['create', 'x', '--bogus'], { env })).code).toBe(2);
    expect((await runCli(['create', 'x', '--concurrency', '0'], { env })).code).toBe(2);
    expect((await runCli(['list', '--status', 'sleeping'], { env })).code).toBe(2);
  });

  it('invalid config file: exit 2 listing every problem', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-cfg-'));
    writeFileSync(
      path.join(dir, 'tenantctl.config.json'),
      JSON.stringify({ schemaPrefix: 'X', concurrency: -1 }),
    );
    const r = await runCli(['list'], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 problems/);
  });

  it('create without a slug and without a TTY is a usage error', async () => {
    const r = await runCli(['create'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no slug given/);
  });

  it('drop needs --yes without a TTY, then drops', async () => {
    const r = await runCli(['drop', 'beta'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'org_beta'`)).rowCount).toBe(
      1,
    );
    const ok = await runCli(['drop', 'beta', '--yes', '--json'], { env });
    expect(ok.code).toBe(0);
    expect(ok.result().schema).toBe('org_beta');
    expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'org_beta'`)).rowCount).toBe(
      0,
    );
  });

  it('an unknown tenant is exit 1 with its name', async () => {
    const r = await runCli(['info', 'ghost'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no tenant "ghost"/);
  });
});
