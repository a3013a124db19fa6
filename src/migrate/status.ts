import type { Ctx } from '../control/context.js';
import { requireMigrations } from '../control/migration-files.js';
import { loadFleetState } from './state.js';
import { selectTenants } from '../control/selection.js';
import { withClient } from '../pg/tx.js';
import { lastFailures } from '../control/migration-state.js';
import { runningRecords } from '../control/audit.js';
import { requireControlSchema } from '../control/registry.js';
import { migrateRunLock } from '../control/locks.js';
import { advisoryLockHolders } from '../pg/lock-holders.js';
import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';

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
  /** A migrate run in progress now, or one that died before its end; null when neither. */
  run: RunState | null;
}

/**
 * `running`: another migrate holds the run lock (who, since). `died`: a run's audit record is still
 * open but nobody holds the lock: it was killed, and the next run marks it interrupted.
 */
export interface RunState {
  state: 'running' | 'died';
  since: Date | null;
  dbUser: string | null;
  osUser: string | null;
  clientHost: string | null;
  pid: number | null;
  application: string | null;
}

async function runState(client: Queryable, c: Control): Promise<RunState | null> {
  const [records, holders] = await Promise.all([
    runningRecords(client, c, 'migrate'),
    advisoryLockHolders(client, migrateRunLock(c.schema)),
  ]);
  const rec = records[0];
  const h = holders[0];
  if (!rec && !h) return null;
  return {
    state: h ? 'running' : 'died',
    since: rec?.at ?? h?.since ?? null,
    dbUser: rec?.dbUser ?? h?.user ?? null,
    osUser: rec?.osUser ?? null,
    clientHost: rec?.clientHost ?? h?.client ?? null,
    pid: h?.pid ?? null,
    application: h?.application ?? null,
  };
}

export async function migrateStatus(
  ctx: Ctx,
  opts: { tenants?: string[]; exclude?: string[] } = {},
): Promise<MigrateStatus> {
  const files = await requireMigrations(ctx.settings.migrationsDir);
  const c = ctx.control;
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const slugs = await selectTenants(
      client,
      c,
      { include: opts.tenants, exclude: opts.exclude },
      ctx.settings.schemaPrefix,
    );
    const state = await loadFleetState(client, c, files, slugs);
    const versions = new Map<number, number>();
    for (const t of state.tenants) versions.set(t.version, (versions.get(t.version) ?? 0) + 1);
    const pending = state.tenants
      .filter((t) => t.pending.length)
      .map((t) => ({ slug: t.slug, version: t.version, pending: t.pending.map((m) => m.id) }));
    const failures = (await lastFailures(client, c)).filter(
      (f) => !slugs || slugs.includes(f.slug),
    );
    const run = await runState(client, c);
    return {
      latest: state.latest,
      migrations: files.map((f) => ({ id: f.id, name: f.name, transactional: f.transactional })),
      tenants: state.tenants.length,
      current: state.tenants.length - pending.length,
      behind: pending.length,
      versions: [...versions]
        .sort((a, b) => b[0] - a[0])
        .map(([version, tenants]) => ({ version, tenants })),
      pending: pending.sort((a, b) => a.slug.localeCompare(b.slug)),
      failedLastTime: failures,
      run,
    };
  });
}
