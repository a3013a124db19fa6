import { describe, it, expect } from 'vitest';
import { schemaCensus } from '../../src/inspect/census.js';

describe('schemaCensus (exact SQL)', () => {
  it('one statement, pg_toast left out before grouping, the prefix as an escaped LIKE parameter', async () => {
    const log: { text: string; values?: unknown[] }[] = [];
    const client = {
      async query(text: string, values?: unknown[]) {
        log.push({ text, values });
        return { rows: [{ schema: 'org_a', tables: 3, bytes: '8192', rowEstimate: '10' }] };
      },
    };
    const rows = await schemaCensus(client as never, 'org_');
    expect(log).toHaveLength(1);
    expect(log[0].text.trim()).toMatch(/^SELECT n\.nspname AS schema/);
    expect(log[0].values).toEqual(['org\\_%']);
    expect(log[0].text).toContain(
      "WHERE relnamespace <> 'pg_toast'::regnamespace GROUP BY relnamespace",
    );
    expect(rows).toEqual([{ schema: 'org_a', tables: 3, bytes: 8192, rowEstimate: 10 }]);
  });
});
