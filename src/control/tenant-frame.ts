import type pg from 'pg';
import type { Ctx } from './context.js';
import { FailedError } from '../shared/errors.js';
import { withClient, withTransaction } from '../pg/tx.js';
import { takeXactLock } from '../pg/advisory-lock.js';
import { tenantLock, tableLockBusy } from './locks.js';
import {
  requireControlSchema,
  getTenant,
  findTenant,
  schemaExists,
  type TenantRow,
} from './registry.js';
import { writeAuditQuietly } from './audit.js';
import { failureOutcome } from './fanout.js';

/**
 * The two frames every per-tenant change runs in. Each is one transaction holding the tenant's
 * transaction-scoped advisory lock (its wait bounded by --lock-timeout, BusyError after), so a
 * change and its registry, bookkeeping and success audit record commit together; on failure the
 * audit record is written after the rollback. Nothing in them is session state, so they are
 * correct through a transaction pooler. A stop (ctx.signal) that comes while the work runs rolls
 * the change back rather than committing it after the operator asked to stop.
 */

export interface TenantFrame {
  /** The audit record's command, e.g. "suspend". */
  command: string;
  slug: string;
  /** Written into the failure audit record beside the error. */
  details?: Record<string, unknown>;
  /** Fail when the tenant's schema is gone (default true; drop sets false). */
  requireSchema?: boolean;
  /**
   * Finds the tenant before the transaction (default: by slug, FailedError when unknown). `access`
   * uses it to report an unknown tenant and an unknown role in one error and to refuse roles
   * before anything is locked. Errors thrown here are not audited: nothing was attempted.
   */
  lookup?: (client: pg.ClientBase) => Promise<TenantRow>;
}

/**
 * A change to one existing tenant: find it, open a transaction, take its lock, re-read it under the
 * lock (a concurrent drop or rename wins cleanly), then `work`, which writes its own success record.
 * `started` is performance.now() at the frame's start, for the record's duration.
 */
export async function underTenantLock<T>(
  ctx: Ctx,
  frame: TenantFrame,
  work: (client: pg.ClientBase, t: TenantRow, started: number) => Promise<T>,
): Promise<T> {
  const c = ctx.control;
  const started = performance.now();
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const known = await (frame.lookup ?? ((cl) => getTenant(cl, c, frame.slug)))(client);
    try {
      return await withTransaction(
        client,
        async () => {
          await takeXactLock(
            client,
            tenantLock(c.schema, known.schema),
            ctx.settings.lockTimeoutMs,
          );
          const t = await getTenant(client, c, frame.slug);
          if (frame.requireSchema !== false && !(await schemaExists(client, t.schema))) {
            throw new FailedError(`schema ${t.schema} of tenant "${frame.slug}" is missing`, {
              code: 'tenant-schema-missing',
            });
          }
          return await work(client, t, started);
        },
        { signal: ctx.signal },
      );
    } catch (err) {
      await auditFailure(client, ctx, frame, started, err);
      throw tableLockBusy(err, known.schema);
    }
  });
}

export interface NewTenantFrame extends Omit<TenantFrame, 'requireSchema' | 'lookup'> {
  schema: string;
  /**
   * create and import make the schema (it must not exist: an unregistered schema is never
   * touched); adopt registers one that is there.
   */
  schemaIs: 'absent' | 'present';
  /** Added to the "already exists" refusals, e.g. how to pick another name. */
  conflictHint?: string;
}

/**
 * A new tenant (create, adopt, import) on the caller's client: a transaction under the lock of
 * the schema it will have, refusing a registered slug and a schema in the wrong state, then
 * `work`, which registers the tenant and writes its own success record.
 */
export async function underNewTenantLock<T>(
  ctx: Ctx,
  client: pg.ClientBase,
  frame: NewTenantFrame,
  work: (started: number) => Promise<T>,
): Promise<T> {
  const c = ctx.control;
  const started = performance.now();
  try {
    return await withTransaction(
      client,
      async () => {
        await takeXactLock(client, tenantLock(c.schema, frame.schema), ctx.settings.lockTimeoutMs);
        if (await findTenant(client, c, frame.slug)) {
          throw new FailedError(`tenant "${frame.slug}" already exists`, {
            hint: frame.conflictHint,
          });
        }
        const exists = await schemaExists(client, frame.schema);
        if (frame.schemaIs === 'absent' && exists) {
          throw new FailedError(
            `schema ${frame.schema} already exists and is not a registered tenant; tenantctl leaves it untouched`,
            { hint: frame.conflictHint ?? 'register it with `tenantctl adopt`' },
          );
        }
        if (frame.schemaIs === 'present' && !exists) {
          throw new FailedError(`schema ${frame.schema} disappeared`);
        }
        return await work(started);
      },
      { signal: ctx.signal },
    );
  } catch (err) {
    await auditFailure(client, ctx, frame, started, err);
    throw err;
  }
}

async function auditFailure(
  client: pg.ClientBase,
  ctx: Ctx,
  frame: Pick<TenantFrame, 'command' | 'slug' | 'details'>,
  started: number,
  err: unknown,
): Promise<void> {
  await writeAuditQuietly(client, ctx.control, {
    command: frame.command,
    tenant: frame.slug,
    outcome: failureOutcome(err, ctx.signal),
    durationMs: performance.now() - started,
    details: { ...frame.details, error: (err as Error).message },
  });
}
