import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
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
  expect((await runCli(['init', '-q'], { env })).code).toBe(0);
  expect((await runCli(['create', 'one', 'two', 'three', '-q', '--json'], { env })).code).toBe(0);
});
afterAll(async () => db?.cleanup());

describe('stats and verify from the command line, without a TTY', () => {
  it('stats: a table and a summary line; --json one document with totals, tenants, orphans and missing', async () => {
    await db.query(`CREATE SCHEMA org_leftover`);
    const human = await runCli(['stats'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/SLUG\s+SCHEMA\s+STATUS\s+TABLES/);
    expect(human.stdout).toMatch(/one\s+org_one\s+active\s+3/);
    expect(human.stdout).toMatch(
      /3 tenants \(3 active, 0 suspended\); 4 schemas with the prefix; 9 tables/,
    );
    expect(human.stdout).toMatch(/orphans .*org_leftover/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape codes
    expect(human.stdout).not.toMatch(/\x1b\[/);
    const r = await runCli(['stats', '--json'], { env });
    expect(r.code).toBe(0);
    const doc = r.result();
    expect(doc.totals).toMatchObject({ tenants: 3, schemas: 4, tables: 9 });
    expect(doc.tenants[0]).toMatchObject({
      slug: 'one',
      schema: 'org_one',
      status: 'active',
      tables: 3,
    });
    expect(doc.orphans).toEqual(['org_leftover']);
    expect(doc.missing).toEqual([]);
    await db.query(`DROP SCHEMA org_leftover`);
  });

  it('verify: exit 0 when clean, exit 1 naming the tenant when not; --json is exactly one document', async () => {
    const clean = await runCli(['verify'], { env });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/3 of 3 tenants clean; control schema clean/);

    await db.query(`ALTER TABLE org_two.users DROP COLUMN display_name`);
    const bad = await runCli(['verify'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL\s+two \(org_two/);
    expect(bad.stdout).toMatch(/missing column users\.display_name/);
    expect(bad.stdout).not.toMatch(/FAIL\s+(one|three)/);
    expect(bad.stderr).toMatch(/verify failed: 1 of 3 tenants with problems/);
    // said once: no second summary of the failure beside the error line
    expect(bad.stdout).not.toMatch(/tenants clean/);

    const json = await runCli(['verify', '--json'], { env });
    expect(json.code).toBe(1);
    const envelope = json.json(); // throws unless stdout is a single JSON document
    expect(envelope).toMatchObject({ ok: false, command: 'verify', error: { exitCode: 1 } });
    const doc = envelope.result;
    expect(doc.ok).toBe(false);
    expect(doc.tenants.map((t: { slug: string; ok: boolean }) => [t.slug, t.ok])).toEqual([
      ['one', true],
      ['three', true],
      ['two', false],
    ]);
    expect(doc.tenants[2].problems).toEqual(['missing column users.display_name (text)']);

    const limited = await runCli(['verify', '--tenant', 'one', 'three', '--json'], { env });
    expect(limited.code).toBe(0);
    expect(limited.result()).toMatchObject({
      ok: true,
      tenants: [{ slug: 'one' }, { slug: 'three' }],
    });
  });

  it('verify: bad --tenant input is exit 2, an unknown tenant exit 1', async () => {
    const bad = await runCli(['verify', '--tenant', 'a"b', '--json'], { env });
    expect(bad.code).toBe(2);
    expect(bad.json().error.exitCode).toBe(2);
    const ghost = await runCli(['verify', '--tenant', 'ghost'], { env });
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/no tenant "ghost"/);
  });
});
