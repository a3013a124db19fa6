import type { Queryable } from './pool.js';
import { quoteIdent, qualify } from './quote.js';

/**
 * Privileges of one tenant schema as PostgreSQL records them (aclexplode of the ACL columns), in a
 * form that survives JSON: what `suspend` stores and `activate` grants back. Owner entries are
 * left out on purpose: suspend never touches an owner's own privileges.
 */

export type ObjectKind = 'schema' | 'table' | 'sequence' | 'column' | 'function';

export interface AclEntry {
  /** null = PUBLIC (a role can never be called that, so null is unambiguous). */
  grantee: string | null;
  grantor: string;
  privilege: string;
  grantable: boolean;
}

export interface AclObject {
  kind: ObjectKind;
  oid: number;
  /** Column number for kind "column", else 0. */
  attnum: number;
  /** Relation, column or function name at snapshot time; for messages only, objects are found by oid. */
  name: string;
  owner: string;
  /** Column's table name (kind column), for messages. */
  relname?: string;
  /** Current signature (regprocedure text) of a function; never stored, recomputed when used. */
  signature?: string;
  acl: AclEntry[];
}

export type DefaultAclObjType = 'r' | 'S' | 'f' | 'T';

export interface DefaultAcl {
  /** The role whose future objects these defaults apply to (FOR ROLE). */
  role: string;
  objtype: DefaultAclObjType;
  acl: AclEntry[];
}

/** Privilege keywords aclexplode can return; anything else in a stored snapshot is refused. */
export const PRIVILEGES = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
  'EXECUTE',
  'USAGE',
  'CREATE',
  'MAINTAIN',
]);

const DEFAULT_ACL_OBJECTS: Record<DefaultAclObjType, string> = {
  r: 'TABLES',
  S: 'SEQUENCES',
  f: 'FUNCTIONS',
  T: 'TYPES',
};

/**
 * Every object of the schema that can carry privileges, with its non-owner ACL entries. NULL ACLs
 * are read as acldefault() so an implicit "PUBLIC may EXECUTE" counts like a written one. Objects
 * with no entries are listed too: activate tells "existed and had nothing" from "created since".
 * Columns are listed only with a column ACL, unless allColumns: after a revoke their ACL is gone,
 * and activate still has to find them.
 */
export async function schemaAcl(
  client: Queryable,
  schema: string,
  opts: { allColumns?: boolean } = {},
): Promise<AclObject[]> {
  const { rows } = await client.query(
    `WITH ns AS (SELECT oid, nspname, nspowner, nspacl FROM pg_namespace WHERE nspname = $1),
     objs AS (
       SELECT 'schema' AS kind, ns.oid, 0 AS attnum, ns.nspname::text AS name, NULL::text AS relname, ns.nspowner AS owner,
              coalesce(ns.nspacl, acldefault('n'::"char", ns.nspowner)) AS acl, NULL::text AS signature
       FROM ns
       UNION ALL
       SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, c.oid, 0, c.relname::text, NULL, c.relowner,
              coalesce(c.relacl, acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)), NULL
       FROM pg_class c JOIN ns ON c.relnamespace = ns.oid
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
       UNION ALL
       SELECT 'column', c.oid, a.attnum, a.attname::text, c.relname::text, c.relowner, a.attacl, NULL
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON c.relnamespace = ns.oid
       WHERE ($2 OR a.attacl IS NOT NULL) AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       UNION ALL
       -- regprocedure text is PostgreSQL's own quoting of the function's name and argument types
       SELECT 'function', p.oid, 0, p.proname::text, NULL, p.proowner, coalesce(p.proacl, acldefault('f'::"char", p.proowner)),
              p.oid::regprocedure::text
       FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid
     )
     SELECT o.kind, o.oid, o.attnum, o.name, o.relname, pg_get_userbyid(o.owner) AS owner, o.signature,
            CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            pg_get_userbyid(a.grantor) AS grantor, a.privilege_type AS privilege, a.is_grantable AS grantable
     FROM objs o LEFT JOIN LATERAL aclexplode(o.acl) a ON a.grantee <> o.owner
     ORDER BY o.kind, o.oid, o.attnum, grantee NULLS FIRST, grantor, privilege`,
    [schema, opts.allColumns ?? false],
  );
  const byKey = new Map<string, AclObject>();
  for (const r of rows) {
    const key = objectKey(r);
    let o = byKey.get(key);
    if (!o) {
      o = {
        kind: r.kind,
        oid: Number(r.oid),
        attnum: r.attnum,
        name: r.name,
        owner: r.owner,
        acl: [],
      };
      if (r.relname) o.relname = r.relname;
      if (r.signature) o.signature = r.signature;
      byKey.set(key, o);
    }
    if (r.privilege)
      o.acl.push({
        grantee: r.grantee,
        grantor: r.grantor,
        privilege: r.privilege,
        grantable: r.grantable,
      });
  }
  return [...byKey.values()];
}

