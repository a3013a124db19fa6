import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { runCli, BIN_PATH, type CliResult } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { startServers, type TestServer, type TestServers } from '../helpers/servers.js';
import { migrationsDir } from '../helpers/migrations.js';

/**
 * The fleet through the CLI: three PostgreSQL 18 servers this file starts (s2 and s3 require a
 * password), the control database on the test server. Each case has its own control schema and
 * tenant prefix (TENANTCTL_CONTROL_SCHEMA / TENANTCTL_SCHEMA_PREFIX), on the control database and
 * on every server, so cases share the servers without seeing each other.
 */

const PW2 = `pw2-${randomBytes(6).toString('hex')}`;
const PW3 = `pw3-${randomBytes(6).toString('hex')}`;
const KEY1 = randomBytes(32).toString('base64');
const KEY2 = randomBytes(32).toString('hex');

let db: TestDb;
let fleet: TestServers;
let s1: TestServer;
let s2: TestServer;
let s3: TestServer;
const emptyHome = mkdtempSync(path.join(os.tmpdir(), 'tctl-home-'));

beforeAll(async () => {
  [db, fleet] = await Promise.all([
    freshDatabase(),
    startServers(3, { passwords: { 1: PW2, 2: PW3 } }),
  ]);
  [s1, s2, s3] = fleet.servers;
});
afterAll(async () => {
  await fleet?.stopAll();
  await db?.cleanup();
});

function envFor(tag: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    XDG_DATA_HOME: emptyHome,
    TENANTCTL_CONTROL_SCHEMA: `ctl_${tag}`,
    TENANTCTL_SCHEMA_PREFIX: `${tag}_`,
    ...extra,
  };
}

async function cli(
  env: Record<string, string>,
  args: string[],
  input?: string,
): Promise<CliResult> {
  return runCli(args, { env, input });
}

/** Runs and expects exit 0, showing the output when not. */
async function ok(env: Record<string, string>, args: string[], input?: string): Promise<CliResult> {
  const r = await cli(env, args, input);
  expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

async function control<T = any>(tag: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql.replaceAll('ctl.', `ctl_${tag}.`), params)).rows as T[];
}

async function schemaOn(server: Pick<TestServer, 'query'>, schema: string): Promise<boolean> {
  const { rows } = await server.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length === 1;
}

/** tenantctl connections to the control database are gone (a killed run's backends end). */
async function controlIdle(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tenantctl'`,
      [db.name],
    );
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('tenantctl connections still open');
}

