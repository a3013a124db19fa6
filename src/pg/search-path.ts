import type { Queryable } from './pool.js';
import { quoteIdent, quoteLiteral } from './quote.js';

/**
 * The schema names of a stored search_path value ("org_acme, public", "\"Odd\", \"$user\"") as
 * PostgreSQL reads them: comma-separated, double quotes keep case and commas, unquoted names are
 * folded to lower case.
 */
export function searchPathNames(value: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (value[i] === ' ' || value[i] === '\t') i++;
    let name = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"' && value[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (value[i] === '"') {
          i++;
          break;
        } else name += value[i++];
      }
      while (i < value.length && value[i] !== ',') i++;
    } else {
      const end = value.indexOf(',', i);
      name = value
        .slice(i, end === -1 ? value.length : end)
        .trim()
        .toLowerCase();
      i = end === -1 ? value.length : end;
    }
    if (name !== '') names.push(name);
    i++; // the comma
  }
  return names;
}

/** The names with `from` replaced by `to`, or undefined when `from` is not among them. */
export function renamedSearchPath(value: string, from: string, to: string): string[] | undefined {
  const names = searchPathNames(value);
  return names.includes(from) ? names.map((n) => (n === from ? to : n)) : undefined;
}

/**
 * `SET search_path TO 'a', 'b'`: each name a string literal, which PostgreSQL quotes as an
 * identifier where needed when it stores the setting (search_path is a quoted list).
 */
export function setSearchPathTo(names: string[]): string {
  return `SET search_path TO ${names.map(quoteLiteral).join(', ')}`;
}

export interface FunctionSearchPath {
  /** regprocedure text, usable in ALTER FUNCTION. */
  signature: string;
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  value: string;
}

/** Functions and procedures of this database with a search_path setting (SET search_path = ...). */
export async function functionSearchPaths(client: Queryable): Promise<FunctionSearchPath[]> {
  const { rows } = await client.query(
    `SELECT p.oid::regprocedure::text AS signature,
            CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' ELSE 'function' END AS kind,
            substr(cfg, length('search_path=') + 1) AS value
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, unnest(p.proconfig) cfg
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND starts_with(cfg, 'search_path=')
     ORDER BY 1`,
  );
  return rows;
}

export function alterFunctionSearchPathSql(f: FunctionSearchPath, names: string[]): string {
  const what = f.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION';
  return `ALTER ${what} ${f.signature} ${setSearchPathTo(names)}`;
}

export interface RoleSearchPath {
  role: string;
  /** Set for this database only (ALTER ROLE ... IN DATABASE), or for every database. */
  thisDatabase: boolean;
  value: string;
}

/** Roles' search_path settings that apply in this database: per database, and role-wide. */
export async function roleSearchPaths(client: Queryable): Promise<RoleSearchPath[]> {
  const { rows } = await client.query(
    `SELECT r.rolname AS role, s.setdatabase <> 0 AS "thisDatabase", substr(cfg, length('search_path=') + 1) AS value
     FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) cfg
     WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
       AND starts_with(cfg, 'search_path=')
     ORDER BY 1, 2`,
  );
  return rows;
}

export function alterRoleSearchPathSql(role: string, database: string, names: string[]): string {
  return `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(database)} ${setSearchPathTo(names)}`;
}

/**
 * Functions whose body text names the schema (PL/pgSQL, SQL-as-string and other languages keep
 * their source as text, so a rename does not reach it). SQL-standard bodies (BEGIN ATOMIC,
 * RETURN) are stored parsed and follow the rename by themselves.
 */
export async function functionsNaming(client: Queryable, schema: string): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT p.oid::regprocedure::text AS f
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND p.prosqlbody IS NULL AND p.prosrc ~* ('\\m' || regexp_replace($1, '([^a-zA-Z0-9_])', '\\\\\\1', 'g') || '\\M')
     ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.f);
}
