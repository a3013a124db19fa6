import { describe, it, expect } from 'vitest';
import { schemaCensus } from '../../src/db/fleet-stats.js';

describe('schemaCensus (exact SQL and order)', () => {
  it('one read-only transaction with JIT off, the prefix as an escaped LIKE parameter', async () => {
    const log: { text: string; values?: unknown[] }[] = [];
    const client = {
      async query(text: string, values?: unknown[]) {
        log.push({ text, values });
        return { rows: text.startsWith('\nSELECT') ? [{ schema: 'org_a', tables: 3, bytes: '8192', rowEstimate: '10' }] : [] };
      },
    };
    const rows = await schemaCensus(client as never, 'org_');
    expect(log.map((q) => q.text.trim().split('\n')[0])).toEqual([
      'BEGIN READ ONLY',
      'SET LOCAL jit = off',
      expect.stringMatching(/^SELECT n\.nspname AS schema/),
      'COMMIT',
    ]);
    expect(log[2].values).toEqual(['org\\_%']);
    expect(log[2].text).toContain("WHERE relnamespace <> 'pg_toast'::regnamespace GROUP BY relnamespace");
    expect(rows).toEqual([{ schema: 'org_a', tables: 3, bytes: 8192, rowEstimate: 10 }]);
  });
});
