import { describe, it, expect } from 'vitest';
import { resolveConnection } from '../../src/pg/connection.js';
import { UsageError } from '../../src/shared/errors.js';

/** A dev-database lookup that records whether it was consulted. */
function devLookup(url?: string) {
  const calls: number[] = [];
  return {
    calls,
    fn: async () => {
      calls.push(1);
      return url;
    },
  };
}

describe('resolveConnection: flag, then DATABASE_URL, then PG*, then the dev database', () => {
  const dev = 'postgres://postgres@127.0.0.1:6000/postgres';

  it('the flag wins, and the dev database is never looked up', async () => {
    const d = devLookup(dev);
    const t = await resolveConnection(
      'postgres://a@h1/db1',
      { DATABASE_URL: 'postgres://b@h2/db2', PGHOST: 'h3' },
      d.fn,
    );
    expect([t.source, t.label]).toEqual(['flag', 'h1:5432/db1']);
    expect(d.calls).toEqual([]);
  });

  it('then DATABASE_URL, then the PG variables, without the dev lookup', async () => {
    const d = devLookup(dev);
    expect(
      (
        await resolveConnection(
          undefined,
          { DATABASE_URL: 'postgres://b@h2:5433/db2', PGHOST: 'h3' },
          d.fn,
        )
      ).label,
    ).toBe('h2:5433/db2');
    const pg = await resolveConnection(undefined, { PGHOST: 'h3', PGDATABASE: 'db3' }, d.fn);
    expect([pg.source, pg.label]).toEqual(['PG environment', 'h3:5432/db3']);
    expect(d.calls).toEqual([]);
  });

  it('the dev database only when nothing else is configured; none at all is a usage error', async () => {
    const d = devLookup(dev);
    expect((await resolveConnection(undefined, {}, d.fn)).source).toBe('dev database');
    expect(d.calls).toEqual([1]);
    await expect(resolveConnection(undefined, {}, devLookup(undefined).fn)).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
