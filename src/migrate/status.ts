import type { Ctx } from '../control/context.js';
import { requireMigrations } from '../control/migration-files.js';
import { loadFleetState } from './state.js';
import { selectTenants } from '../control/selection.js';
import { withClient } from '../pg/tx.js';
import { lastFailures } from '../control/migration-state.js';

export interface MigrateStatus {
  latest: number;
  migrations: { id: number; name: string; transactional: boolean }[];
  tenants: number;
  current: number;
  behind: number;
  /** Tenants per applied version, highest first. */
  versions: { version: number; tenants: number }[];
  pending: { slug: string; version: number; pending: number[] }[];
  failedLastTime: { slug: string; migrationId: number | null; error: string; failedAt: Date }[];
}

export async function migrateStatus(
  ctx: Ctx,
  opts: { tenants?: string[] } = {},
): Promise<MigrateStatus> {
  const files = await requireMigrations(ctx.settings.migrationsDir);
  const c = ctx.control;
  return withClient(ctx.db, async (client) => {
    const slugs = await selectTenants(client, c, opts.tenants, ctx.settings.schemaPrefix);
    const state = await loadFleetState(client, c, files, slugs);
    const versions = new Map<number, number>();
    for (const t of state.tenants) versions.set(t.version, (versions.get(t.version) ?? 0) + 1);
    const pending = state.tenants
      .filter((t) => t.pending.length)
      .map((t) => ({ slug: t.slug, version: t.version, pending: t.pending.map((m) => m.id) }));
    const failures = (await lastFailures(client, c)).filter(
      (f) => !slugs || slugs.includes(f.slug),
    );
    return {
      latest: state.latest,
      migrations: files.map((f) => ({ id: f.id, name: f.name, transactional: f.transactional })),
      tenants: state.tenants.length,
      current: state.tenants.length - pending.length,
      behind: pending.length,
      versions: [...versions]
        .sort((a, b) => b[0] - a[0])
        .map(([version, tenants]) => ({ version, tenants })),
      pending,
      failedLastTime: failures,
    };
  });
}
