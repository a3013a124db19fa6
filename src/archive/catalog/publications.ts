import type { CatalogScope } from './scope.js';

/** A tenant table in a publication, or the whole schema (ADD TABLES IN SCHEMA). */
export interface CatPublication {
  publication: string;
  /** null: the schema itself is in the publication. */
  table: string | null;
  columns: string[] | null;
  where: string | null;
}

/**
 * Publication membership. A publication belongs to the database, not the tenant: the archive
 * re-adds the tenant's tables where a publication of that name exists, and says so where not.
 */
export async function readPublications(s: CatalogScope): Promise<CatPublication[]> {
  const rows = await s.q(
    `SELECT p.pubname AS publication, c.relname AS table,
            CASE WHEN pr.prattrs IS NOT NULL THEN ARRAY(SELECT a.attname::text FROM unnest(pr.prattrs::int2[]) WITH ORDINALITY k(n, i)
                                                         JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k.n ORDER BY k.i) END AS columns,
            pg_get_expr(pr.prqual, pr.prrelid) AS "where"
     FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid JOIN pg_class c ON c.oid = pr.prrelid
     WHERE pr.prrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     UNION ALL
     SELECT p.pubname, NULL, NULL, NULL
     FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid
     WHERE pn.pnnspid = $1
     ORDER BY 1, 2`,
  );
  return rows;
}
