import type { Queryable } from '../../pg/pool.js';
import { quoteIdent } from '../../pg/quote.js';
import type { Registry } from './model.js';

/**
 * What every catalog reader of one tenant schema works from. The caller has set search_path to
 * the tenant schema first: the pg_get_*def functions then print the tenant's own names
 * unqualified, which is what lets an archive be restored under another schema name.
 */
export interface CatalogScope {
  client: Queryable;
  schema: string;
  nsp: number;
  /** quote_ident(schema), as the deparser spells it. */
  qschema: string;
  /** Oids of the tenant's objects per catalog, from their pg_depend entry on the schema. */
  objects: { catalog: string; oids: number[] }[];
  /** Runs a query with $1 = the schema's oid unless other parameters are given. */
  // biome-ignore lint/suspicious/noExplicitAny: each reader knows the shape of the rows it selects
  q(sql: string, params?: unknown[]): Promise<any[]>;
  /** server_version_num: the catalogs differ between 15 and 18. */
  version: number;
  reg: Registry;
}

/** SQL for `quote_ident(name)`, qualified with its schema when search_path does not find it. */
export const qualifiedName = (nspOid: string, name: string, visible: string) =>
  `CASE WHEN ${visible} THEN quote_ident(${name}) ELSE quote_ident((SELECT n.nspname FROM pg_namespace n WHERE n.oid = ${nspOid})) || '.' || quote_ident(${name}) END`;

/** A name-value option list (reloptions, FDW options) as `key 'value'` pairs or `key='value'`. */
export function optionList(options: string[] | null, style: 'fdw' | 'rel', prefix = ''): string[] {
  return (options ?? []).map((o) => {
    const at = o.indexOf('=');
    const name = at < 0 ? o : o.slice(0, at);
    const value = at < 0 ? '' : o.slice(at + 1);
    return style === 'fdw'
      ? `${quoteIdent(name)} ${quoteLiteralOf(value)}`
      : `${prefix}${name}=${quoteLiteralOf(value)}`;
  });
}

function quoteLiteralOf(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Objects that belong to an extension are the extension's to create, never the tenant's. */
export const notExtensionMember = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

export async function namespaceOid(client: Queryable, schema: string): Promise<number | null> {
  const { rows } = await client.query(
    'SELECT oid::int AS oid FROM pg_namespace WHERE nspname = $1',
    [schema],
  );
  return rows[0]?.oid ?? null;
}

/** Tables (plain and partitioned; LOCK refuses materialized views) to share-lock before the snapshot is taken. */
export async function lockableRelations(client: Queryable, nsp: number): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
     WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = $1 AND d.classid = 'pg_class'::regclass
       AND c.relnamespace = $1 AND c.relkind IN ('r', 'p') ORDER BY c.oid`,
    [nsp],
  );
  return rows.map((r) => r.relname);
}

/** One LOCK statement for all tables; a utility statement, so it does not fix the snapshot. */
export function lockTablesSql(schema: string, tables: string[]): string | null {
  if (tables.length === 0) return null;
  return `LOCK TABLE ${tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ')} IN ACCESS SHARE MODE`;
}
