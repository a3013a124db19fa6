import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { loginRole, tryAs, connectAs } from '../helpers/roles.js';

let db: TestDb;
let env: Record<string, string>;
let app: string;

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, XDG_DATA_HOME: mkdtempSync(path.join(os.tmpdir(), 'tctl-home-')) };
  expect((await runCli(['init'], { env })).code).toBe(0);
  expect((await runCli(['create', 'acme', 'globex'], { env })).code).toBe(0);
  app = await loginRole(db, 'app');
});
afterAll(async () => db?.cleanup());

describe('access, suspend, activate from the command line', () => {
  it('access grant / list / revoke, --json and human', async () => {
    const g = await runCli(
      ['access', 'grant', app, 'acme', '--read-only', '--search-path', '--json'],
      { env },
    );
    expect(g.code, g.stderr).toBe(0);
    expect(g.result()).toMatchObject({
      slug: 'acme',
      role: app,
      mode: 'ro',
      searchPath: true,
      changed: true,
    });
    expect(await tryAs(db, app, 'SELECT count(*) FROM users')).toBe('ok');

    const l = await runCli(['access', 'list', '--json'], { env });
    expect(l.result().access).toMatchObject([
      {
        slug: 'acme',
        role: app,
        mode: 'ro',
        searchPath: true,
        source: 'tenantctl',
        status: 'active',
      },
    ]);
    const human = await runCli(['access', 'list', 'acme'], { env });
    expect(human.stdout).toMatch(
      new RegExp(`acme\\s+${app}\\s+read-only\\s+yes\\s+tenantctl\\s+active`),
    );

    const rw = await runCli(['access', 'grant', app, 'acme'], { env });
    expect(rw.stdout).toMatch(/read-write access to acme .*\(was read-only\)/);
    expect(rw.stderr).toBe('');
  });

  it('suspend and activate: exit 0, status in list and info, no-op on repeat', async () => {
    const s = await runCli(['suspend', 'acme', '--reason', 'unpaid since March', '--json'], {
      env,
    });
    expect(s.code, s.stderr).toBe(0);
    expect(s.result()).toMatchObject({
      slug: 'acme',
      status: 'suspended',
      changed: true,
      reason: 'unpaid since March',
      loginsDisabled: [app],
    });
    expect(await tryAs(db, app, 'SELECT 1')).toBe('28000');

    const l = await runCli(['list', '--json', '--status', 'suspended'], { env });
    expect(l.result().tenants).toMatchObject([
      { slug: 'acme', status: 'suspended', statusReason: 'unpaid since March' },
    ]);
    const info = await runCli(['info', 'acme'], { env });
    expect(info.stdout).toMatch(
      /status\s+suspended since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(unpaid since March\)/,
    );

    const again = await runCli(['suspend', 'acme'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already suspended/);

    const a = await runCli(['activate', 'acme'], { env });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^activated acme/);
    expect(await tryAs(db, app, 'SELECT count(*) FROM org_acme.users')).toBe('ok');
    const a2 = await runCli(['activate', 'acme', '--json'], { env });
    expect(a2.result()).toMatchObject({ changed: false, status: 'active' });
  });

  it('suspend --no-terminate leaves an open session connected, failing at its next statement', async () => {
    const held = await connectAs(db, app);
    try {
      const s = await runCli(['suspend', 'acme', '--no-terminate', '--json'], { env });
      expect(s.code, s.stderr).toBe(0);
      expect(s.result()).toMatchObject({ changed: true, sessionsTerminated: 0 });
      await expect(held.query('SELECT count(*) FROM org_acme.users')).rejects.toMatchObject({
        code: '42501',
      });
      expect((await held.query('SELECT 1 AS still_connected')).rows).toEqual([
        { still_connected: 1 },
      ]);
    } finally {
      await held.end();
    }
    expect((await runCli(['activate', 'acme'], { env })).code).toBe(0);
  });

  it('exit codes: unknown slug or role 1, bad input and refused roles 2, one JSON document on stdout', async () => {
    const unknownSlug = await runCli(['suspend', 'nope', '--json'], { env });
    expect(unknownSlug.code).toBe(1);
    expect(unknownSlug.json().error.message).toMatch(/no tenant "nope"/);
    const unknownRole = await runCli(['access', 'grant', `${db.rolePrefix}ghost`, 'acme'], { env });
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.stderr).toMatch(/no role "tr.*ghost" in this cluster/);
    expect(unknownRole.stdout).toBe('');
    const superuser = await runCli(['access', 'grant', 'postgres', 'acme', '--json'], { env });
    expect(superuser.code).toBe(2);
    expect(superuser.json().error.exitCode).toBe(2);
    const badSlug = await runCli(['activate', 'a;b'], { env });
    expect(badSlug.code).toBe(2);
    expect(badSlug.stderr).toMatch(/invalid slug/);
    const missingArg = await runCli(['access', 'grant', app], { env });
    expect(missingArg.code).toBe(2);
    const help = await runCli(['--help']);
    for (const c of ['access', 'suspend', 'activate']) expect(help.stdout).toContain(c);
  });

  it('access revoke, then again as a no-op', async () => {
    const r = await runCli(['access', 'revoke', app, 'acme'], { env });
    expect(r.code, r.stderr).toBe(0);
    // the plain `access grant` above already took the --search-path jail away: grant states the whole access
    expect(r.stdout.trim()).toBe(`${app} no longer has access to acme`);
    expect(await tryAs(db, app, 'SELECT count(*) FROM org_acme.users')).toBe('42501');
    const again = await runCli(['access', 'revoke', app, 'acme', '--json'], { env });
    expect(again.code).toBe(0);
    expect(again.result()).toMatchObject({ changed: false, revoked: [] });
    const l = await runCli(['access', 'list'], { env });
    expect(l.stdout.trim()).toBe('no access granted');
  });
});
