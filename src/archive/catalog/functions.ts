import { unqualify } from './rewrite.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

export interface CatFunction {
  oid: number;
  name: string;
  kind: 'f' | 'p' | 'a' | 'w';
  identityArgs: string;
  def: string | null;
  /** Signature names a relation's row type, or the body is parsed at creation (BEGIN ATOMIC): create after tables and views. */
  late: boolean;
  mentionsSchema: boolean;
}

export async function readFunctions(s: CatalogScope): Promise<CatFunction[]> {
  return (
    await s.q(
      `SELECT p.oid::int AS oid, p.proname AS name, p.prokind AS kind, pg_get_function_identity_arguments(p.oid) AS "identityArgs",
              CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS def,
              quote_ident(p.proname) AS qi,
              (p.prosqlbody IS NOT NULL OR EXISTS (
                 SELECT 1 FROM pg_depend d JOIN pg_type t ON t.oid = d.refobjid
                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_type'::regclass
                   AND t.typrelid <> 0 AND t.typnamespace = $1)) AS late,
              (strpos(p.prosrc, $2) > 0 OR strpos(array_to_string(p.proconfig, ','), $2) > 0) AS "mentionsSchema"
       FROM pg_proc p
       WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND ${notExtensionMember('pg_proc', 'p.oid')}
       ORDER BY p.oid`,
      [s.nsp, s.schema],
    )
  ).map((r) => {
    const word = r.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    const def =
      r.def === null
        ? null
        : unqualify(r.def, `CREATE OR REPLACE ${word} `, `${s.qschema}.${r.qi}(`, `${r.qi}(`);
    delete r.qi;
    return { ...r, def };
  });
}
