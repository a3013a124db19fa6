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

/** Where an ACL lives: the schema itself, a relation, a column, a routine, a type, or a default ACL. */
export type AclSource = 'schema' | 'relation' | 'column' | 'function' | 'type' | 'default';

export interface AclReadOptions {
  /** Which ACL columns to read (all when omitted). */
  kinds?: AclSource[];
  /** NULL ACLs read as acldefault(), so an implicit "PUBLIC may EXECUTE" counts like a written one. */
  implicit?: boolean;
  /** Objects without any non-owner entry are listed too (privilege null): "existed and had nothing". */
  emptyObjects?: boolean;
  /** Columns listed even without a column ACL (after a revoke their ACL is gone). */
  allColumns?: boolean;
  /** Leave out objects that belong to an extension (the extension's to grant, not the tenant's). */
  skipExtensionMembers?: boolean;
  /** 'acl': entries in each ACL's own order (what a restore must reproduce); 'grantee': sorted. */
  order?: 'acl' | 'grantee';
}

/** One non-owner ACL entry (or, with emptyObjects, one object without any). */
export interface AclRow {
  schema: string;
  source: AclSource;
  /** relkind, prokind, typtype, or the default ACL's object type. */
  subkind: string | null;
  oid: number;
  attnum: number;
  /** Schema, relation, column, routine or type name; null for a default ACL. */
  name: string | null;
  /** The table of a column. */
  relname: string | null;
  /** pg_get_function_identity_arguments, for routines. */
  args: string | null;
  /** regprocedure text (PostgreSQL's own quoting, search_path dependent), for routines. */
  signature: string | null;
  /** The object's owner, or the role a default ACL belongs to (FOR ROLE). */
  owner: string;
  /** The ACL column is set (not NULL, which means the built-in default). */
  explicit: boolean;
  grantee: string | null;
  grantor: string | null;
  privilege: string | null;
  grantable: boolean | null;
}

/*
 * The one reader of privileges. Objects are found through their pg_depend entry on the namespace
 * (indexed by refobjid) rather than pg_class.relnamespace, which has no index: the cost follows
 * the schemas asked for, not the number of schemas in the database. $1 is the schema names.
 */
function aclObjectsSql(o: AclReadOptions): string {
  const kinds = new Set<AclSource>(
    o.kinds ?? ['schema', 'relation', 'column', 'function', 'type', 'default'],
  );
  const ext = o.skipExtensionMembers
    ? ` AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e')`
    : '';
  const branches: string[] = [];
  if (kinds.has('schema'))
    branches.push(`SELECT ns.nspname, 'schema'::text AS source, NULL::text AS subkind, ns.oid, 0::int2 AS attnum, ns.nspname::text AS name,
              NULL::text AS relname, NULL::oid AS fn, ns.nspowner AS owner, ns.nspacl AS acl, 'n'::"char" AS defkind
       FROM acl_ns ns`);
  if (kinds.has('relation'))
    branches.push(`SELECT r.nspname, 'relation'::text AS source, r.relkind::text AS subkind, r.oid, 0::int2 AS attnum, r.relname::text AS name,
              NULL::text AS relname, NULL::oid AS fn, r.relowner AS owner, r.relacl AS acl,
              (CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END)::"char" AS defkind
       FROM acl_rel r`);
  if (kinds.has('column'))
    branches.push(`SELECT r.nspname, 'column'::text AS source, r.relkind::text AS subkind, r.oid, a.attnum, a.attname::text AS name,
              r.relname::text AS relname, NULL::oid AS fn, r.relowner AS owner, a.attacl AS acl, NULL::"char" AS defkind
       FROM acl_rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE r.relkind <> 'S'${o.allColumns ? '' : ' AND a.attacl IS NOT NULL'}`);
  if (kinds.has('function'))
    branches.push(`SELECT d.nspname, 'function'::text AS source, p.prokind::text AS subkind, p.oid, 0::int2 AS attnum, p.proname::text AS name,
              NULL::text AS relname, p.oid AS fn, p.proowner AS owner, p.proacl AS acl, 'f'::"char" AS defkind
       FROM acl_dep d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid`);
  if (kinds.has('type'))
    branches.push(`SELECT d.nspname, 'type'::text AS source, t.typtype::text AS subkind, t.oid, 0::int2 AS attnum, t.typname::text AS name,
              NULL::text AS relname, NULL::oid AS fn, t.typowner AS owner, t.typacl AS acl, 'T'::"char" AS defkind
       FROM acl_dep d JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid`);
  if (kinds.has('default'))
    branches.push(`SELECT ns.nspname, 'default'::text AS source, da.defaclobjtype::text AS subkind, da.oid, 0::int2 AS attnum, NULL::text AS name,
              NULL::text AS relname, NULL::oid AS fn, da.defaclrole AS owner, da.defaclacl AS acl, NULL::"char" AS defkind
       FROM acl_ns ns JOIN pg_default_acl da ON da.defaclnamespace = ns.oid`);
  return `acl_ns AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n WHERE n.nspname = ANY($1::text[])
), acl_dep AS (
  SELECT ns.nspname, d.classid, d.objid
  FROM acl_ns ns JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = ns.oid AND d.deptype = 'n'${ext}
), acl_rel AS MATERIALIZED (
  SELECT d.nspname, c.oid, c.relname, c.relkind, c.relowner, c.relacl
  FROM acl_dep d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
), acl_obj AS (
  ${branches.join('\n  UNION ALL\n  ')}
), acl_entries AS (
  SELECT o.*, o.acl IS NOT NULL AS explicit, a.grantee, a.grantor, a.privilege_type, a.is_grantable, a.n
  FROM acl_obj o
  ${o.emptyObjects ? 'LEFT ' : ''}JOIN LATERAL (
    SELECT x.*, row_number() OVER () AS n
    FROM aclexplode(${o.implicit ? 'COALESCE(o.acl, acldefault(o.defkind, o.owner))' : 'o.acl'}) x
    WHERE x.grantee <> o.owner
  ) a ON true
  ${o.implicit ? '' : 'WHERE o.acl IS NOT NULL'}
)`;
}

