import type { Ctx } from '../control/context.js';
import { withClient } from '../pg/tx.js';
import { requireControlSchema } from '../control/registry.js';
import { readAuditLog, type AuditFilter, type AuditLogEntry } from '../control/audit.js';

export type { AuditFilter, AuditLogEntry } from '../control/audit.js';

/** `tenantctl audit`: who did what to which tenant, with what outcome, newest first. */
export async function auditLog(ctx: Ctx, filter: AuditFilter): Promise<AuditLogEntry[]> {
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    return readAuditLog(client, ctx.control, filter);
  });
}
