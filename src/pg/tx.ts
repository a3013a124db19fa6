import type pg from 'pg';
import type { Database, DedicatedClientOptions, Queryable } from './pool.js';
import { TenantctlError } from '../shared/errors.js';
import { sqlstateOf } from './sqlstate.js';

/** Borrow a pooled client for the duration of fn; always released, destroyed if it broke. */
export async function withClient<T>(
  db: Database,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    // A PostgreSQL error (it has a SQLSTATE) or one of ours leaves the connection usable; anything
    // else (ECONNRESET, a protocol error) may not, so that client is destroyed, not pooled.
    broken = sqlstateOf(err) || err instanceof TenantctlError ? undefined : (err as Error);
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * A connection of its own (outside the pool) for the duration of fn, always closed: for work that
 * must run beside the pool's clients or hold a session-level lock.
 */
export async function withDedicatedClient<T>(
  db: Database,
  fn: (client: pg.Client) => Promise<T>,
  opts?: DedicatedClientOptions,
): Promise<T> {
  const client = await db.dedicatedClient(opts);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** BEGIN ... COMMIT around fn, ROLLBACK on any error (the error is rethrown untouched). */
export async function withTransaction<T>(
  client: Queryable,
  fn: () => Promise<T>,
  mode = 'BEGIN',
): Promise<T> {
  await client.query(mode);
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
