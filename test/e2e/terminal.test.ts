import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { runInTerminal } from '../helpers/pty.js';
import { migrationsDir } from '../helpers/migrations.js';

/**
 * In a real (pseudo-)terminal: the typed confirmation of drop, Ctrl-C at that prompt, and Ctrl-C
 * while a spinner runs, which only works if the spinner leaves the terminal in its normal mode
 * (ora's default raw mode swallows Ctrl-C).
 */
let db: TestDb;
let env: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url };
  expect((await runCli(['init'], { env })).code).toBe(0);
});
afterAll(async () => db?.cleanup());

const tenantExists = async (slug: string) =>
  (await db.query(`SELECT 1 FROM tenantctl.tenants WHERE slug = $1`, [slug])).rowCount === 1;

describe('in a terminal', () => {
  it('drop asks for the slug to be typed, then drops', async () => {
    expect((await runCli(['create', 'typed'], { env })).code).toBe(0);
    const t = runInTerminal(['drop', 'typed'], env);
    await t.waitFor(/Type "typed" to confirm/);
    t.type('typed\r');
    const r = await t.exited;
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/dropped typed \(schema org_typed/);
    expect(await tenantExists('typed')).toBe(false);
  });

  it('drop of a tenant that does not exist fails before asking', async () => {
    const t = runInTerminal(['drop', 'typd'], env);
    const r = await t.exited;
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/no tenant "typd"/);
    expect(r.output).not.toMatch(/to confirm/);
  });

  it('Ctrl-C at the prompt: cancelled, nothing dropped, exit 130', async () => {
    expect((await runCli(['create', 'kept'], { env })).code).toBe(0);
    const t = runInTerminal(['drop', 'kept'], env);
    await t.waitFor(/Type "kept" to confirm/);
    t.type('ke\x03');
    const r = await t.exited;
    expect(r.code, r.output).toBe(130);
    expect(r.output).toMatch(/cancelled; nothing dropped/);
    expect(r.output).not.toMatch(/unexpected error/);
    expect(await tenantExists('kept')).toBe(true);
  });

  it('Ctrl-C while a spinner runs stops the run', async () => {
    const slugs = Array.from({ length: 12 }, (_, i) => `slow${i}`);
    const m = migrationsDir({ '1_base.sql': 'CREATE TABLE base (id int);' });
    const menv = { ...env, TENANTCTL_MIGRATIONS_DIR: m.dir };
    expect((await runCli(['create', ...slugs], { env: menv })).code).toBe(0);
    // one tenant at a time, a second each: the whole run would take 12 s and more
    m.write('2_slow.sql', 'SELECT pg_sleep(1);');
    const t = runInTerminal(['migrate', '--concurrency', '1'], menv);
    await t.waitFor(/migrating \d+\/\d+ done/);
    t.type('\x03');
    const r = await t.exited;
    // Ended by SIGINT (130, as a shell reports a signal), within moments, not after the run
    expect(r.code, r.output.slice(-400)).toBe(130);
    expect(r.ms).toBeLessThan(8000);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM tenantctl.tenant_migrations WHERE migration_id = 2`,
    );
    expect(rows[0].n).toBeLessThan(12);
  });
});
