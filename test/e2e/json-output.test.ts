import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { buildProgram } from '../../src/cli/program.js';
import { allCommands, commandPath } from '../../src/cli/help.js';
import { ERROR_CODES } from '../../src/shared/errors.js';
import { FAILURE_CLASSES } from '../../src/cli/envelope.js';

/**
 * Every command's --json output, success and failure, validates against the one schema kept in
 * the repo (schema/output.schema.json), and --ndjson's tenant lines against its tenantEvent.
 * A command added without a case here fails the coverage check at the end.
 */
const schema = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../schema/output.schema.json'), 'utf8'),
);
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const validateEvent = ajv.getSchema(`${schema.$id}#/$defs/tenantEvent`)!;

let db: TestDb;
let env: Record<string, string>;
let migs: string;
let tmp: string;
const seen = new Map<string, Set<'ok' | 'failed'>>();

function check(r: CliResult, expected: { ok: boolean; command: string; code?: number }) {
  const doc = r.json(); // exactly one JSON document on stdout, or this throws
  if (!validate(doc))
    throw new Error(
      `${expected.command}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(doc).slice(0, 2000)}`,
    );
  expect(doc.ok, r.stderr).toBe(expected.ok);
  expect(doc.command).toBe(expected.command);
  expect(r.code).toBe(expected.code ?? (expected.ok ? 0 : 1));
  if (!doc.ok) expect(doc.error.exitCode).toBe(r.code);
  const s = seen.get(expected.command) ?? new Set();
  s.add(expected.ok ? 'ok' : 'failed');
  seen.set(expected.command, s);
  return doc;
}

type Env = Record<string, string | undefined>;
const ok = async (command: string, args: string[], extraEnv: Env = {}) =>
  check(await runCli([...args, '--json'], { env: { ...env, ...extraEnv } }), { ok: true, command });
const fails = async (command: string, args: string[], code = 1, extraEnv: Env = {}) =>
  check(await runCli([...args, '--json'], { env: { ...env, ...extraEnv } }), {
    ok: false,
    command,
    code,
  });

