import type { Ctx } from '../control/context.js';
import { loadMigrations, pendingMigrations } from '../control/migration-files.js';
import { withClient, withDedicatedClient, withTransaction } from '../pg/tx.js';
import { listTenants, requireControlSchema } from '../control/registry.js';
import { schemaCensus } from './census.js';
import { push } from '../shared/multimap.js';

export interface StatsOptions {
  /** pg_total_relation_size for every relation instead of the catalog's relpages. */
  exactSizes?: boolean;
}

export interface TenantStats {
  slug: string;
  schema: string;
  status: string;
  template: string | null;
  schemaExists: boolean;
  tables: number;
  bytes: number;
  rowEstimate: number;
  applied: number;
  version: number;
  /** Migrations in the migrations directory not applied yet; null without a directory. */
  pending: number | null;
}

export interface FleetStats {
  totals: {
    tenants: number;
    /** Schemas with the prefix, registered or not. */
    schemas: number;
    /** Tables in all schemas with the prefix (orphans included). */
    tables: number;
    bytes: number;
    rowEstimate: number;
  };
  byStatus: Record<string, number>;
  tablesPerTenant: { min: number; median: number; max: number } | null;
  sizes: 'estimated' | 'exact';
  migrations: {
    dir: string | null;
    latest: number | null;
    upToDate: number | null;
    behind: number | null;
  };
  tenants: TenantStats[];
  orphans: string[];
  missing: { slug: string; schema: string; status: string }[];
  /** Tenants whose table count differs from the most common count among tenants of their template. */
  outliers: { slug: string; schema: string; template: string; tables: number; majority: number }[];
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The most common value; ties go to the larger count so an extra-table tenant is never "the norm" alone. */
function mode(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0];
  for (const [v, n] of counts)
    if (n > counts.get(best)! || (n === counts.get(best)! && v > best)) best = v;
  return best;
}

/** The census transaction's own settings (besides the timeouts). */
export const CENSUS_SETTINGS = { jit: 'off' };

/** Two catalog-wide queries, whatever the fleet size, run side by side: the registry with migration counts, and the census. */
export async function fleetStats(ctx: Ctx, opts: StatsOptions = {}): Promise<FleetStats> {
  const migrations = await loadMigrations(ctx.settings.migrationsDir);
  const hasDir = ctx.settings.migrationsDir !== undefined;
  const latest = migrations.length ? migrations[migrations.length - 1].id : 0;
  // The control schema is checked first, so that a database tenantctl does not manage fails at
  // once instead of after a census (minutes with --exact-sizes on a big fleet). Then two
  // connections: the census (one pass over pg_class) is the long one, on a connection of its own
  // whatever size the caller gave the pool, and the registry with its migration counts runs beside it.
  // Both read in transactions of their own with the timeouts off (a role's statement_timeout must
  // not cut a census short, as pg_dump's sessions ignore it); the census with JIT off: at 10,000
  // tenants its cost passes jit_above_cost, and compiling one catalog pass in every parallel
  // worker buys nothing. All SET LOCAL, sent with the BEGIN: no startup parameter a pooler would
  // refuse, nothing left behind on a pooled server connection.
  const [registry, census] = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    return Promise.all([
      withTransaction(client, () => listTenants(client, ctx.control), {
        begin: 'BEGIN READ ONLY',
        noTimeouts: true,
      }),
      withDedicatedClient(ctx.db, (own) =>
        withTransaction(own, () => schemaCensus(own, ctx.settings.schemaPrefix, opts.exactSizes), {
          begin: 'BEGIN READ ONLY',
          noTimeouts: true,
          settings: CENSUS_SETTINGS,
        }),
      ),
    ]);
  });
  const bySchema = new Map(census.map((s) => [s.schema, s]));
  const registered = new Set(registry.map((t) => t.schema));

  const tenants: TenantStats[] = registry.map((t) => {
    const s = bySchema.get(t.schema);
    return {
      slug: t.slug,
      schema: t.schema,
      status: t.status,
      template: t.template,
      schemaExists: s !== undefined,
      tables: s?.tables ?? 0,
      bytes: s?.bytes ?? 0,
      rowEstimate: s?.rowEstimate ?? 0,
      applied: t.applied,
      version: t.version,
      pending: hasDir ? pendingMigrations(t, migrations).length : null,
    };
  });
  const present = tenants.filter((t) => t.schemaExists);
  const counts = present.map((t) => t.tables).sort((a, b) => a - b);

  const outliers: FleetStats['outliers'] = [];
  const byTemplate = new Map<string, TenantStats[]>();
  // A tenant adopted without a template has no peers to be compared with.
  for (const t of present) if (t.template !== null) push(byTemplate, t.template, t);
  for (const [template, group] of byTemplate) {
    const majority = mode(group.map((t) => t.tables));
    for (const t of group)
      if (t.tables !== majority)
        outliers.push({ slug: t.slug, schema: t.schema, template, tables: t.tables, majority });
  }
  outliers.sort((a, b) => a.slug.localeCompare(b.slug));

  const byStatus: Record<string, number> = { active: 0, suspended: 0 };
  for (const t of tenants) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;

  return {
    totals: {
      tenants: tenants.length,
      schemas: census.length,
      tables: census.reduce((n, s) => n + s.tables, 0),
      bytes: census.reduce((n, s) => n + s.bytes, 0),
      rowEstimate: census.reduce((n, s) => n + s.rowEstimate, 0),
    },
    byStatus,
    tablesPerTenant: counts.length
      ? { min: counts[0], median: median(counts), max: counts[counts.length - 1] }
      : null,
    sizes: opts.exactSizes ? 'exact' : 'estimated',
    migrations: {
      dir: ctx.settings.migrationsDir ?? null,
      latest: hasDir ? latest : null,
      upToDate: hasDir ? tenants.filter((t) => t.pending === 0).length : null,
      behind: hasDir ? tenants.filter((t) => (t.pending ?? 0) > 0).length : null,
    },
    tenants,
    orphans: census
      .filter((s) => !registered.has(s.schema))
      .map((s) => s.schema)
      .sort(),
    missing: tenants
      .filter((t) => !t.schemaExists)
      .map((t) => ({ slug: t.slug, schema: t.schema, status: t.status })),
    outliers,
  };
}
