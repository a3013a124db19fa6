// One tenant's pending migrations, group by group: which path, lock-timeout retries with backoff,
// the fallback to the precise path, and the error that names the failing migration.
import type { Ctx } from '../control/context.js';
import { BusyError, TenantctlError, throwIfAborted } from '../shared/errors.js';
import { pause } from '../shared/abort.js';
import { MigrationSqlError, TransactionEndedError } from './apply.js';
import { isLockTimeout, isQueryCanceled, isStatementTimeout } from '../pg/sqlstate.js';
import { describeLostConnection, isConnectionLost } from '../pg/connection.js';
import { statementTimeoutOrigin } from '../pg/timeouts.js';
import { withClient } from '../pg/tx.js';
import { formatDuration } from '../shared/duration.js';
import { tableLockBusy, whoHolds } from '../control/locks.js';

import { SlotClient } from './slot.js';
import {
  groupMigrations,
  applyGroupInOneCall,
  applyGroupInTransaction,
  applyNonTransactional,
  type Engine,
  type TenantWork,
} from './paths.js';

/**
 * A statement timeout, with where it came from: the run's --statement-timeout, or the setting the
 * role gets from the server (a role-level default is easy to forget until a migration meets it).
 */
async function timeoutOrigin(e: Engine): Promise<string> {
  if (e.opts.statementTimeoutMs !== undefined)
    return `the run's --statement-timeout ${formatDuration(e.opts.statementTimeoutMs)}`;
  const origin = await withClient(e.ctx.db, statementTimeoutOrigin).catch(() => undefined);
  return `${origin ?? 'statement_timeout'}; give this run more with --statement-timeout <duration>`;
}

/** "; pid 4242 (psql, ...) holds AccessShareLock on org_acme.orders": who is in the way, now. */
async function holders(e: Engine, err: unknown, schema: string): Promise<string> {
  const busy = tableLockBusy(err, schema);
  if (!(busy instanceof BusyError)) return '';
  const who = await whoHolds(e.ctx.db, busy).catch(() => undefined);
  return who ? `; ${who.split('\n').join('; ')}` : '';
}

export class TenantMigrationError extends Error {
  constructor(
    message: string,
    readonly migrationId: number | null,
    readonly busy: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * All pending groups of one tenant, each retried on lock timeouts with backoff. A transactional
 * group goes through the one-call path; if that fails for any other reason, the group is run again
 * on the precise path (the first attempt left nothing behind), whose error is the one reported.
 */
export async function migrateTenant(e: Engine, slot: SlotClient, t: TenantWork): Promise<number[]> {
  const applied: number[] = [];
  for (const group of groupMigrations(t.pending)) {
    // Non-transactional groups have one path only; "precise" says which transactional path is next.
    let precise = !e.opts.oneCall || !group[0].transactional;
    for (let attempt = 0; ; ) {
      throwIfAborted(e.signal);
      const client = await slot.get();
      try {
        const ids = !group[0].transactional
          ? await applyNonTransactional(e, client, t, group[0])
          : await (precise ? applyGroupInTransaction : applyGroupInOneCall)(e, client, t, group);
        applied.push(...ids);
        break;
      } catch (err) {
        const busy = err instanceof BusyError || isLockTimeout(err);
        // A connection that saw a SQL error, or a migration end tenantctl's transaction (it may
        // have left session settings behind), is not used for the next tenant.
        if (!(err instanceof TenantctlError) || err instanceof TransactionEndedError)
          await slot.discard();
        // The server went away or the run was stopped: the run's problem, never this tenant's
        // migration failure; no fallback, no retry.
        if (isConnectionLost(err)) throw describeLostConnection(err, e.ctx.db.target);
        throwIfAborted(e.signal);
        if (!busy && !precise && !(err instanceof TenantctlError) && !isQueryCanceled(err)) {
          e.ctx.reporter.debug(
            `${t.slug}: ${(err as Error).message}; re-running on the statement-by-statement path`,
          );
          precise = true;
          continue;
        }
        if (busy && attempt < e.opts.retries) {
          attempt++;
          e.ctx.reporter.debug(`${t.slug}: lock timeout, retry ${attempt}/${e.opts.retries}`);
          await pause(Math.min(5000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random()), e.signal);
          continue;
        }
        const failedId =
          err instanceof MigrationSqlError || err instanceof TransactionEndedError
            ? err.migrationId
            : (group.find((m) => !applied.includes(m.id))?.id ?? null);
        const message = busy
          ? `could not get a lock within ${e.ctx.settings.lockTimeoutMs}ms after ${attempt + 1} attempts: ${(err as Error).message}${await holders(e, err, t.schema)}`
          : isStatementTimeout(err)
            ? `${(err as Error).message} (${await timeoutOrigin(e)})`
            : (err as Error).message;
        throw new TenantMigrationError(message, failedId, busy, { cause: err });
      }
    }
  }
  return applied;
}

/**
 * One tenant outside a fan-out: what `create` cannot do inside its transaction (migrations marked
 * disable-transaction), applied right after it commits, with the same locking and bookkeeping.
 */
export async function migrateOneTenant(ctx: Ctx, t: TenantWork): Promise<number[]> {
  const slot = new SlotClient(ctx, Infinity);
  try {
    return await migrateTenant({ ctx, opts: { retries: 3 }, signal: ctx.signal }, slot, t);
  } finally {
    await slot.close();
  }
}
