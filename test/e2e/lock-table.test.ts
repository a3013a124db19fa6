import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appendFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { initCluster, startCluster, stopCluster, freePort } from '../../src/dev/embedded.js';

// Issue #13, input 2: a template too big for the lock table. On a private server whose lock table
// is small (max_locks_per_transaction = 10), a template creating a few thousand tables in one
// transaction runs out of shared memory; the error must carry PostgreSQL's HINT naming
// max_locks_per_transaction, in the human output and as --json fields.
let root: string;
let dataDir: string;
let url: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tenantctl-locks-'));
  chmodSync(root, 0o755); // as root the server runs as the postgres OS user, which must enter it
  dataDir = path.join(root, 'pgdata');
  await initCluster(dataDir);
  appendFileSync(path.join(dataDir, 'postgresql.auto.conf'), 'max_locks_per_transaction = 10\n');
  url = (await startCluster(dataDir, await freePort())).url;
});
afterAll(async () => {
  if (dataDir) await stopCluster(dataDir);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a template too big for the lock table', () => {
  it('fails with out_of_memory and PostgreSQL HINT about max_locks_per_transaction, human and --json', async () => {
    const env = { DATABASE_URL: url };
    expect((await runCli(['init'], { env })).code).toBe(0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-tpl-'));
    writeFileSync(
      path.join(dir, '01_many.sql'),
      `CREATE TABLE first (id int);
DO $$ BEGIN
  FOR i IN 1..40000 LOOP EXECUTE format('CREATE TABLE t%s (id int)', i); END LOOP;
END $$;
`,
    );
    const human = await runCli(['create', 'big', '--template', dir], { env });
    expect(human.code).toBe(1);
    // a slow run prints a progress line first (every 5 s without a terminal)
    const all = human.stderr.split('\n');
    const lines = all.slice(all.findIndex((l) => l.startsWith('tenantctl:')));
    expect(lines[0]).toBe(
      `tenantctl: create big: template ${dir}/01_many.sql line 2: out of shared memory (53200 out_of_memory)`,
    );
    expect(lines).toContain('  statement: DO $$ BEGIN');
    expect(lines.find((l) => l.startsWith('  HINT: '))).toMatch(
      /^ {2}HINT: You might need to increase "?max_locks_per_transaction"?\.$/,
    );
    const json = await runCli(['create', 'big', '--template', dir, '--json'], { env });
    expect(json.code).toBe(1);
    expect(json.json().error.sql).toMatchObject({
      message: 'out of shared memory',
      sqlstate: '53200',
      sqlstateName: 'out_of_memory',
      hint: expect.stringMatching(/max_locks_per_transaction/),
      file: `${dir}/01_many.sql`,
      line: 2,
      statement: 'DO $$ BEGIN',
    });
  });
});