describe('tenantctl server and placement across three servers', () => {
  it('server add checks, installs the control schema, records the URL without a password; refusals are clear', async () => {
    const env = envFor('add', { S2_PASSWORD: PW2 });
    await ok(env, ['init']);
    const a = await ok(env, ['server', 'add', 's1', s1.url, '--region', 'eu-west', '--json']);
    expect(a.result()).toMatchObject({
      server: { name: 's1', url: s1.url, region: 'eu-west', state: 'active', password: 'pgpass' },
      controlSchema: { created: true },
      adopted: [],
    });
    expect(a.result().version).toMatch(/^18/);
    // installed there: the same control schema, with its own role tag
    const tag = await s1.query(`SELECT value FROM ctl_add.settings WHERE key = 'role_tag'`);
    expect(
      (await control('add', `SELECT role_tag FROM ctl.servers WHERE name = 's1'`))[0].role_tag,
    ).toBe(tag.rows[0].value);

    // a URL with a password: exit 2, never echoed, nothing recorded
    const withPw = new URL(s2.url);
    withPw.password = PW2;
    const refused = await cli(env, ['server', 'add', 's2', withPw.toString()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/carries a password; tenantctl never stores one in clear/);
    expect(refused.stderr).toMatch(/--password-env/);
    expect(refused.stdout + refused.stderr).not.toContain(PW2);
    // no password at all for a server that needs one: the connection fails, naming the server
    const noPw = await cli(env, ['server', 'add', 's2', s2.url]);
    expect(noPw.code).toBe(1);
    expect(noPw.stderr).toMatch(
      new RegExp(
        `cannot connect to 127\\.0\\.0\\.1:${s2.port}/postgres \\(from server s2\\): the server asks for a password and none is configured`,
      ),
    );
    // the code and remedy of a missing password, for a server (not PGPASSWORD, which it never gets)
    expect(noPw.stderr).toMatch(/libpq password file \(~\/\.pgpass or PGPASSFILE\)/);
    const noPwJson = await cli(env, ['server', 'add', 's2', s2.url, '--json']);
    expect(noPwJson.json().error.code).toBe('connect-no-password');
    expect(await control('add', `SELECT name FROM ctl.servers WHERE name = 's2'`)).toEqual([]);
    // from an environment variable
    const e = await ok(env, [
      'server',
      'add',
      's2',
      s2.url,
      '--password-env',
      'S2_PASSWORD',
      '--json',
    ]);
    expect(e.result().server.password).toBe('env:S2_PASSWORD');

    const dup = await cli(env, ['server', 'add', 's1', s1.url]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/server "s1" already exists/);
    const again = await cli(env, ['server', 'add', 'other', s1.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/reaches the database of server "s1"/);
    const self = await cli(env, ['server', 'add', 'self', db.url]);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/reaches the control database itself/);
    const bad = await cli(env, ['server', 'add', 'Bad Name', 'mysql://x', '--max-tenants', '0']);
    expect(bad.code).toBe(2);
    // a role that may not create roles is refused before anything is installed
    await s1.query(`CREATE ROLE add_weak LOGIN`);
    const weakUrl = new URL(s1.url);
    weakUrl.username = 'add_weak';
    await ok(envFor('addweak'), ['init']);
    const weak = await cli(envFor('addweak'), ['server', 'add', 'weak', weakUrl.toString()]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/cannot hold tenants: role add_weak lacks CREATEROLE/);
    expect(weak.stderr).toMatch(/lacks CREATE on database postgres/);

    const audit = await control(
      'add',
      `SELECT command, outcome, details FROM ctl.audit_log WHERE command LIKE 'server%' ORDER BY id`,
    );
    expect(audit.map((r) => `${r.command} ${r.outcome} ${r.details.server}`)).toEqual([
      'server add ok s1',
      'server add failed s2',
      'server add failed s2',
      'server add ok s2',
      'server add failed other',
      'server add failed self',
    ]);
    expect(JSON.stringify(audit)).not.toContain(PW2);
  });

  it('secrets are never in the control database in clear nor in any output; a wrong key is refused clearly; rotate-key', async () => {
    const key1 = { TENANTCTL_SECRET_KEY: KEY1 };
    const env = envFor('sec', { S2_PASSWORD: PW2, ...key1 });
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's2', s2.url, '--password-env', 'S2_PASSWORD']);
    // --password-stdin without a key: exit 2 before anything
    const noKey = await cli(
      envFor('sec'),
      ['server', 'add', 's3', s3.url, '--password-stdin'],
      `${PW3}\n`,
    );
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/stores the password encrypted: set TENANTCTL_SECRET_KEY/);
    const added = await ok(
      env,
      ['server', 'add', 's3', s3.url, '--password-stdin', '--json'],
      `${PW3}\n`,
    );
    const keyId1 = added.result().server.password.replace('encrypted:', '');
    expect(keyId1).toMatch(/^[0-9a-f]{8}$/);
    await ok(env, ['create', 'acme', '--server', 's3']);
    await ok(env, ['create', 'beta', '--server', 's2']);

    // the control database holds neither password, in any table of the control schema
    const tables = await control<{ t: string }>(
      'sec',
      `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'ctl_sec'`,
    );
    for (const { t } of tables) {
      const { rows } = await db.query(
        `SELECT coalesce(string_agg(x::text, E'\\n'), '') AS all FROM ${t} x`,
      );
      expect(rows[0].all, t).not.toContain(PW3);
      expect(rows[0].all, t).not.toContain(PW2);
      expect(rows[0].all, t).not.toContain(Buffer.from(PW3).toString('hex'));
    }
    const [stored] = await control('sec', `SELECT * FROM ctl.servers WHERE name = 's3'`);
    expect(stored).toMatchObject({
      password_source: 'encrypted',
      password_key_id: keyId1,
      password_env: null,
    });
    expect(stored.url).toBe(s3.url);
    // ... nor does any output, human or JSON, stdout or stderr
    for (const args of [
      ['server', 'list'],
      ['server', 'list', '--json'],
      ['server', 'check'],
      ['server', 'check', '--json'],
      ['route', 'acme'],
      ['route', 'acme', '--json'],
      ['info', 'acme', '--json'],
      ['server', 'list', '--verbose'],
    ]) {
      const r = await ok(env, args);
      expect(r.stdout + r.stderr, args.join(' ')).not.toContain(PW3);
      expect(r.stdout + r.stderr, args.join(' ')).not.toContain(PW2);
    }
    const route = (await ok(env, ['route', 'acme', '--json'])).result();
    expect(route).toEqual({
      slug: 'acme',
      server: 's3',
      region: null,
      url: s3.url,
      schema: 'sec_acme',
      searchPath: '"sec_acme", public',
      state: 'placed',
    });

    // a wrong key, no key: refused by name, exit 1
    const wrong = await cli({ ...env, TENANTCTL_SECRET_KEY: KEY2 }, ['server', 'check', 's3']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(
      new RegExp(
        `its password is encrypted with key ${keyId1}, but TENANTCTL_SECRET_KEY is key [0-9a-f]{8}`,
      ),
    );
    const wrongInfo = await cli({ ...env, TENANTCTL_SECRET_KEY: KEY2 }, ['info', 'acme']);
    expect(wrongInfo.code).toBe(1);
    expect(wrongInfo.stderr).toMatch(/encrypted with key .* but TENANTCTL_SECRET_KEY is key/);
    expect(wrongInfo.stderr).toMatch(/hint: use the key the password was stored with/);
    const none = await cli(envFor('sec', { S2_PASSWORD: PW2 }), ['info', 'acme']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/stored encrypted \(key [0-9a-f]{8}\) and no key is configured/);
    // the variable gone: said so
    const unset = await cli(envFor('sec', key1), ['info', 'beta']);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(
      /comes from the environment variable S2_PASSWORD, which is not set/,
    );

    // rotate-key: old -> new in one transaction; the new key works, the old one no longer does
    const rot = await ok({ ...env, TENANTCTL_SECRET_KEY: KEY2, TENANTCTL_OLD_SECRET_KEY: KEY1 }, [
      'server',
      'rotate-key',
      '--json',
    ]);
    expect(rot.result()).toMatchObject({ from: keyId1, rotated: ['s3'], current: [] });
    const keyId2 = rot.result().to;
    await ok({ ...env, TENANTCTL_SECRET_KEY: KEY2 }, ['info', 'acme']);
    const old = await cli(env, ['info', 'acme']);
    expect(old.stderr).toMatch(
      new RegExp(`encrypted with key ${keyId2}, but TENANTCTL_SECRET_KEY is key ${keyId1}`),
    );
    // repeated: nothing left to rotate
    const again = await ok({ ...env, TENANTCTL_SECRET_KEY: KEY2, TENANTCTL_OLD_SECRET_KEY: KEY1 }, [
      'server',
      'rotate-key',
      '--json',
    ]);
    expect(again.result()).toMatchObject({ rotated: [], current: ['s3'] });
    const [after] = await control(
      'sec',
      `SELECT password_key_id FROM ctl.servers WHERE name = 's3'`,
    );
    expect(after.password_key_id).toBe(keyId2);
    // an altered ciphertext fails its tag
    await control(
      'sec',
      `UPDATE ctl.servers SET password_ciphertext = set_byte(password_ciphertext, 0, get_byte(password_ciphertext, 0) # 1) WHERE name = 's3'`,
    );
    const tampered = await cli({ ...env, TENANTCTL_SECRET_KEY: KEY2 }, ['info', 'acme']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/fails authentication/);
    const audit = await control(
      'sec',
      `SELECT command, outcome FROM ctl.audit_log WHERE command = 'server rotate-key' ORDER BY id`,
    );
    expect(audit).toEqual([
      { command: 'server rotate-key', outcome: 'ok' },
      { command: 'server rotate-key', outcome: 'noop' },
    ]);
  });

  it('the libpq password file is the default password source', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-pgpass-'));
    const file = path.join(dir, 'pgpass');
    writeFileSync(file, `127.0.0.1:${s2.port}:postgres:postgres:${PW2}\n`);
    chmodSync(file, 0o600);
    const env = envFor('pgp', { PGPASSFILE: file });
    await ok(env, ['init']);
    const r = await ok(env, ['server', 'add', 's2', s2.url, '--json']);
    expect(r.result().server.password).toBe('pgpass');
    await ok(env, ['server', 'check', 's2']);
    const without = await cli(envFor('pgp'), ['server', 'check', 's2']);
    expect(without.code).toBe(1);
    expect(without.stdout).toMatch(/cannot connect to .*\(from server s2\)/);
  });

  it('places 30 tenants evenly over three servers; each server holds exactly its own; route and info follow the placement', async () => {
    const env = envFor('p30', { S2_PASSWORD: PW2, S3_PASSWORD: PW3 });
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's1', s1.url]);
    await ok(env, ['server', 'add', 's2', s2.url, '--password-env', 'S2_PASSWORD']);
    await ok(env, ['server', 'add', 's3', s3.url, '--password-env', 'S3_PASSWORD']);
    await ok(env, ['server', 'drain', 'local']);
    const slugs = Array.from({ length: 30 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
    const c = await ok(env, ['create', ...slugs, '--json']);
    const by = new Map<string, string[]>();
    for (const t of c.result().tenants) by.set(t.server, [...(by.get(t.server) ?? []), t.slug]);
    expect([...by.keys()].sort()).toEqual(['s1', 's2', 's3']);
    for (const [, list] of by) expect(list).toHaveLength(10);
    for (const [name, server] of [
      ['s1', s1],
      ['s2', s2],
      ['s3', s3],
    ] as const) {
      const { rows } = await server.query(`SELECT slug FROM ctl_p30.tenants ORDER BY slug`);
      expect(rows.map((r) => r.slug)).toEqual(by.get(name)!.sort());
    }
    const list = (await ok(env, ['server', 'list', '--json'])).result();
    expect(list.servers.map((s: any) => [s.name, s.state, s.tenants, s.reachable])).toEqual([
      ['local', 'draining', 0, true],
      ['s1', 'active', 10, true],
      ['s2', 'active', 10, true],
      ['s3', 'active', 10, true],
    ]);
    expect(list.total).toMatchObject({ servers: 4, tenants: 30, unreachable: 0 });
    const human = await ok(env, ['server', 'list']);
    expect(human.stdout).toMatch(/^local\s+postgres:\/\/postgres@127\.0\.0\.1/m);
    expect(human.stdout).toMatch(/4 servers, 30 tenants/);
    await ok(env, ['server', 'check']);

    const one = by.get('s2')![0];
    const r = await ok(env, ['route', one]);
    expect(r.stdout).toBe(
      `server       s2\nurl          ${s2.url}\nschema       p30_${one}\nsearch_path  "p30_${one}", public\n`,
    );
    const info = (await ok(env, ['info', one, '--json'])).result();
    expect(info).toMatchObject({
      server: 's2',
      schemaExists: true,
      tenant: { slug: one, schema: `p30_${one}` },
    });
    expect((await ok(env, ['info', one])).stdout).toMatch(/^ {2}server {5}s2$/m);
    // a slug is unique across the fleet
    const dup = await cli(env, ['create', one, '--server', 's1']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(new RegExp(`tenant "${one}" already exists \\(on server "s2"\\)`));
    expect(await schemaOn(s1, `p30_${one}`)).toBe(false);
  });

  it('a dedicated server takes one tenant, only by name; --max-tenants caps; a draining server takes none', async () => {
    const env = envFor('ded', { S2_PASSWORD: PW2, S3_PASSWORD: PW3 });
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's1', s1.url, '--max-tenants', '2']);
    await ok(env, ['server', 'add', 's3', s3.url, '--password-env', 'S3_PASSWORD', '--dedicated']);
    await ok(env, ['server', 'drain', 'local']);
    const first = (await ok(env, ['create', 'a', 'b', '--json'])).result();
    expect(first.tenants.map((t: any) => t.server)).toEqual(['s1', 's1']);
    // s1 full, s3 dedicated, local draining: nowhere to go, and the reasons said
    const full = await cli(env, ['create', 'c']);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(
      /no server can take a new tenant \(local: draining: it takes no new tenants; s1: full: it holds 2 of at most 2 tenants; s3: dedicated \(only with --server\)\)/,
    );
    expect(full.stderr).toMatch(/hint: add a server/);
    const big = (await ok(env, ['create', 'bigcorp', '--server', 's3', '--json'])).result();
    expect(big.tenants[0]).toMatchObject({ slug: 'bigcorp', server: 's3', ok: true });
    const second = await cli(env, ['create', 'other', '--server', 's3']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/server "s3" is dedicated and already holds its one tenant/);
    const drained = await cli(env, ['create', 'c', '--server', 'local']);
    expect(drained.stderr).toMatch(/server "local" is draining: it takes no new tenants/);
    await ok(env, ['server', 'drain', 'local', '--undo']);
    expect((await ok(env, ['create', 'c', '--json'])).result().tenants[0].server).toBe('local');
    // a dry run says where, and writes nothing
    const dry = (await ok(env, ['create', 'd', '--dry-run', '--json'])).result();
    expect(dry.plan[0]).toMatchObject({ slug: 'd', server: 'local' });
    expect(await control('ded', `SELECT slug FROM ctl.placements WHERE slug = 'd'`)).toEqual([]);
    expect((await cli(env, ['create', 'x', '--server', 'nope'])).stderr).toMatch(
      /no server "nope" in this fleet/,
    );
    const audit = await control(
      'ded',
      `SELECT command, outcome FROM ctl.audit_log WHERE command LIKE 'server drain%' ORDER BY id`,
    );
    expect(audit).toEqual([
      { command: 'server drain', outcome: 'ok' },
      { command: 'server drain --undo', outcome: 'ok' },
    ]);
  });

  it('kill -9 between every two steps of create on a remote server: absent or whole on exactly one server, placement agreeing', async () => {
    const env = envFor('k9');
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's1', s1.url]);
    const cases = [
      { step: 'create:after-intent', slug: 'k1', present: false },
      { step: 'create:after-provision', slug: 'k2', present: true },
      { step: 'create:after-placed', slug: 'k3', present: true },
    ];
    for (const k of cases) {
      const killed = await cli({ ...env, TENANTCTL_TEST_CRASH_AT: k.step }, [
        'create',
        k.slug,
        '--server',
        's1',
      ]);
      expect(killed.signal, k.step).toBe('SIGKILL');
      await controlIdle();
      const [p] = await control('k9', `SELECT server, state FROM ctl.placements WHERE slug = $1`, [
        k.slug,
      ]);
      expect(p, k.step).toMatchObject({
        server: 's1',
        state: k.step === 'create:after-placed' ? 'placed' : 'creating',
      });
      // the next command touching the placement resolves it
      const route = await cli(env, ['route', k.slug, '--json']);
      expect(route.code, k.step).toBe(k.present ? 0 : 1);
      const after = await control(
        'k9',
        `SELECT server, state FROM ctl.placements WHERE slug = $1`,
        [k.slug],
      );
      expect(after, k.step).toEqual(k.present ? [{ server: 's1', state: 'placed' }] : []);
      expect(await schemaOn(s1, `k9_${k.slug}`), k.step).toBe(k.present);
      expect(await schemaOn(db, `k9_${k.slug}`), k.step).toBe(false);
      const { rows } = await s1.query(
        `SELECT count(*)::int AS n FROM ctl_k9.tenants WHERE slug = $1`,
        [k.slug],
      );
      expect(rows[0].n, k.step).toBe(k.present ? 1 : 0);
    }
    // the absent one can be created again; the others are whole and refused as existing
    await ok(env, ['create', 'k1', '--server', 's1']);
    expect((await cli(env, ['create', 'k2'])).stderr).toMatch(
      /tenant "k2" already exists \(on server "s1"\)/,
    );
    await ok(env, ['server', 'check', 's1']);
  });

  it('kill -9 inside the provisioning transaction on the server; a live run is never resolved by another command', async () => {
    const dir = migrationsDir({
      '1_slow.sql': 'SELECT pg_sleep(4);\nCREATE TABLE slow_marker (id int);',
    });
    const env = envFor('k9b', { TENANTCTL_MIGRATIONS_DIR: dir.dir, TENANTCTL_LOCK_TIMEOUT: '15s' });
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's1', s1.url]);
    const waitFor = async (sql: string) => {
      for (let i = 0; i < 200; i++) {
        if ((await s1.query(sql)).rows.length) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`never: ${sql}`);
    };
    const sleeping = `SELECT 1 FROM pg_stat_activity WHERE application_name = 'tenantctl' AND query LIKE '%pg_sleep%' AND state = 'active'`;

    // killed while its transaction on s1 is running: the intent resolves to absent, after waiting
    // (under the tenant's lock) for the orphaned transaction to end
    const child = spawnCli(env, ['create', 'mid', '--server', 's1']);
    await waitFor(sleeping);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    await controlIdle();
    const route = await cli(env, ['route', 'mid']);
    expect(route.code).toBe(1);
    expect(route.stderr).toMatch(/never committed: intent removed/);
    expect(route.stderr).toMatch(/no tenant "mid" in this fleet/);
    expect(await schemaOn(s1, 'k9b_mid')).toBe(false);

    // a live run: another command sees its intent and leaves it; the run then finishes it
    const live = spawnCli(env, ['create', 'slowpoke', '--server', 's1']);
    const done = new Promise<number | null>((r) => live.on('close', (code) => r(code)));
    await waitFor(sleeping);
    const during = await cli(env, ['route', 'slowpoke']);
    expect(during.code).toBe(1);
    expect(during.stderr).toMatch(/tenant "slowpoke" is still being created on server "s1"/);
    await ok(env, ['server', 'list']);
    const twice = await cli(env, ['create', 'slowpoke']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(
      /tenant "slowpoke" is being created by another run \(on server "s1"\)/,
    );
    expect(
      await control('k9b', `SELECT state FROM ctl.placements WHERE slug = 'slowpoke'`),
    ).toEqual([{ state: 'creating' }]);
    expect(await done).toBe(0);
    expect(
      await control('k9b', `SELECT state FROM ctl.placements WHERE slug = 'slowpoke'`),
    ).toEqual([{ state: 'placed' }]);
    await ok(env, ['route', 'slowpoke']);
  });

  it('a server that is down: list shows it unreachable, check fails (exit 1), placement passes it over, route still answers', async () => {
    const env = envFor('down', { S2_PASSWORD: PW2 });
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's1', s1.url]);
    await ok(env, ['server', 'add', 's2', s2.url, '--password-env', 'S2_PASSWORD']);
    await ok(env, ['server', 'drain', 'local']);
    await ok(env, ['create', 'on1', '--server', 's1']);
    await s1.stop();
    try {
      const list = (await ok(env, ['server', 'list', '--json'])).result();
      const row = list.servers.find((s: any) => s.name === 's1');
      expect(row).toMatchObject({ reachable: false, version: null, tenants: 1 });
      expect(row.error).toMatch(/cannot connect to .*\(from server s1\): connection refused/);
      expect(list.total.unreachable).toBe(1);
      const check = await cli(env, ['server', 'check', '--json']);
      expect(check.code).toBe(1);
      const doc = check.json();
      expect(doc.ok).toBe(false);
      expect(doc.result.ok).toBe(false);
      expect(doc.result.servers.find((s: any) => s.name === 's1').checks).toMatchObject([
        { check: 'connect', ok: false },
      ]);
      expect(doc.result.servers.find((s: any) => s.name === 's2').ok).toBe(true);
      expect(doc.error.message).toBe('server check failed on "s1"');
      // default placement goes to the server that answers, and says why not the other
      const c = await ok(env, ['create', 'elsewhere', '--json']);
      expect(c.result().tenants[0].server).toBe('s2');
      expect(c.stderr).toMatch(/server "s1" passed over for new tenants/);
      // named: the tenant fails, the intent goes, nothing is left anywhere
      const named = await cli(env, ['create', 'nope', '--server', 's1']);
      expect(named.code).toBe(1);
      expect(named.stderr).toMatch(/could not tell whether it was created|cannot connect/);
      // route reads the control database alone
      await ok(env, ['route', 'on1']);
      const info = await cli(env, ['info', 'on1']);
      expect(info.code).toBe(1);
      expect(info.stderr).toMatch(/cannot connect to .*\(from server s1\)/);
    } finally {
      await s1.start();
    }
    // the intent of the create that could not reach s1 resolves now that it is back
    await ok(env, ['server', 'list']);
    expect(await control('down', `SELECT slug FROM ctl.placements WHERE slug = 'nope'`)).toEqual(
      [],
    );
    await ok(env, ['server', 'check']);
  });

  it('server remove: only a server with no tenant; nothing on it is dropped; local cannot be removed', async () => {
    const env = envFor('rm');
    await ok(env, ['init']);
    await ok(env, ['server', 'add', 's1', s1.url]);
    await ok(env, ['create', 'keep', '--server', 's1']);
    const busy = await cli(env, ['server', 'remove', 's1']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/still holds 1 tenant\(s\) in its registry: keep/);
    const local = await cli(env, ['server', 'remove', 'local']);
    expect(local.code).toBe(2);
    // emptied (the tenant dropped on the server directly, then its placement): removable
    await s1.query(`DROP SCHEMA rm_keep CASCADE; DELETE FROM ctl_rm.tenants WHERE slug = 'keep'`);
    const check = await cli(env, ['server', 'check', 's1']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/placements .*1 placed here but not in its registry: keep/);
    await control('rm', `DELETE FROM ctl.placements WHERE slug = 'keep'`);
    const r = await ok(env, ['server', 'remove', 's1', '--json']);
    expect(r.result()).toEqual({ server: 's1', registryChecked: true });
    expect(await control('rm', `SELECT name FROM ctl.servers ORDER BY name`)).toEqual([
      { name: 'local' },
    ]);
    const { rows } = await s1.query(`SELECT to_regclass('ctl_rm.tenants') IS NOT NULL AS kept`);
    expect(rows[0].kept).toBe(true);
    expect(
      (
        await control('rm', `SELECT outcome FROM ctl.audit_log WHERE command = 'server remove'`)
      ).map((x) => x.outcome),
    ).toEqual(['ok']);
  });

  it('init upgrades the control schema on every server; an existing tenantctl database joins with its tenants', async () => {
    const env = envFor('up');
    await ok(env, ['init']);
    // s1 already is a tenantctl database with a tenant of its own
    const standalone = { ...env, DATABASE_URL: s1.url };
    await ok(standalone, ['init']);
    await ok(standalone, ['create', 'native']);
    const add = (await ok(env, ['server', 'add', 's1', s1.url, '--json'])).result();
    expect(add.adopted).toEqual(['native']);
    expect(add.controlSchema).toEqual({ created: false, applied: [] });
    expect((await ok(env, ['route', 'native', '--json'])).result().server).toBe('s1');
    // s1's control schema as an older tenantctl left it
    await s1.query(`DROP TABLE ctl_up.carried_grants;
      ALTER TABLE ctl_up.tenants DROP COLUMN import_gaps;
      DROP TRIGGER keep_local_placement ON ctl_up.tenants;
      DROP FUNCTION ctl_up.keep_local_placement();
      DROP TABLE ctl_up.placements, ctl_up.servers;
      DELETE FROM ctl_up.migrations WHERE name IN ('fleet', 'archive-lineage')`);
    const check = await cli(env, ['server', 'check', 's1']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/control schema .*older than this tenantctl/);
    const init = (await ok(env, ['init', '--json'])).result();
    expect(init.servers).toEqual([
      { name: 's1', applied: ['fleet', 'archive-lineage'], error: null },
    ]);
    await ok(env, ['server', 'check', 's1']);
  });
});

function spawnCli(env: Record<string, string>, args: string[]) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(PG|DATABASE_URL|TENANTCTL_)/.test(k)) clean[k] = v;
  return spawn(process.execPath, [BIN_PATH, ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
