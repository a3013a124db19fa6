import { prepared, type Queryable } from '../pg/pool.js';
import type { Control } from './control.js';
import { lockTimeoutSetting } from '../pg/tx.js';

export interface TenantVersion {
  id: number;
  slug: string;
  schema: string;
  status: string;
  /** Highest applied migration id. */
  version: number;
  /** How many are applied; equal to version when the applied set is 1..version, as it always is. */
  appliedCount: number;
  /** The last attempt failed (a row in migration_failures to clear on success). */
  failedBefore: boolean;
}

/** Every tenant's migration position in one aggregate over the bookkeeping table. */
export async function tenantVersions(
  client: Queryable,
  c: Control,
  slugs?: string[],
): Promise<TenantVersion[]> {
  const { rows } = await client.query(
    `SELECT t.id::int AS id, t.slug, t.schema_name AS schema, t.status,
            COALESCE(m.version, 0) AS version, COALESCE(m.n, 0) AS "appliedCount",
            EXISTS (SELECT 1 FROM ${c.migrationFailures} f WHERE f.tenant_id = t.id) AS "failedBefore"
     FROM ${c.tenants} t
     LEFT JOIN (SELECT tenant_id, max(migration_id) AS version, count(*)::int AS n
                FROM ${c.tenantMigrations} GROUP BY tenant_id) m ON m.tenant_id = t.id
     WHERE $1::text[] IS NULL OR t.slug = ANY($1)
     ORDER BY t.id`,
    [slugs ?? null],
  );
  return rows;
}

/**
 * Distinct (id, name, hash) applied anywhere, with how many tenants have each. A recursive loose
 * index scan over (migration_id, hash) touches a few index pages per distinct pair, so this stays
 * in milliseconds however many tenants there are; counts are taken only for those pairs.
 */
export async function appliedSummary(
  client: Queryable,
  c: Control,
): Promise<{ id: number; name: string; hash: string; tenants: number }[]> {
  const t = c.tenantMigrations;
  const { rows } = await client.query(
    `WITH RECURSIVE pairs AS (
       (SELECT migration_id, hash FROM ${t} ORDER BY migration_id, hash LIMIT 1)
       UNION ALL
       SELECT nxt.migration_id, nxt.hash FROM pairs p,
         LATERAL (SELECT migration_id, hash FROM ${t} WHERE (migration_id, hash) > (p.migration_id, p.hash)
                  ORDER BY migration_id, hash LIMIT 1) nxt)
     SELECT p.migration_id AS id, p.hash,
            (SELECT name FROM ${t} x WHERE x.migration_id = p.migration_id AND x.hash = p.hash LIMIT 1) AS name
     FROM pairs p ORDER BY 1`,
  );
  return rows.map((r) => ({ ...r, tenants: 0 }));
}

/** How many tenants have each (id, hash) pair: only needed to word an error, so only asked then. */
export async function tenantsWithPairs(
  client: Queryable,
  c: Control,
  pairs: { id: number; hash: string }[],
): Promise<number[]> {
  const { rows } = await client.query(
    `SELECT (SELECT count(*)::int FROM ${c.tenantMigrations} m WHERE m.migration_id = p.id AND m.hash = p.hash) AS n
     FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS p(id, hash, ord) ORDER BY p.ord`,
    [pairs.map((p) => p.id), pairs.map((p) => p.hash)],
  );
  return rows.map((r) => r.n);
}

export async function appliedIds(
  client: Queryable,
  c: Control,
  tenantId: number,
): Promise<Set<number>> {
  const { rows } = await client.query(
    `SELECT migration_id FROM ${c.tenantMigrations} WHERE tenant_id = $1`,
    [tenantId],
  );
  return new Set(rows.map((r) => r.migration_id as number));
}

/**
 * Inside a tenant's transaction, one round trip: the tenant's lock (waited for at most
 * lockTimeoutMs), then what is applied now (another run may have been first) and whether the
 * tenant still exists (a drop may have won the lock), read after the lock by the control schema's
 * lock_tenant_for_migration(); then search_path pointed at the tenant for the migrations.
 */
export async function lockAndEnterTenant(
  client: Queryable,
  c: Control,
  lock: { namespace: string; name: string },
  lockTimeoutMs: number,
  tenant: { id: number; schema: string },
  searchPath: string,
): Promise<{ applied: Set<number>; present: boolean }> {
  const { rows } = await client.query(
    prepared(
      `SELECT f.applied, f.present, set_config('search_path', $6, true) AS sp
       FROM ${c.q}.lock_tenant_for_migration($1, $2, $3, $4, $5) f`,
      [
        lock.namespace,
        lock.name,
        lockTimeoutSetting(lockTimeoutMs),
        tenant.id,
        tenant.schema,
        searchPath,
      ],
    ),
  );
  return { applied: new Set(rows[0].applied as number[]), present: rows[0].present };
}

/**
 * A tenant's whole transactional step in one round trip (control schema's migrate_tenant(), run as
 * one statement and so in its own transaction): lock, re-read, each migration not yet applied with
 * search_path on the tenant, its bookkeeping row, the last failure cleared. Returns the ids it ran.
 */
export async function migrateTenantInOneCall(
  client: Queryable,
  c: Control,
  lock: { namespace: string; name: string },
  lockTimeoutMs: number,
  tenant: { id: number; schema: string; clearFailure: boolean },
  searchPath: string,
  migrations: { id: number; name: string; hash: string; sql: string }[],
): Promise<{ applied: number[]; present: boolean }> {
  const { rows } = await client.query(
    prepared(
      `SELECT f.present, f.applied FROM ${c.q}.migrate_tenant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) f`,
      [
        lock.namespace,
        lock.name,
        lockTimeoutSetting(lockTimeoutMs),
        tenant.id,
        tenant.schema,
        searchPath,
        migrations.map((m) => m.id),
        migrations.map((m) => m.name),
        migrations.map((m) => m.hash),
        migrations.map((m) => m.sql),
        tenant.clearFailure,
      ],
    ),
  );
  return { applied: rows[0].applied as number[], present: rows[0].present };
}

/** Whether the tenant is still registered and its schema still there (a drop may have won the lock). */
export async function tenantPresent(
  client: Queryable,
  c: Control,
  tenant: { id: number; schema: string },
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT EXISTS (SELECT 1 FROM ${c.tenants} WHERE id = $1) AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2) AS present`,
    [tenant.id, tenant.schema],
  );
  return rows[0].present;
}

export async function recordFailure(
  client: Queryable,
  c: Control,
  tenantId: number,
  migrationId: number | null,
  error: string,
): Promise<void> {
  await client.query(
    `INSERT INTO ${c.migrationFailures} (tenant_id, migration_id, error)
     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM ${c.tenants} WHERE id = $1)
     ON CONFLICT (tenant_id) DO UPDATE SET migration_id = EXCLUDED.migration_id, error = EXCLUDED.error, failed_at = now()`,
    [tenantId, migrationId, error],
  );
}

export async function clearFailure(client: Queryable, c: Control, tenantId: number): Promise<void> {
  await client.query(`DELETE FROM ${c.migrationFailures} WHERE tenant_id = $1`, [tenantId]);
}

export async function lastFailures(
  client: Queryable,
  c: Control,
): Promise<{ slug: string; migrationId: number | null; error: string; failedAt: Date }[]> {
  const { rows } = await client.query(
    `SELECT t.slug, f.migration_id AS "migrationId", f.error, f.failed_at AS "failedAt"
     FROM ${c.migrationFailures} f JOIN ${c.tenants} t ON t.id = f.tenant_id ORDER BY t.slug`,
  );
  return rows;
}