beforeAll(async () => {
  db = await freshDatabase();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-json-'));
  migs = migrationsDir({
    '1_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);',
    '2_index.sql': 'CREATE INDEX notes_body ON notes (body);',
  }).dir;
  env = { DATABASE_URL: db.url, XDG_DATA_HOME: tmp, TENANTCTL_MIGRATIONS_DIR: migs };
  expect((await runCli(['init'], { env })).code).toBe(0);
  expect((await runCli(['create', 'base', 'drifty'], { env })).code).toBe(0);
  await db.query(`CREATE ROLE ${db.rolePrefix}app NOLOGIN`);
});
afterAll(async () => {
  await db?.query(`DROP ROLE IF EXISTS ${db.rolePrefix}app`).catch(() => {});
  await db?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('--json: one envelope for every command, valid against schema/output.schema.json', () => {
  it('the program itself: --version, --help, no command, unknown command', async () => {
    const v = await ok('version', ['--version']);
    expect(v.result).toMatchObject({ tenantctl: expect.any(String), node: process.version });
    const h = await ok('', ['--help']);
    expect(h.result.help).toMatch(/Usage: tenantctl/);
    const sub = await ok('migrate status', ['migrate', 'status', '--help']);
    expect(sub.result.help).toMatch(/Examples:/);
    // `help <command...>` succeeds as the command it names, and fails as itself
    const viaHelp = await ok('migrate status', ['help', 'migrate', 'status']);
    expect(viaHelp.result.help).toMatch(/Usage: tenantctl migrate status/);
    const badHelp = await fails('help', ['help', 'bogus'], 2);
    expect(badHelp.error.message).toMatch(/unknown command 'bogus'/);
    seen.get('help')!.add('ok');
    const none = await fails('', [], 2);
    expect(none.error).toMatchObject({ code: 'usage', message: 'no command given' });
    const unknown = await fails('', ['bogus'], 2);
    expect(unknown.error.message).toMatch(/unknown command 'bogus'/);
    const badOption = await fails('list', ['list', '--bogus'], 2);
    expect(badOption.error.message).toMatch(/unknown option '--bogus'/);
  });

  it('init, create, list, info', async () => {
    await ok('init', ['init']);
    await fails('init', ['init', '--control-schema', 'org_ctl'], 2);
    const c = await ok('create', ['create', 'j1']);
    expect(c.result.tenants[0]).toMatchObject({ slug: 'j1', ok: true, migrations: [1, 2] });
    const again = await fails('create', ['create', 'j1', 'j1b'], 3);
    expect(again.result.tenants.map((t: { ok: boolean }) => t.ok)).toEqual([false, true]);
    await ok('create', ['create', 'planned', '--dry-run']);
    await ok('list', ['list']);
    await fails('list', ['list', '--pending'], 2, { TENANTCTL_MIGRATIONS_DIR: undefined });
    await ok('info', ['info', 'j1']);
    const unknown = await fails('info', ['info', 'j9']);
    expect(unknown.error).toMatchObject({
      code: 'tenant-unknown',
      hint: expect.stringMatching(/j1/),
    });
  });

  it('migrate and migrate status, with --ndjson lines', async () => {
    await ok('migrate', ['migrate']);
    await ok('migrate', ['migrate', '--dry-run']);
    await fails('migrate', ['migrate', '--tenant', 'nosuch']);
    await ok('migrate status', ['migrate', 'status']);
    await fails('migrate status', ['migrate', 'status'], 2, {
      TENANTCTL_MIGRATIONS_DIR: undefined,
    });
    const more = migrationsDir({
      '1_notes.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);',
      '2_index.sql': 'CREATE INDEX notes_body ON notes (body);',
      '3_broken.sql': 'SELECT 1/0;',
    }).dir;
    const behind = await fails('migrate status', ['migrate', 'status', '--check'], 1, {
      TENANTCTL_MIGRATIONS_DIR: more,
    });
    expect(behind.result.behind).toBeGreaterThan(0);
    const nd = await runCli(
      ['migrate', '--ndjson', '--max-failures', 'all', '--tenant', 'base', 'j1'],
      {
        env: { ...env, TENANTCTL_MIGRATIONS_DIR: more },
      },
    );
    const lines = nd.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const events = lines.slice(0, -1);
    expect(events.map((e) => [e.slug, e.status]).sort()).toEqual([
      ['base', 'failed'],
      ['j1', 'failed'],
    ]);
    for (const e of events)
      expect(validateEvent(e), ajv.errorsText(validateEvent.errors)).toBe(true);
    expect(validate(lines.at(-1)), ajv.errorsText(validate.errors)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ ok: false, command: 'migrate', error: { exitCode: 1 } });
    expect(nd.code).toBe(1);
  });

  it('adopt', async () => {
    await db.query(`CREATE SCHEMA org_legacy; CREATE TABLE org_legacy.t (id int)`);
    await ok('adopt', ['adopt', '--dry-run']);
    const miss = await fails('adopt', ['adopt', 'org_nosuch']);
    expect(miss.error).toMatchObject({ code: 'schema-unknown', message: /no schema org_nosuch/ });
    await ok('adopt', ['adopt', 'org_legacy']);
  });

  it('access grant, revoke, list', async () => {
    const role = `${db.rolePrefix}app`;
    await ok('access grant', ['access', 'grant', role, 'base']);
    await fails('access grant', ['access', 'grant', `${role}_nope`, 'base']);
    await ok('access list', ['access', 'list']);
    await fails('access list', ['access', 'list', 'nosuch']);
    await ok('access revoke', ['access', 'revoke', role, 'base']);
    await fails('access revoke', ['access', 'revoke', role, 'nosuch']);
  });

  it('suspend and activate', async () => {
    await ok('suspend', ['suspend', 'base', '--reason', 'json test']);
    await fails('suspend', ['suspend', 'nosuch']);
    await ok('activate', ['activate', 'base']);
    await fails('activate', ['activate', 'nosuch']);
  });

  it('export, export --all, export verify, import', async () => {
    const out = path.join(tmp, 'archives');
    mkdirSync(out, { recursive: true });
    const e = await ok('export', ['export', 'base', '-o', `${out}/`]);
    await fails('export', ['export', 'base', '-o', path.join(tmp, 'no', 'such', 'dir/')], 2);
    await ok('export', ['export', '--all', '--tenant', 'base', '--out-dir', path.join(tmp, 'all')]);
    await ok('export verify', ['export', 'verify', e.result.file]);
    const proof = await ok('export verify', ['export', 'verify', '--restore', e.result.file]);
    expect(proof.result).toMatchObject({ ok: true, problems: [] });
    const junk = path.join(tmp, 'junk.tar.gz');
    writeFileSync(junk, 'not an archive');
    const bad = await fails('export verify', ['export', 'verify', junk]);
    expect(bad.result).toMatchObject({ ok: false, file: junk });
    await fails('export verify', ['export', 'verify', path.join(tmp, 'missing.tar.gz')], 2);
    await ok('import', ['import', e.result.file, '--as', 'base-copy']);
    await fails('import', ['import', path.join(tmp, 'missing.tar.gz')], 2);
  });

  it('rename', async () => {
    await runCli(['create', 'renamed'], { env });
    await ok('rename', ['rename', 'renamed', 'renamed-too', '--yes']);
    await fails('rename', ['rename', 'renamed', 'renamed-three', '--yes']);
  });

  it('drop', async () => {
    await runCli(['create', 'doomed'], { env });
    await ok('drop', ['drop', 'doomed', '--yes']);
    await fails('drop', ['drop', 'doomed', '--yes']);
  });

  it('stats, verify, audit', async () => {
    await ok('stats', ['stats']);
    await fails('stats', ['stats', '--database-url', 'postgres://postgres@127.0.0.1:1/x']);
    await ok('verify', ['verify', '--tenant', 'j1']);
    await db.query(`DROP INDEX org_drifty.notes_body`);
    const drift = await fails('verify', ['verify', '--tenant', 'drifty']);
    expect(drift.result.tenants[0]).toMatchObject({ slug: 'drifty', ok: false });
    expect(drift.error.code).toBe('check-failed');
    await ok('audit', ['audit', '--since', '1h']);
    await fails('audit', ['audit', '--since', 'yesterday'], 2);
  });

  it('version, completion, demo', async () => {
    const v = await ok('version', ['version']);
    expect(v.result.server.version).toMatch(/^\d+/);
    await fails('version', ['version', '--database-url', 'postgres://postgres@127.0.0.1:1/x']);
    await ok('completion', ['completion', 'bash']);
    await fails('completion', ['completion', 'tcsh'], 2);
    // the demo's own fleet, in a database of its own (its example migrations are not these)
    const demoDb = await freshDatabase();
    try {
      const d = await ok('demo', ['demo', '--database-url', demoDb.url], {
        TENANTCTL_MIGRATIONS_DIR: undefined,
      });
      expect(d.result.nextSteps).toContain(`export DATABASE_URL=${demoDb.url}`);
    } finally {
      await demoDb.cleanup();
    }
    await fails('demo', ['demo', '--database-url', 'postgres://postgres@127.0.0.1:1/x']);
  });

  it('dev up, status, url, down', async () => {
    // A private data home the postgres OS user can enter (the server runs as it under root).
    const home = mkdtempSync(path.join(os.tmpdir(), 'tctl-json-dev-'));
    chmodSync(home, 0o755);
    const devEnv = { XDG_DATA_HOME: home, DATABASE_URL: undefined };
    try {
      await fails('dev status', ['dev', 'status'], 1, devEnv);
      await fails('dev url', ['dev', 'url'], 1, devEnv);
      await ok('dev up', ['dev', 'up'], devEnv);
      await ok('dev status', ['dev', 'status'], devEnv);
      await ok('dev url', ['dev', 'url'], devEnv);
      await ok('dev down', ['dev', 'down', '--destroy'], devEnv);
      writeFileSync(path.join(home, 'not-a-dir'), '');
      await fails('dev up', ['dev', 'up'], 1, { XDG_DATA_HOME: path.join(home, 'not-a-dir') });
      await fails('dev down', ['dev', 'down', '--bogus'], 2, devEnv);
    } finally {
      await runCli(['dev', 'down', '--destroy'], { env: devEnv });
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('command groups: help, and a missing subcommand', async () => {
    for (const group of ['access', 'dev', 'server']) {
      const h = await ok(group, [group, '--help']);
      expect(h.result.help).toMatch(/Examples:/);
      const none = await fails(group, [group], 2);
      expect(none.error.message).toBe(`${group}: no subcommand given`);
    }
  });

  it('server add, list, check, drain, remove, rotate-key; route', async () => {
    // A second database of the test cluster as a fleet server: its URL without the password,
    // which comes from an environment variable.
    const other = await freshDatabase();
    try {
      const u = new URL(other.url);
      const pwEnv = { TC_JSON_SERVER_PW: decodeURIComponent(u.password) || 'unused' };
      u.password = '';
      const url = u.toString();
      const add = ['server', 'add', 's2', url, '--password-env', 'TC_JSON_SERVER_PW'];
      const added = await ok('server add', add, pwEnv);
      expect(added.result.server).toMatchObject({ name: 's2', password: 'env:TC_JSON_SERVER_PW' });
      const withPw = await fails('server add', ['server', 'add', 's3', 'postgres://a:b@h/d'], 2);
      expect(withPw.error.message).toMatch(/carries a password/);
      const list = await ok('server list', ['server', 'list'], pwEnv);
      expect(list.result.servers.map((x: { name: string }) => x.name)).toEqual(['local', 's2']);
      await fails('server list', [
        'server',
        'list',
        '--database-url',
        'postgres://x@127.0.0.1:1/x',
      ]);
      await ok('server check', ['server', 'check', 's2'], pwEnv);
      const unknown = await fails('server check', ['server', 'check', 'nosuch'], 1, pwEnv);
      expect(unknown.error.code).toBe('server-unknown');
      await ok('server drain', ['server', 'drain', 's2'], pwEnv);
      await fails('server drain', ['server', 'drain', 'nosuch'], 1, pwEnv);
      await ok('server remove', ['server', 'remove', 's2'], pwEnv);
      await fails('server remove', ['server', 'remove', 'local'], 2, pwEnv);
      await ok('server add', add, pwEnv);
      expect(
        (await runCli(['create', 'routed', '--server', 's2'], { env: { ...env, ...pwEnv } })).code,
      ).toBe(0);
      const route = await ok('route', ['route', 'routed'], pwEnv);
      expect(route.result).toMatchObject({
        slug: 'routed',
        server: 's2',
        url,
        schema: 'org_routed',
      });
      const noRoute = await fails('route', ['route', 'routd'], 1, pwEnv);
      expect(noRoute.error).toMatchObject({
        code: 'tenant-unknown',
        hint: expect.stringMatching(/routed/),
      });
      const held = await fails('server remove', ['server', 'remove', 's2'], 1, pwEnv);
      expect(held.error.message).toMatch(/routed/);
      // new tenants of the later cases stay on the control database
      await ok('server drain', ['server', 'drain', 's2'], pwEnv);
      const keys = {
        TENANTCTL_OLD_SECRET_KEY: '1'.repeat(64),
        TENANTCTL_SECRET_KEY: '2'.repeat(64),
        ...pwEnv,
      };
      const rotated = await ok('server rotate-key', ['server', 'rotate-key'], keys);
      expect(rotated.result).toMatchObject({ rotated: [], current: [] });
      await fails('server rotate-key', ['server', 'rotate-key'], 2, pwEnv);
    } finally {
      await other.cleanup();
    }
  });

  it('error.code: the schema lists every failure class and every ErrorCode, nothing else', () => {
    const listed = schema.$defs.error.properties.code.enum as string[];
    expect([...listed].sort()).toEqual([...new Set([...FAILURE_CLASSES, ...ERROR_CODES])].sort());
  });

  it('covers every command, success and failure', () => {
    const paths = allCommands(buildProgram()).map(commandPath);
    const missing = paths.filter((p) => !(seen.get(p)?.has('ok') && seen.get(p)?.has('failed')));
    expect(missing).toEqual([]);
  });
});
