import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDb } from '../helpers/db.js';

let db: TestDb;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.cleanup());

describe("tenantctl demo (the README's first command)", () => {
  it('runs the main job end to end, twice, and reports a clean fleet', async () => {
    for (let run = 0; run < 2; run++) {
      const r = await runCli(['demo', '--database-url', db.url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = r.result();
      expect(out.tenants.map((t: { slug: string }) => t.slug)).toEqual([
        'acme',
        'globex',
        'initech',
      ]);
      expect(
        out.tenants.every(
          (t: { status: string; version: number }) => t.status === 'active' && t.version === 2,
        ),
      ).toBe(true);
      expect(out.tables.acme).toEqual(['audit_log', 'projects', 'settings', 'users']);
      expect(out).toMatchObject({ behind: 0, verified: true, stats: { tenants: 3, tables: 12 } });
      expect(out.archive).toMatch(/acme-.*\.tar\.gz$/);
    }
  });
});
