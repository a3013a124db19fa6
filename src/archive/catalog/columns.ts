import type { CatalogScope } from './scope.js';

export interface CatColumn {
  relid: number;
  name: string;
  type: string;
  notNull: boolean;
  /** The default, or for a generated column (flagged by `generated`) its expression. */
  default: string | null;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  collation: string | null;
  local: boolean;
}

export async function readColumns(s: CatalogScope): Promise<CatColumn[]> {
  const columns: (CatColumn & { generatedExpr?: string | null })[] = await s.q(
    `SELECT a.attrelid::int AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default,
            a.attidentity AS identity, a.attgenerated AS generated,
            CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                 THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
            a.attislocal AS local,
            CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS "generatedExpr"
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'c', 'f', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`,
  );
  for (const col of columns) {
    if (col.generated) col.default = col.generatedExpr ?? null;
    delete col.generatedExpr;
  }
  return columns;
}
