import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';
import { listTenants, requireControlSchema, type TenantRow } from '../control/registry.js';
import { assertAppliedUnchanged } from '../control/migration-state.js';
import { pendingMigrations, type MigrationFile } from '../control/migration-files.js';

export interface TenantPlan extends TenantRow {
  pending: MigrationFile[];
}

export interface FleetState {
  latest: number;
  tenants: TenantPlan[];
}

/**
 * Where every tenant (or the selected ones) stands, once the applied files are known unchanged; in
 * registration order, the order a fan-out works through them.
 */
export async function loadFleetState(
  client: Queryable,
  c: Control,
  files: MigrationFile[],
  slugs?: string[],
  opts: { ignoreLineEndings?: boolean } = {},
): Promise<FleetState> {
  await requireControlSchema(client, c);
  await assertAppliedUnchanged(client, c, files, 'migrate', opts);
  const tenants = (await listTenants(client, c, { slugs, order: 'registered' })).map((t) => ({
    ...t,
    pending: pendingMigrations(t, files),
  }));
  return { latest: files.length ? files[files.length - 1].id : 0, tenants };
}