/** Every non-owner ACL entry of the given schemas and what is in them, as the options ask. */
export async function readAcl(
  client: Queryable,
  schemas: string[],
  opts: AclReadOptions = {},
): Promise<AclRow[]> {
  if (schemas.length === 0) return [];
  const order =
    opts.order === 'grantee'
      ? 'e.source, e.oid, e.attnum, grantee NULLS FIRST, grantor, privilege'
      : 'e.source, e.oid, e.attnum, e.n';
  const { rows } = await client.query(
    `WITH ${aclObjectsSql(opts)}
     SELECT e.nspname AS schema, e.source, e.subkind, e.oid::int8 AS oid, e.attnum, e.name, e.relname,
            CASE WHEN e.fn IS NOT NULL THEN pg_get_function_identity_arguments(e.fn) END AS args,
            CASE WHEN e.fn IS NOT NULL THEN e.fn::regprocedure::text END AS signature,
            pg_get_userbyid(e.owner) AS owner, e.explicit,
            CASE WHEN e.grantee = 0 THEN NULL ELSE pg_get_userbyid(e.grantee) END AS grantee,
            CASE WHEN e.grantor IS NOT NULL THEN pg_get_userbyid(e.grantor) END AS grantor,
            e.privilege_type AS privilege, e.is_grantable AS grantable
     FROM acl_entries e
     ORDER BY ${order}`,
    [schemas],
  );
  return rows.map((r) => ({ ...r, oid: Number(r.oid) }));
}

/** Non-owner privileges of one grantee on one kind of object in a schema, counted. */
export interface AclGrant {
  schema: string;
  /** schema, table, view, sequence, column, function, type, default privileges on tables... */
  kind: string;
  grantee: string;
  privilege: string;
  objects: number;
  /** A few object names, for messages. */
  sample: string[];
}

/**
 * The same entries counted per schema, kind of object, grantee and privilege on the server, so a
 * fleet's worth of grants costs a few rows per tenant on the wire. Only explicit ACLs: NULL ACLs
 * are the built-in defaults (EXECUTE/USAGE to PUBLIC on functions and types), which PostgreSQL
 * grants and tenantctl leaves alone.
 */