/** Schema-level default privileges (ALTER DEFAULT PRIVILEGES ... IN SCHEMA), grantee = FOR ROLE left out. */
export async function schemaDefaultAcl(client: Queryable, schema: string): Promise<DefaultAcl[]> {
  const { rows } = await client.query(
    `SELECT pg_get_userbyid(d.defaclrole) AS role, d.defaclobjtype AS objtype,
            CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            pg_get_userbyid(a.grantor) AS grantor, a.privilege_type AS privilege, a.is_grantable AS grantable
     FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
     CROSS JOIN LATERAL aclexplode(d.defaclacl) a
     WHERE n.nspname = $1 AND a.grantee <> d.defaclrole
     ORDER BY 1, 2, grantee NULLS FIRST, privilege`,
    [schema],
  );
  const out = new Map<string, DefaultAcl>();
  for (const r of rows) {
    const key = `${r.role}\0${r.objtype}`;
    let d = out.get(key);
    if (!d) {
      d = { role: r.role, objtype: r.objtype, acl: [] };
      out.set(key, d);
    }
    d.acl.push({
      grantee: r.grantee,
      grantor: r.grantor,
      privilege: r.privilege,
      grantable: r.grantable,
    });
  }
  return [...out.values()];
}

export function objectKey(o: { kind: string; oid: number; attnum: number }): string {
  return `${o.kind}:${o.oid}:${o.attnum}`;
}

export function granteeSql(grantee: string | null): string {
  return grantee === null ? 'PUBLIC' : quoteIdent(grantee);
}

/** Only PostgreSQL's own privilege keywords reach SQL text (they come from catalogs or an archive). */
export function privilegeSql(p: string): string {
  if (!PRIVILEGES.has(p)) throw new TypeError(`unknown privilege ${JSON.stringify(p)}`);
  return p;
}

/** `TABLE "s"."t"`, `SCHEMA "s"`, `ROUTINE s.f(integer)`: what GRANT/REVOKE name the object by. */
export function objectRef(schema: string, o: AclObject): string {
  switch (o.kind) {
    case 'schema':
      return `SCHEMA ${quoteIdent(schema)}`;
    case 'table':
      return `TABLE ${qualify(schema, o.name)}`;
    case 'column':
      return `TABLE ${qualify(schema, o.relname!)}`;
    case 'sequence':
      return `SEQUENCE ${qualify(schema, o.name)}`;
    case 'function':
      if (!o.signature) throw new TypeError(`function ${o.name} has no signature`);
      return `ROUTINE ${o.signature}`;
  }
}

/** Grantees of an object other than its owner, one statement; CASCADE takes grants made through grant options. */
export function revokeObjectSql(schema: string, o: AclObject): string | undefined {
  const grantees = [...new Set(o.acl.map((e) => e.grantee))];
  if (grantees.length === 0) return undefined;
  const cols = o.kind === 'column' ? ` (${quoteIdent(o.name)})` : '';
  return `REVOKE ALL${cols} ON ${objectRef(schema, o)} FROM ${grantees.map(granteeSql).join(', ')} CASCADE`;
}

export function revokeDefaultSql(schema: string, d: DefaultAcl): string | undefined {
  const grantees = [...new Set(d.acl.map((e) => e.grantee))];
  if (grantees.length === 0) return undefined;
  return `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(d.role)} IN SCHEMA ${quoteIdent(schema)} REVOKE ALL ON ${DEFAULT_ACL_OBJECTS[d.objtype]} FROM ${grantees.map(granteeSql).join(', ')} CASCADE`;
}

/** Entries sharing grantee and grant option become one GRANT, privileges in a stable order. */
function groupEntries(
  acl: AclEntry[],
): { grantee: string | null; grantable: boolean; privileges: string[] }[] {
  const groups = new Map<
    string,
    { grantee: string | null; grantable: boolean; privileges: string[] }
  >();
  for (const e of acl) {
    const key = `${e.grantee ?? ''}\0${e.grantee === null ? 'P' : 'R'}\0${e.grantable}`;
    let g = groups.get(key);
    if (!g) {
      g = { grantee: e.grantee, grantable: e.grantable, privileges: [] };
      groups.set(key, g);
    }
    if (!g.privileges.includes(e.privilege)) g.privileges.push(e.privilege);
  }
  return [...groups.values()].map((g) => ({
    ...g,
    privileges: g.privileges.map(privilegeSql).sort(),
  }));
}

/** GRANT statements for the given entries of one object (the caller decides who runs them). */
export function grantObjectSql(schema: string, o: AclObject, acl: AclEntry[]): string[] {
  const ref = objectRef(schema, o);
  return groupEntries(acl).map((g) => {
    const privs =
      o.kind === 'column'
        ? g.privileges.map((p) => `${p} (${quoteIdent(o.name)})`).join(', ')
        : g.privileges.join(', ');
    return `GRANT ${privs} ON ${ref} TO ${granteeSql(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''}`;
  });
}

export function grantDefaultSql(schema: string, d: DefaultAcl): string[] {
  return groupEntries(d.acl).map(
    (g) =>
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(d.role)} IN SCHEMA ${quoteIdent(schema)} GRANT ${g.privileges.join(', ')} ON ${DEFAULT_ACL_OBJECTS[d.objtype]} TO ${granteeSql(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
  );
}

/** Runs a GRANT as the role recorded as grantor, so the ACL comes back with the same grantor. */
export function asRoleSql(role: string, statements: string[]): string[] {
  return [`SET LOCAL ROLE ${quoteIdent(role)}`, ...statements, 'RESET ROLE'];
}

export const DEFAULT_OBJTYPE_OF: Partial<Record<ObjectKind, DefaultAclObjType>> = {
  table: 'r',
  sequence: 'S',
  function: 'f',
};

export function isDefaultAclObjType(v: unknown): v is DefaultAclObjType {
  return typeof v === 'string' && v in DEFAULT_ACL_OBJECTS;
}
