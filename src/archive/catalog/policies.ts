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

export async function readPolicies(s: CatalogScope): Promise<CatPolicy[]> {
  return s.q(
    `SELECT p.polname AS name, c.relname AS table, p.polpermissive AS permissive, p.polcmd AS command,
            ARRAY(SELECT CASE WHEN r = 0 THEN NULL ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     ORDER BY p.oid`,
  );
}