export async function aclSummary(client: Queryable, schemas: string[]): Promise<AclGrant[]> {
  if (schemas.length === 0) return [];
  const { rows } = await client.query(
    `WITH ${aclObjectsSql({})}, labelled AS (
       SELECT e.nspname,
              CASE e.source
                WHEN 'relation' THEN CASE e.subkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                                    WHEN 'f' THEN 'foreign table' ELSE 'table' END
                WHEN 'default' THEN 'default privileges on ' || CASE e.subkind WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
                                                    WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE e.subkind END
                ELSE e.source END AS kind,
              CASE e.source
                WHEN 'column' THEN e.relname || '.' || e.name
                WHEN 'function' THEN e.name || '(' || pg_get_function_identity_arguments(e.fn) || ')'
                ELSE e.name END AS obj,
              e.grantee, e.privilege_type
       FROM acl_entries e
     )
     SELECT nspname AS schema, kind, CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(grantee) END AS grantee,
            privilege_type AS privilege, count(*)::int AS objects,
            (array_remove(array_agg(obj ORDER BY obj), NULL))[1:3] AS sample
     FROM labelled GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    [schemas],
  );
  return rows;
}

/**
 * Every object of the schema that can carry privileges, with its non-owner ACL entries: what
 * `suspend` stores and `activate` grants back. NULL ACLs are read as acldefault() so an implicit
 * "PUBLIC may EXECUTE" counts like a written one. Objects with no entries are listed too:
 * activate tells "existed and had nothing" from "created since". Columns are listed only with a
 * column ACL, unless allColumns: after a revoke their ACL is gone, and activate still has to find
 * them.
 */
export async function schemaAcl(
  client: Queryable,
  schema: string,
  opts: { allColumns?: boolean } = {},
): Promise<AclObject[]> {
  const rows = await readAcl(client, [schema], {
    kinds: ['schema', 'relation', 'column', 'function'],
    implicit: true,
    emptyObjects: true,
    allColumns: opts.allColumns,
    order: 'grantee',
  });
  const kindOf = (r: AclRow): ObjectKind =>
    r.source === 'relation' ? (r.subkind === 'S' ? 'sequence' : 'table') : (r.source as ObjectKind);
  // Kinds in the order suspend has always listed them (by name), objects by oid within a kind.
  const order: ObjectKind[] = ['column', 'function', 'schema', 'sequence', 'table'];
  const byKey = new Map<string, AclObject>();
  const sorted = rows
    .map((r, i) => ({ r, i, kind: kindOf(r) }))
    .sort(
      (a, b) =>
        order.indexOf(a.kind) - order.indexOf(b.kind) ||
        a.r.oid - b.r.oid ||
        a.r.attnum - b.r.attnum ||
        a.i - b.i,
    );
  for (const { r, kind } of sorted) {
    const key = objectKey({ kind, oid: r.oid, attnum: r.attnum });
    let o = byKey.get(key);
    if (!o) {
      o = { kind, oid: r.oid, attnum: r.attnum, name: r.name!, owner: r.owner, acl: [] };
      if (r.relname) o.relname = r.relname;
      if (r.signature) o.signature = r.signature;
      byKey.set(key, o);
    }
    if (r.privilege)
      o.acl.push({
        grantee: r.grantee,
        grantor: r.grantor!,
        privilege: r.privilege,
        grantable: r.grantable!,
      });
  }
  return [...byKey.values()];
}

/** Schema-level default privileges (ALTER DEFAULT PRIVILEGES ... IN SCHEMA), grantee = FOR ROLE left out. */
export async function schemaDefaultAcl(client: Queryable, schema: string): Promise<DefaultAcl[]> {
  const rows = await readAcl(client, [schema], { kinds: ['default'], order: 'grantee' });
  rows.sort(
    (a, b) =>
      (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0) ||
      (a.subkind! < b.subkind! ? -1 : a.subkind! > b.subkind! ? 1 : 0),
  );
  const out = new Map<string, DefaultAcl>();
  for (const r of rows) {
    const key = `${r.owner}\0${r.subkind}`;
    let d = out.get(key);
    if (!d) {
      d = { role: r.owner, objtype: r.subkind as DefaultAclObjType, acl: [] };
      out.set(key, d);
    }
    d.acl.push({
      grantee: r.grantee,
      grantor: r.grantor!,
      privilege: r.privilege!,
      grantable: r.grantable!,
    });
  }
  return [...out.values()];
}

export interface SchemaGrant {
  grantee: string;
  privileges: string[];
}

/** Who holds what on the schema itself (owner excluded), one line per grantee. */
export async function schemaGrants(client: Queryable, schema: string): Promise<SchemaGrant[]> {
  // Rows come sorted by grantee (PUBLIC first) and privilege.
  const rows = await readAcl(client, [schema], { kinds: ['schema'], order: 'grantee' });
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const g = r.grantee ?? 'PUBLIC';
    out.set(g, [...(out.get(g) ?? []), r.privilege!]);
  }
  return [...out.entries()].map(([grantee, privileges]) => ({ grantee, privileges }));
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
