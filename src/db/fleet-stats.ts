import type { Queryable } from './pool.js';
import type { Control } from './control.js';

export interface SchemaCensus {
  schema: string;
  tables: number;
  /** Tables, indexes, sequences and TOAST, from relpages (as of the last VACUUM/ANALYZE), or exact. */
  bytes: number;
  /** Sum of pg_class.reltuples over tables that have been analysed. */
  rowEstimate: number;
}

/*
 * One pass over pg_class for every schema with the prefix. Sizes come from relpages by default:
 * pg_total_relation_size() asks the file system about every fork of every relation, which for a
 * fleet of 10,000 x 40 tables is millions of system calls; `exact` pays that price on request.
 */
function censusSql(exact: boolean): string {
  const size = exact
    ? `sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relkind IN ('r', 'p', 'm', 'S'))`
    : `sum(c.relpages::bigint + COALESCE(t.relpages, 0)) * current_setting('block_size')::bigint`;
  return `SELECT n.nspname AS schema,
                 count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p'))::int AS tables,
                 COALESCE(${size}, 0)::bigint AS bytes,
                 COALESCE(sum(c.reltuples) FILTER (WHERE c.relkind = 'r' AND c.reltuples > 0), 0)::bigint AS "rowEstimate"
          FROM pg_namespace n
          LEFT JOIN pg_class c ON c.relnamespace = n.oid
          ${exact ? '' : `LEFT JOIN pg_class t ON t.oid = c.reltoastrelid AND c.reltoastrelid <> 0`}
          WHERE starts_with(n.nspname, $1)
          GROUP BY n.nspname`;
}

export async function schemaCensus(client: Queryable, prefix: string, exact = false): Promise<SchemaCensus[]> {
  const { rows } = await client.query(censusSql(exact), [prefix]);
  return rows.map((r) => ({ schema: r.schema, tables: r.tables, bytes: Number(r.bytes), rowEstimate: Number(r.rowEstimate) }));
}

export interface RegisteredTenant {
  id: number;
  slug: string;
  schema: string;
  status: 'active' | 'suspended';
  template: string;
  rwRole: string;
  roRole: string;
  /** How many migrations are recorded, and the highest id (0 when none). */
  applied: number;
  version: number;
}

/** The registry with migration counts, in one query (no per-tenant subqueries). */
export async function registeredTenants(client: Queryable, c: Control, slugs?: string[]): Promise<RegisteredTenant[]> {
  const { rows } = await client.query(
    `SELECT t.id::int AS id, t.slug, t.schema_name AS schema, t.status, t.template, t.rw_role AS "rwRole", t.ro_role AS "roRole",
            COALESCE(m.applied, 0)::int AS applied, COALESCE(m.version, 0)::int AS version
     FROM ${c.tenants} t
     LEFT JOIN (SELECT tenant_id, count(*) AS applied, max(migration_id) AS version FROM ${c.tenantMigrations} GROUP BY tenant_id) m
       ON m.tenant_id = t.id
     WHERE $1::text[] IS NULL OR t.slug = ANY($1)
     ORDER BY t.slug`,
    [slugs ?? null],
  );
  return rows;
}

export interface AppliedGroup {
  id: number;
  name: string;
  hash: string;
  slugs: string[];
}

/** Applied migrations grouped by id and hash: a handful of rows however many tenants there are. */
export async function appliedGroups(client: Queryable, c: Control): Promise<AppliedGroup[]> {
  const { rows } = await client.query(
    `SELECT m.migration_id AS id, min(m.name) AS name, m.hash, array_agg(t.slug ORDER BY t.slug) AS slugs
     FROM ${c.tenantMigrations} m JOIN ${c.tenants} t ON t.id = m.tenant_id
     GROUP BY m.migration_id, m.hash ORDER BY 1`,
  );
  return rows;
}
