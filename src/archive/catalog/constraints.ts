import type { CatalogScope } from './scope.js';

export interface CatConstraint {
  name: string;
  table: string;
  type: 'c' | 'p' | 'u' | 'f' | 'x';
  def: string;
  validated: boolean;
}

export async function readConstraints(s: CatalogScope): Promise<CatConstraint[]> {
  return s.q(
    `SELECT con.conname AS name, c.relname AS table, con.contype AS type, pg_get_constraintdef(con.oid) AS def, con.convalidated AS validated
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND con.contype IN ('c', 'p', 'u', 'f', 'x') AND con.conparentid = 0 AND con.conislocal
     ORDER BY con.oid`,
  );
}
