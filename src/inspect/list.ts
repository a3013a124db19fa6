import type { Ctx } from '../control/context.js';
import { UsageError } from '../shared/errors.js';
import { withClient } from '../pg/tx.js';
import { listTenants, requireControlSchema, type TenantRow } from '../control/registry.js';
import { loadMigrations, pendingMigrations } from '../control/migration-files.js';

export interface ListOptions {
  status?: string;
  template?: string;
  /** Only tenants with migrations pending against the migrations directory. */
  pending?: boolean;
}

export interface ListedTenant extends TenantRow {
  /** Pending migrations count, when a migrations directory is configured. */
  pending: number | null;
}

export async function listTenantsCmd(ctx: Ctx, opts: ListOptions = {}): Promise<ListedTenant[]> {
  if (opts.pending && !ctx.settings.migrationsDir)
    throw new UsageError('--pending needs a migrations directory', {
      hint: 'pass --migrations-dir <dir>',
    });
  const migrations = await loadMigrations(ctx.settings.migrationsDir);
  const rows = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    return listTenants(client, ctx.control, { status: opts.status, template: opts.template });
  });
  const listed = rows.map((t) => ({
    ...t,
    pending: ctx.settings.migrationsDir ? pendingMigrations(t, migrations).length : null,
  }));
  return opts.pending ? listed.filter((t) => (t.pending ?? 0) > 0) : listed;
}
