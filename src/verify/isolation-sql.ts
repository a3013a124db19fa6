import type { Queryable } from '../pg/pool.js';

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

/*
 * Every ACL entry that is not the object owner's own, for the schemas given and everything in
 * them (found through pg_depend, which is indexed by namespace). NULL ACLs are the built-in
 * defaults: nothing for schemas and relations, EXECUTE/USAGE to PUBLIC for functions and types,
 * which PostgreSQL grants and tenantctl leaves alone; explicit ACLs are exploded as they are.
 */
const ACL_SQL = `
WITH ns AS (
  SELECT oid, nspname, nspowner, nspacl FROM pg_namespace WHERE nspname = ANY($1::text[])
), dep AS (
  SELECT ns.nspname, d.classid, d.objid
  FROM ns JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = ns.oid AND d.deptype = 'n'
), rel AS MATERIALIZED (
  SELECT dep.nspname, c.oid, c.relname, c.relkind, c.relowner, c.relacl
  FROM dep JOIN pg_class c ON dep.classid = 'pg_class'::regclass AND c.oid = dep.objid
), entries AS (
  SELECT ns.nspname, 'schema' AS kind, ns.nspname::text AS obj, a.grantee, a.privilege_type
  FROM ns, aclexplode(ns.nspacl) a WHERE a.grantee <> ns.nspowner
  UNION ALL
  SELECT r.nspname, CASE r.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                   WHEN 'f' THEN 'foreign table' ELSE 'table' END, r.relname::text, a.grantee, a.privilege_type
  FROM rel r, aclexplode(r.relacl) a WHERE r.relacl IS NOT NULL AND a.grantee <> r.relowner
  UNION ALL
  SELECT r.nspname, 'column', r.relname || '.' || at.attname, a.grantee, a.privilege_type
  FROM rel r JOIN pg_attribute at ON at.attrelid = r.oid AND at.attnum > 0 AND at.attacl IS NOT NULL, aclexplode(at.attacl) a
  WHERE a.grantee <> r.relowner
  UNION ALL
  SELECT dep.nspname, 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', a.grantee, a.privilege_type
  FROM dep JOIN pg_proc p ON dep.classid = 'pg_proc'::regclass AND p.oid = dep.objid, aclexplode(p.proacl) a
  WHERE p.proacl IS NOT NULL AND a.grantee <> p.proowner
  UNION ALL
  SELECT dep.nspname, 'type', t.typname::text, a.grantee, a.privilege_type
  FROM dep JOIN pg_type t ON dep.classid = 'pg_type'::regclass AND t.oid = dep.objid, aclexplode(t.typacl) a
  WHERE t.typacl IS NOT NULL AND a.grantee <> t.typowner
  UNION ALL
  SELECT ns.nspname,
         'default privileges on ' || CASE da.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                                           WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE da.defaclobjtype::text END,
         NULL, a.grantee, a.privilege_type
  FROM ns JOIN pg_default_acl da ON da.defaclnamespace = ns.oid, aclexplode(da.defaclacl) a
  WHERE a.grantee <> da.defaclrole
)
SELECT nspname AS schema, kind, CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(grantee) END AS grantee,
       privilege_type AS privilege, count(*)::int AS objects,
       (array_remove(array_agg(obj ORDER BY obj), NULL))[1:3] AS sample
FROM entries GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;

export async function aclGrants(client: Queryable, schemas: string[]): Promise<AclGrant[]> {
  if (schemas.length === 0) return [];
  const { rows } = await client.query(ACL_SQL, [schemas]);
  return rows;
}
