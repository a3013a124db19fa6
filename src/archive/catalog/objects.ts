import type { Queryable } from '../../pg/pool.js';
import type { CatalogScope } from './scope.js';
import { Registry } from './model.js';

/**
 * The tenant's objects, collected once. PostgreSQL indexes pg_class, pg_type and pg_proc by
 * name+namespace, never by namespace alone, so "WHERE relnamespace = $1" scans the whole catalog.
 * The objects' dependency on their schema is indexed (pg_depend_reference_index): their oids are
 * collected there and every reader goes through the oid indexes, so cost follows the tenant's
 * size. The oid lists are left in transaction-local settings (tenantctl.rels, .types, .procs) for
 * the readers' queries.
 */
export async function collectObjects(
  client: Queryable,
  schema: string,
  nsp: number,
): Promise<CatalogScope> {
  // $1 is the schema's oid for the queries that filter by it.
  const q = async (sql: string, params: unknown[] = /\$1\b/.test(sql) ? [nsp] : []) =>
    (await client.query(sql, params)).rows;
  const objects: { catalog: string; oids: number[] }[] = await q(
    `SELECT d.classid::regclass::text AS catalog, array_agg(DISTINCT d.objid)::int8[] AS oids
     FROM pg_depend d WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = $1 GROUP BY 1`,
  );
  const oidsOf = (catalog: string) =>
    (objects.find((o) => o.catalog === catalog)?.oids ?? []).map(Number);
  // A composite type's pg_class entry hangs off its pg_type row, not the schema.
  const typeOids = oidsOf('pg_type');
  const compositeRels = typeOids.length
    ? (
        await client.query(
          `SELECT t.typrelid::int8 AS r FROM pg_type t WHERE t.oid = ANY($1::oid[]) AND t.typrelid <> 0`,
          [typeOids],
        )
      ).rows.map((r) => Number(r.r))
    : [];
  const relOids = [...oidsOf('pg_class'), ...compositeRels];
  await client.query(
    `SELECT set_config('tenantctl.rels', $1, true), set_config('tenantctl.types', $2, true), set_config('tenantctl.procs', $3, true)`,
    [`{${relOids.join(',')}}`, `{${typeOids.join(',')}}`, `{${oidsOf('pg_proc').join(',')}}`],
  );
  const [{ qi, version }] = await q(
    `SELECT quote_ident(nspname) AS qi, current_setting('server_version_num')::int AS version FROM pg_namespace WHERE oid = $1`,
  );
  return { client, schema, nsp, qschema: qi, objects, q, version, reg: new Registry() };
}
