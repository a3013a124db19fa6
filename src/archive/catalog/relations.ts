import { notExtensionMember, type CatalogScope } from './scope.js';

export interface CatRelation {
  oid: number;
  name: string;
  kind: 'r' | 'p' | 'v' | 'm' | 'S' | 'f' | 'c';
  unlogged: boolean;
  options: string[] | null;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  partitionKey: string | null;
  partitionBound: string | null;
  /** Parents (partition parent or INHERITS) that live in the same schema; foreign ones are warned about. */
  parents: string[];
  foreignParents: string[];
  viewDef: string | null;
  populated: boolean;
}

export async function readRelations(s: CatalogScope): Promise<CatRelation[]> {
  return (
    await s.q(
      `SELECT c.oid::int AS oid, c.relname AS name, c.relkind AS kind, c.relpersistence = 'u' AS unlogged, c.reloptions AS options,
              c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS "forceRowSecurity",
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey",
              CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS "partitionBound",
              ARRAY(SELECT p.relname::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    WHERE i.inhrelid = c.oid AND p.relnamespace = $1 ORDER BY i.inhseqno) AS parents,
              ARRAY(SELECT p.oid::regclass::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    WHERE i.inhrelid = c.oid AND p.relnamespace <> $1 ORDER BY i.inhseqno) AS "foreignParents",
              CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS "viewDef",
              c.relispopulated AS populated
       FROM pg_class c
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND ${notExtensionMember('pg_class', 'c.oid')}
       ORDER BY c.oid`,
    )
  ).map((r) => ({ ...r, viewDef: r.viewDef?.replace(/;\s*$/, '') ?? null }));
}

/** Relation name pairs (view or materialized view -> what it reads), for creation order. */
export async function readViewDeps(s: CatalogScope): Promise<{ view: string; uses: string }[]> {
  return s.q(
    `SELECT DISTINCT v.relname AS view, u.relname AS uses
     FROM pg_class v
     JOIN pg_rewrite r ON r.ev_class = v.oid AND r.rulename = '_RETURN'
     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
     JOIN pg_class u ON u.oid = d.refobjid AND u.oid <> v.oid
     WHERE v.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND v.relnamespace = $1 AND v.relkind IN ('v', 'm') AND u.relnamespace = $1`,
  );
}
