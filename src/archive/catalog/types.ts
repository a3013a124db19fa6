import { notExtensionMember, type CatalogScope } from './scope.js';

export interface CatType {
  oid: number;
  name: string;
  kind: 'e' | 'd' | 'c' | 'r' | 'b' | 'm' | 'p';
  base: string | null;
  notNull: boolean;
  default: string | null;
  labels: string[] | null;
  relid: number;
  rangeSubtype: string | null;
}

export interface CatDomainCheck {
  typeName: string;
  name: string;
  def: string;
  validated: boolean;
}

export async function readTypes(s: CatalogScope): Promise<CatType[]> {
  return s.q(
    `SELECT t.oid::int AS oid, t.typname AS name, t.typtype AS kind,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
            t.typnotnull AS "notNull", pg_get_expr(t.typdefaultbin, 0) AS default,
            CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
            t.typrelid::int AS relid,
            (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) AS "rangeSubtype"
     FROM pg_type t
     LEFT JOIN pg_class c ON c.oid = t.typrelid
     WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1 AND ${notExtensionMember('pg_type', 't.oid')}
       AND (t.typtype IN ('e', 'd', 'r', 'p') OR (t.typtype = 'c' AND c.relkind = 'c')
            OR (t.typtype = 'b' AND NOT EXISTS (SELECT 1 FROM pg_type el WHERE el.typarray = t.oid)))
     ORDER BY t.oid`,
  );
}

export async function readDomainChecks(s: CatalogScope): Promise<CatDomainCheck[]> {
  return s.q(
    `SELECT t.typname AS "typeName", con.conname AS name, pg_get_constraintdef(con.oid) AS def, con.convalidated AS validated
     FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid
     WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1 AND con.contype = 'c'
     ORDER BY con.oid`,
  );
}
