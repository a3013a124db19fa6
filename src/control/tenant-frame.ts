import type pg from 'pg';
import type { Ctx } from './context.js';
import { FailedError } from '../shared/errors.js';
import { withClient, withTransaction, takeXactLock } from '../pg/tx.js';
import { tenantLock } from './locks.js';
import { requireControlSchema, getTenant, schemaExists, type TenantRow } from './registry.js';
import { writeAuditQuietly } from './audit.js';

/**
 * The frame of every change to one existing tenant: find it, open a transaction, take its lock
 * (bounded by --lock-timeout, BusyError after), re-read it under the lock, do the work; on failure
 * write the audit record after the rollback. The work writes its own success record inside.
 */
export async function underTenantLock<T>(
  ctx: Ctx,
  command: string,
  slug: string,
  details: Record<string, unknown>,
  work: (client: pg.ClientBase, t: TenantRow, started: number) => Promise<T>,
  opts: { requireSchema?: boolean } = {},
): Promise<T> {
  const c = ctx.control;
  const started = performance.now();
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const known = await getTenant(client, c, slug);
    try {
      return await withTransaction(client, async () => {
        await takeXactLock(client, tenantLock(c.schema, known.schema), ctx.settings.lockTimeoutMs);
        const t = await getTenant(client, c, slug);
        if (opts.requireSchema !== false && !(await schemaExists(client, t.schema))) {
          throw new FailedError(`schema ${t.schema} of tenant "${slug}" is missing`, {
            hint: 'see `tenantctl info`',
          });
        }
        return work(client, t, started);
      });
    } catch (err) {
      await writeAuditQuietly(client, c, {
        command,
        tenant: slug,
        outcome: 'failed',
        durationMs: performance.now() - started,
        details: { ...details, error: (err as Error).message },
      });
      throw err;
    }
  });
}
