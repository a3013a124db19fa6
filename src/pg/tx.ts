import type pg from 'pg';
import type { Database, Queryable } from './pool.js';
import { TenantctlError, abortError } from '../shared/errors.js';
import { sqlstateOf } from './sqlstate.js';
import { describeLostConnection, isConnectionLost } from './connection.js';
import { quoteIdent, quoteLiteral } from './quote.js';

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
    broken =
      (sqlstateOf(err) || err instanceof TenantctlError) && !isConnectionLost(err)
        ? undefined
        : (err as Error);
    throw describeLostConnection(err, db.target);
  } finally {
    client.release(broken);
  }
}

/**
 * A connection of its own (outside the pool) for the duration of fn, always closed: for work that
 * must run beside the pool's clients.
 */
export async function withDedicatedClient<T>(
  db: Database,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await db.dedicatedClient();
  try {
    return await fn(client);
  } catch (err) {
    throw describeLostConnection(err, db.target);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TransactionOptions {
  /** The statement that opens it (default BEGIN), e.g. BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY. */
  begin?: string;
  /**
   * Settings for this transaction only (SET LOCAL, sent with the BEGIN in one round trip; being
   * utility statements they do not fix a REPEATABLE READ snapshot).
   */
  settings?: Record<string, string>;
  /**
   * statement_timeout and idle_in_transaction_session_timeout off for this transaction, as pg_dump
   * does for its session: a read of the whole tenant or catalog must not die of a limit meant for
   * application queries. SET LOCAL, so nothing leaks into a pooled server connection.
   */
  noTimeouts?: boolean;
  /**
   * SET LOCAL search_path TO this list of already quoted identifiers (a list setting cannot go
   * through `settings`: one quoted literal would be one schema name).
   */
  searchPath?: string;
  /** Fired before the work finished: roll back instead of committing, and throw its reason. */
  signal?: AbortSignal;
}

/** The settings that turn statement and idle-in-transaction timeouts off for one transaction. */
export const NO_TIMEOUTS = { statement_timeout: '0', idle_in_transaction_session_timeout: '0' };

/** BEGIN and the transaction's SET LOCALs as one simple-protocol query. */
export function beginSql(opts: TransactionOptions = {}): string {
  const settings = { ...(opts.noTimeouts ? NO_TIMEOUTS : {}), ...opts.settings };
  return [
    opts.begin ?? 'BEGIN',
    ...Object.entries(settings).map(([k, v]) => `SET LOCAL ${quoteIdent(k)} = ${quoteLiteral(v)}`),
    ...(opts.searchPath ? [`SET LOCAL search_path TO ${opts.searchPath}`] : []),
  ].join('; ');
}

/** BEGIN ... COMMIT around fn, ROLLBACK on any error (the error is rethrown untouched). */
export async function withTransaction<T>(
  client: Queryable,
  fn: () => Promise<T>,
  opts: string | TransactionOptions = {},
): Promise<T> {
  const o = typeof opts === 'string' ? { begin: opts } : opts;
  await client.query(beginSql(o));
  try {
    const result = await fn();
    // Interrupted while the work ran: whatever it did is rolled back, not committed after the fact.
    if (o.signal?.aborted) throw abortError(o.signal);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
