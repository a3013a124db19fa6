import type { CatalogScope } from './scope.js';

export interface CatRule {
  name: string;
  table: string;
  def: string;
}

export async function readRules(s: CatalogScope): Promise<CatRule[]> {
  return s.q(
    `SELECT r.rulename AS name, c.relname AS table, pg_get_ruledef(r.oid) AS def
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND r.rulename <> '_RETURN'
     ORDER BY r.oid`,
  );
}
