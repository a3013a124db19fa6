import type { Queryable } from './pool.js';
import { conferringMembershipSql } from './roles.js';

export interface RelationSize {
  name: string;
  kind: string;
  bytes: number;
  rowEstimate: number;
}

/** Relations of one schema with sizes, filtered by namespace so cost does not grow with other tenants. */
export async function schemaRelations(client: Queryable, schema: string): Promise<RelationSize[]> {
  const { rows } = await client.query(
    `SELECT c.relname AS name,
            CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                           WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END AS kind,
            pg_total_relation_size(c.oid)::bigint AS bytes,
            GREATEST(c.reltuples, 0)::bigint AS "rowEstimate"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
     ORDER BY c.relname`,
    [schema],
  );
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes), rowEstimate: Number(r.rowEstimate) }));
}

export async function schemaOwner(client: Queryable, schema: string): Promise<string | undefined> {
  const { rows } = await client.query(
    'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
    [schema],
  );
  return rows[0]?.owner;
}

/** Which of these schemas exist. */
export async function existingSchemas(client: Queryable, schemas: string[]): Promise<Set<string>> {
  const { rows } = await client.query(
    'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])',
    [schemas],
  );
  return new Set(rows.map((r) => r.nspname as string));
}

export async function existingRoles(client: Queryable, names: string[]): Promise<Set<string>> {
  const { rows } = await client.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [
    names,
  ]);
  return new Set(rows.map((r) => r.rolname));
}

/**
 * Members of the given roles (who has access through them); a membership that gives nothing (the
 * creator's ADMIN-only one on 16+, see conferringMembershipSql) is no access.
 */
export async function roleMembers(
  client: Queryable,
  roles: string[],
): Promise<{ role: string; member: string }[]> {
  const { rows } = await client.query(
    `SELECT DISTINCT r.rolname AS role, m.rolname AS member
     FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
     WHERE r.rolname = ANY($1) AND ${await conferringMembershipSql(client)} ORDER BY 1, 2`,
    [roles],
  );
  return rows;
}

/**
 * Objects outside the schema that depend on objects inside it: views, foreign keys, columns and
 * functions using its types. DROP SCHEMA ... CASCADE would silently take them along (a reporting
 * view in public, another tenant's foreign key). Objects in the schema are found through their
 * indexed dependency on it, so this costs the tenant's size, not the fleet's.
 */
export async function outsideDependents(client: Queryable, schema: string): Promise<string[]> {
  const { rows } = await client.query(
    `WITH nsp AS (SELECT oid FROM pg_namespace WHERE nspname = $1),
     inside AS (SELECT d.classid, d.objid FROM pg_depend d JOIN nsp ON d.refobjid = nsp.oid
                WHERE d.refclassid = 'pg_namespace'::regclass)
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0) AS what
     FROM inside i
     JOIN pg_depend d ON d.refclassid = i.classid AND d.refobjid = i.objid AND d.deptype = 'n'
     LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
     LEFT JOIN pg_class rc ON rc.oid = r.ev_class
     LEFT JOIN pg_constraint k ON d.classid = 'pg_constraint'::regclass AND k.oid = d.objid
     LEFT JOIN pg_class kc ON kc.oid = k.conrelid
     LEFT JOIN pg_class ac ON d.classid = 'pg_class'::regclass AND ac.oid = d.objid
     LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
     WHERE COALESCE(rc.relnamespace, kc.relnamespace, ac.relnamespace, p.pronamespace) <> (SELECT oid FROM nsp)
     ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.what);
}

/**
 * Indexes of the schema that are not valid: left by a CREATE INDEX CONCURRENTLY that failed or
 * was interrupted (a later `IF NOT EXISTS` then skips them), or being built right now.
 */
export async function invalidIndexes(client: Queryable, schema: string): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND NOT i.indisvalid ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.relname);
}

/** Which of these publications exist in this database. */
export async function existingPublications(
  client: Queryable,
  names: string[],
): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const { rows } = await client.query(
    'SELECT pubname FROM pg_publication WHERE pubname = ANY($1::text[])',
    [names],
  );
  return new Set(rows.map((r) => r.pubname as string));
}
