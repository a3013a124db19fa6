import type { Queryable } from '../pg/pool.js';
import type { Control } from './control.js';

/**
 * The control schema's record of `access grant`: which role has which access to which tenant,
 * and whether its search_path was set there.
 */

export interface GrantRow {
  slug: string;
  role: string;
  readOnly: boolean;
  searchPath: boolean;
  grantedAt: Date;
}

export async function listGrantRows(
  client: Queryable,
  c: Control,
  tenantId: number | null,
): Promise<GrantRow[]> {
  const { rows } = await client.query(
    `SELECT t.slug, g.role_name AS role, g.read_only AS "readOnly", g.search_path AS "searchPath", g.granted_at AS "grantedAt"
     FROM ${c.accessGrants} g JOIN ${c.tenants} t ON t.id = g.tenant_id
     WHERE $1::bigint IS NULL OR g.tenant_id = $1 ORDER BY t.slug, g.role_name`,
    [tenantId],
  );
  return rows;
}

export async function upsertGrantRow(
  client: Queryable,
  c: Control,
  tenantId: number,
  role: string,
  readOnly: boolean,
  searchPath: boolean,
): Promise<void> {
  await client.query(
    `INSERT INTO ${c.accessGrants} (tenant_id, role_name, read_only, search_path) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, role_name) DO UPDATE SET read_only = EXCLUDED.read_only, search_path = EXCLUDED.search_path, granted_at = now()`,
    [tenantId, role, readOnly, searchPath],
  );
}

export async function deleteGrantRow(
  client: Queryable,
  c: Control,
  tenantId: number,
  role: string,
): Promise<void> {
  await client.query(`DELETE FROM ${c.accessGrants} WHERE tenant_id = $1 AND role_name = $2`, [
    tenantId,
    role,
  ]);
}

/** A role's search_path points at one tenant at a time; the others stop claiming it. */
export async function clearOtherSearchPaths(
  client: Queryable,
  c: Control,
  tenantId: number,
  role: string,
): Promise<string[]> {
  const { rows } = await client.query(
    `UPDATE ${c.accessGrants} g SET search_path = false FROM ${c.tenants} t
     WHERE t.id = g.tenant_id AND g.role_name = $2 AND g.tenant_id <> $1 AND g.search_path RETURNING t.slug`,
    [tenantId, role],
  );
  return rows.map((r) => r.slug);
}

/** Every tenant group role in this registry: never a grantee of `access grant`. */
export async function isTenantGroupRole(
  client: Queryable,
  c: Control,
  role: string,
): Promise<string | undefined> {
  const { rows } = await client.query(
    `SELECT slug FROM ${c.tenants} WHERE rw_role = $1 OR ro_role = $1 LIMIT 1`,
    [role],
  );
  return rows[0]?.slug;
}

/** The grants tenantctl made with `access grant`, as (tenant slug, role). */
export async function recordedAccessGrants(
  client: Queryable,
  c: Control,
): Promise<{ slug: string; role: string }[]> {
  const { rows } = await client.query(
    `SELECT t.slug, g.role_name AS role FROM ${c.accessGrants} g JOIN ${c.tenants} t ON t.id = g.tenant_id`,
  );
  return rows;
}
