import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, BIN_PATH } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';

let db: TestDb;
let env: Record<string, string>;
const m = migrationsDir({ '1_base.sql': 'CREATE TABLE marks (id int PRIMARY KEY);' });

beforeAll(async () => {
  db = await freshDatabase();
  env = {
    DATABASE_URL: db.url,
    TENANTCTL_MIGRATIONS_DIR: m.dir,
    XDG_DATA_HOME: mkdtempSync(path.join(os.tmpdir(), 'tctl-edges-')),
  };
  expect((await runCli(['init'], { env })).code).toBe(0);
  expect((await runCli(['create', 'ahead', 'behind'], { env })).code).toBe(0);
});
afterAll(async () => db?.cleanup());

describe('command-line edges', () => {
  it('the reader of stdout going away (| head -c 10) ends quietly with exit 0', async () => {
    const child = spawn(process.execPath, [BIN_PATH, 'list', '--json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Close our end of the pipe before the CLI writes: its write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('migrate status --check honours --tenant', async () => {
    m.write('2_more.sql', 'INSERT INTO marks VALUES (2);');
    expect((await runCli(['migrate', '--tenant', 'ahead'], { env })).code).toBe(0);
    const ahead = await runCli(['migrate', 'status', '--tenant', 'ahead', '--check', '--json'], {
      env,
    });
    expect(ahead.code).toBe(0);
    expect(ahead.result()).toMatchObject({ tenants: 1, behind: 0 });
    const behind = await runCli(['migrate', 'status', '--tenant', 'behind', '--check'], { env });
    expect(behind.code).toBe(1);
    expect(behind.stderr).toMatch(/1 tenant has pending migrations/);
  });
});
