import { quoteIdent as qi } from '../../pg/quote.js';
import { key } from './model.js';
import type { CatalogScope } from './scope.js';

export interface CatPolicy {
  name: string;
  table: string;
  permissive: boolean;
  command: string;
  /** null entries stand for PUBLIC. */
  roles: (string | null)[];
  using: string | null;
  withCheck: string | null;
}

/** Row level security policies: they name roles, so they travel with the access statements. */
export async function readPolicies(s: CatalogScope): Promise<CatPolicy[]> {
  const rows = await s.q(
    `SELECT p.oid::int8 AS oid, p.polname AS name, c.relname AS table, p.polpermissive AS permissive, p.polcmd AS command,
            ARRAY(SELECT CASE WHEN r = 0 THEN NULL ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     ORDER BY p.oid`,
  );
  return rows.map(({ oid, ...p }, i) => {
    s.reg.commentOn(
      key('pg_policy', Number(oid)),
      policyOwner(i),
      `POLICY ${qi(p.name)} ON ${qi(p.table)}`,
    );
    return p;
  });
}

/** Comments on a policy go with the policy, among the access statements. */
export const policyOwner = (i: number) => `@access:policy:${i}`;
