import type { Queryable } from './pool.js';
import { prepared } from './pool.js';
import { BusyError } from '../shared/errors.js';
import { isLockTimeout } from './sqlstate.js';

/** Identifies one advisory lock: a namespace (the control schema) and a name within it. */
export interface LockKey {
  namespace: string;
  name: string;
  /** What the lock protects, for the busy message. */
  what: string;
  /** The busy message itself, when "<what> is locked by another tenantctl run" reads badly. */
  busy?: string;
}

/** A lock_timeout value; never 0, which PostgreSQL reads as "wait forever". */
export function lockTimeoutSetting(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

function busy(key: LockKey, cause: unknown): BusyError {
  const err = new BusyError(key.busy ?? `${key.what} is locked by another tenantctl run`, {
    cause,
    code: 'lock-busy',
  });
  err.lock = key;
  return err;
}

/**
 * Transaction-scoped advisory lock; waits at most the transaction's lock_timeout, then BusyError.
 * Keys hash text on the server so every tenantctl version and process agrees on them.
 */
export async function takeXactLock(
  client: Queryable,
  key: LockKey,
  lockTimeoutMs?: number,
): Promise<void> {
  try {
    if (lockTimeoutMs === undefined)
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
        key.namespace,
        key.name,
      ]);
    // One round trip for the hot path of a fan-out: PostgreSQL evaluates the select list left to
    // right, so the timeout is in force when the lock is requested.
    else {
      await client.query(
        prepared(
          client,
          `SELECT set_config('lock_timeout', $3, true), pg_advisory_xact_lock(hashtext($1), hashtext($2))`,
          [key.namespace, key.name, lockTimeoutSetting(lockTimeoutMs)],
        ),
      );
    }
  } catch (err) {
    if (isLockTimeout(err)) throw busy(key, err);
    throw err;
  }
}

/**
 * Session-level advisory lock held while fn runs, released in finally. The wait is bounded by
 * timeoutMs; a crashed holder releases it with its connection. Only on a session connection
 * (Database.sessionClient): through a transaction pooler the lock would stay with a server
 * connection other clients then use.
 */
export async function withAdvisoryLock<T>(
  client: Queryable,
  key: LockKey,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [
    lockTimeoutSetting(timeoutMs),
  ]);
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [
      key.namespace,
      key.name,
    ]);
  } catch (err) {
    if (isLockTimeout(err)) throw busy(key, err);
    throw err;
  } finally {
    await client.query('RESET lock_timeout').catch(() => {});
  }
  try {
    return await fn();
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [key.namespace, key.name])
      .catch(() => {});
  }
}
