import type { Queryable } from '../pg/pool.js';
import { quoteIdent } from '../pg/quote.js';

/**
 * Catalog reads for one tenant schema. Every query is filtered by the schema's namespace oid, so
 * the cost follows the tenant's size, not the number of schemas in the database (pg_dump reads
 * the whole catalog). The caller has set search_path to the tenant schema first: the pg_get_*def
 * functions then print the tenant's own names unqualified, which is what lets an archive be
 * restored under another schema name.
 */

/** Objects that belong to an extension are the extension's to create, never the tenant's. */
const notExtensionMember = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

export interface CatColumn {
  relid: number;
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  collation: string | null;
  local: boolean;
}

export interface CatRelation {
  oid: number;
  name: string;
  kind: 'r' | 'p' | 'v' | 'm' | 'S' | 'f' | 'c';
  unlogged: boolean;
  options: string[] | null;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  partitionKey: string | null;
  partitionBound: string | null;
  /** Parents (partition parent or INHERITS) that live in the same schema; foreign ones are warned about. */
  parents: string[];
  foreignParents: string[];
  viewDef: string | null;
  populated: boolean;
}

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

export interface CatSequence {
  oid: number;
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  ownedByTable: string | null;
  ownedByColumn: string | null;
  /** 'i' for identity sequences (created by their column), 'a' for serial-style OWNED BY. */
  ownership: 'a' | 'i' | null;
}

export interface CatFunction {
  oid: number;
  name: string;
  kind: 'f' | 'p' | 'a' | 'w';
  identityArgs: string;
  def: string | null;
  /** Signature names a relation's row type, or the body is parsed at creation (BEGIN ATOMIC): create after tables and views. */
  late: boolean;
  mentionsSchema: boolean;
}

export interface CatConstraint {
  name: string;
  table: string;
  type: 'c' | 'p' | 'u' | 'f' | 'x';
  def: string;
  validated: boolean;
}

export interface CatIndex {
  name: string;
  table: string;
  def: string;
  clustered: boolean;
}

export interface CatTrigger {
  name: string;
  table: string;
  def: string;
  enabled: string;
}

export interface CatRule {
  name: string;
  table: string;
  def: string;
}

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

export interface CatComment {
  kind:
    | 'relation'
    | 'column'
    | 'constraint'
    | 'domain-constraint'
    | 'trigger'
    | 'policy'
    | 'function'
    | 'type'
    | 'index'
    | 'rule';
  relkind?: string;
  object: string;
  sub?: string;
  signature?: string;
  typtype?: string;
  prokind?: string;
  text: string;
}

export interface CatAcl {
  kind: 'schema' | 'relation' | 'column' | 'function' | 'type';
  relkind?: string;
  prokind?: string;
  typtype?: string;
  object: string;
  column?: string;
  signature?: string;
  grantee: string | null;
  privilege: string;
  grantable: boolean;
  /** The object's ACL is explicit and PUBLIC has nothing (functions and types default to PUBLIC). */
  publicRevoked?: boolean;
}

export interface CatDefaultAcl {
  objtype: 'r' | 'S' | 'f' | 'T' | 'n';
  grantee: string | null;
  privilege: string;
  grantable: boolean;
}

export interface CatStatistic {
  name: string;
  def: string;
}

export interface TenantCatalog {
  schema: string;
  nspOid: number;
  comment: string | null;
  relations: CatRelation[];
  columns: CatColumn[];
  types: CatType[];
  domainChecks: CatDomainCheck[];
  sequences: CatSequence[];
  functions: CatFunction[];
  constraints: CatConstraint[];
  indexes: CatIndex[];
  triggers: CatTrigger[];
  rules: CatRule[];
  policies: CatPolicy[];
  statistics: CatStatistic[];
  comments: CatComment[];
  acls: CatAcl[];
  defaultAcls: CatDefaultAcl[];
  /** Relation name pairs (view or materialized view -> what it reads), for creation order. */
  viewDeps: { view: string; uses: string }[];
  /** Kinds of objects in the schema that the archive does not carry, with counts. */
  unsupported: { what: string; count: number }[];
}

export async function namespaceOid(client: Queryable, schema: string): Promise<number | null> {
  const { rows } = await client.query(
    'SELECT oid::int AS oid FROM pg_namespace WHERE nspname = $1',
    [schema],
  );
  return rows[0]?.oid ?? null;
}

/** Tables (plain and partitioned; LOCK refuses materialized views) to share-lock before the snapshot is taken. */
export async function lockableRelations(client: Queryable, nsp: number): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
     WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = $1 AND d.classid = 'pg_class'::regclass
       AND c.relnamespace = $1 AND c.relkind IN ('r', 'p') ORDER BY c.oid`,
    [nsp],
  );
  return rows.map((r) => r.relname);
}

/** One LOCK statement for all tables; a utility statement, so it does not fix the snapshot. */
export function lockTablesSql(schema: string, tables: string[]): string | null {
  if (tables.length === 0) return null;
  return `LOCK TABLE ${tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ')} IN ACCESS SHARE MODE`;
}

/** Text that ruleutils prints with the schema spelled out even when it is on search_path; stripped here. */
function unqualify(def: string, prefix: string, qualified: string, replacement: string): string {
  if (def.startsWith(prefix + qualified))
    return prefix + replacement + def.slice(prefix.length + qualified.length);
  return def;
}

export async function readTenantCatalog(
  client: Queryable,
  schema: string,
  nsp: number,
): Promise<TenantCatalog> {
  const q = async (sql: string, params: unknown[] = [nsp]) =>
    (await client.query(sql, params)).rows;

  // PostgreSQL indexes pg_class, pg_type and pg_proc by name+namespace, never by namespace alone, so
  // "WHERE relnamespace = $1" scans the whole catalog. The objects' dependency on their schema is
  // indexed (pg_depend_reference_index): collect the tenant's oids there once and let every
  // query below go through the oid indexes, so cost follows the tenant's size.
  const objects: { catalog: string; oids: number[] }[] = await q(
    `SELECT d.classid::regclass::text AS catalog, array_agg(DISTINCT d.objid)::int8[] AS oids
     FROM pg_depend d WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = $1 GROUP BY 1`,
  );
  const oidsOf = (catalog: string) =>
    (objects.find((o) => o.catalog === catalog)?.oids ?? []).map(Number);
  // A composite type's pg_class entry hangs off its pg_type row, not the schema.
  const typeOids = oidsOf('pg_type');
  const compositeRels = typeOids.length
    ? (
        await client.query(
          `SELECT t.typrelid::int8 AS r FROM pg_type t WHERE t.oid = ANY($1::oid[]) AND t.typrelid <> 0`,
          [typeOids],
        )
      ).rows.map((r) => Number(r.r))
    : [];
  const relOids = [...oidsOf('pg_class'), ...compositeRels];
  const rowTypes: number[] = [];
  await client.query(
    `SELECT set_config('tenantctl.rels', $1, true), set_config('tenantctl.types', $2, true), set_config('tenantctl.procs', $3, true)`,
    [
      `{${relOids.join(',')}}`,
      `{${[...oidsOf('pg_type'), ...rowTypes].join(',')}}`,
      `{${oidsOf('pg_proc').join(',')}}`,
    ],
  );

  const [nspRow] = await q(
    `SELECT obj_description($1::oid, 'pg_namespace') AS comment, quote_ident(nspname) AS qi FROM pg_namespace WHERE oid = $1`,
  );
  const qschema: string = nspRow.qi;

  const relations: CatRelation[] = (
    await q(
      `SELECT c.oid::int AS oid, c.relname AS name, c.relkind AS kind, c.relpersistence = 'u' AS unlogged, c.reloptions AS options,
              c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS "forceRowSecurity",
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey",
              CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS "partitionBound",
              ARRAY(SELECT p.relname::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    WHERE i.inhrelid = c.oid AND p.relnamespace = $1 ORDER BY i.inhseqno) AS parents,
              ARRAY(SELECT p.oid::regclass::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    WHERE i.inhrelid = c.oid AND p.relnamespace <> $1 ORDER BY i.inhseqno) AS "foreignParents",
              CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS "viewDef",
              c.relispopulated AS populated
       FROM pg_class c
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND ${notExtensionMember('pg_class', 'c.oid')}
       ORDER BY c.oid`,
    )
  ).map((r) => ({ ...r, viewDef: r.viewDef?.replace(/;\s*$/, '') ?? null }));

  const columns: CatColumn[] = await q(
    `SELECT a.attrelid::int AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default,
            a.attidentity AS identity, a.attgenerated AS generated,
            CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                 THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
            a.attislocal AS local,
            CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS "generatedExpr"
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'c', 'f', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`,
  );
  // Generated expressions travel in `default` for the DDL writer, flagged by `generated`.
  for (const col of columns as (CatColumn & { generatedExpr?: string | null })[]) {
    if (col.generated) col.default = col.generatedExpr ?? null;
    delete col.generatedExpr;
  }

  const types: CatType[] = await q(
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

  const domainChecks: CatDomainCheck[] = await q(
    `SELECT t.typname AS "typeName", con.conname AS name, pg_get_constraintdef(con.oid) AS def, con.convalidated AS validated
     FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid
     WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1 AND con.contype = 'c'
     ORDER BY con.oid`,
  );

  const sequences: CatSequence[] = await q(
    `SELECT c.oid::int AS oid, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
            s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache,
            s.seqcycle AS cycle, t.relname AS "ownedByTable", a.attname AS "ownedByColumn", d.deptype AS ownership
     FROM pg_sequence s
     JOIN pg_class c ON c.oid = s.seqrelid
     LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
     LEFT JOIN pg_class t ON t.oid = d.refobjid AND t.relnamespace = $1
     LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND ${notExtensionMember('pg_class', 'c.oid')}
     ORDER BY c.oid`,
  );

  const functions: CatFunction[] = (
    await q(
      `SELECT p.oid::int AS oid, p.proname AS name, p.prokind AS kind, pg_get_function_identity_arguments(p.oid) AS "identityArgs",
              CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS def,
              quote_ident(p.proname) AS qi,
              (p.prosqlbody IS NOT NULL OR EXISTS (
                 SELECT 1 FROM pg_depend d JOIN pg_type t ON t.oid = d.refobjid
                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_type'::regclass
                   AND t.typrelid <> 0 AND t.typnamespace = $1)) AS late,
              (strpos(p.prosrc, $2) > 0 OR strpos(array_to_string(p.proconfig, ','), $2) > 0) AS "mentionsSchema"
       FROM pg_proc p
       WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND ${notExtensionMember('pg_proc', 'p.oid')}
       ORDER BY p.oid`,
      [nsp, schema],
    )
  ).map((r) => {
    const word = r.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    const def =
      r.def === null
        ? null
        : unqualify(r.def, `CREATE OR REPLACE ${word} `, `${qschema}.${r.qi}(`, `${r.qi}(`);
    delete r.qi;
    return { ...r, def };
  });

  const constraints: CatConstraint[] = await q(
    `SELECT con.conname AS name, c.relname AS table, con.contype AS type, pg_get_constraintdef(con.oid) AS def, con.convalidated AS validated
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND con.contype IN ('c', 'p', 'u', 'f', 'x') AND con.conparentid = 0 AND con.conislocal
     ORDER BY con.oid`,
  );

  const indexes: CatIndex[] = (
    await q(
      `SELECT ic.relname AS name, t.relname AS table, pg_get_indexdef(i.indexrelid) AS def, i.indisclustered AS clustered,
              quote_ident(ic.relname) AS qi, quote_ident(t.relname) AS qt, i.indisunique AS "unique", ic.relkind
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       WHERE t.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND t.relnamespace = $1 AND NOT ic.relispartition
         AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = i.indrelid AND con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
       ORDER BY ic.oid`,
    )
  ).map((r) => {
    // Partitioned indexes print as ON ONLY; without ONLY, the partitions get theirs too.
    const head = `CREATE ${r.unique ? 'UNIQUE ' : ''}INDEX ${r.qi} ON `;
    let def: string = r.def;
    if (def.startsWith(`${head}ONLY `)) def = head + def.slice(head.length + 5);
    def = unqualify(def, head, `${qschema}.${r.qt} `, `${r.qt} `);
    return { name: r.name, table: r.table, def, clustered: r.clustered };
  });

  const triggers: CatTrigger[] = (
    await q(
      `SELECT tg.tgname AS name, c.relname AS table, pg_get_triggerdef(tg.oid) AS def, tg.tgenabled AS enabled, quote_ident(c.relname) AS qt
       FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND NOT tg.tgisinternal AND tg.tgparentid = 0
       ORDER BY tg.oid`,
    )
  ).map((r) => {
    const needle = ` ON ${qschema}.${r.qt} `;
    const at = r.def.indexOf(needle);
    const def =
      at < 0 ? r.def : `${r.def.slice(0, at)} ON ${r.qt} ${r.def.slice(at + needle.length)}`;
    return { name: r.name, table: r.table, def, enabled: r.enabled };
  });

  const rules: CatRule[] = await q(
    `SELECT r.rulename AS name, c.relname AS table, pg_get_ruledef(r.oid) AS def
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND r.rulename <> '_RETURN'
     ORDER BY r.oid`,
  );

  const policies: CatPolicy[] = await q(
    `SELECT p.polname AS name, c.relname AS table, p.polpermissive AS permissive, p.polcmd AS command,
            ARRAY(SELECT CASE WHEN r = 0 THEN NULL ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     ORDER BY p.oid`,
  );

  const statistics: CatStatistic[] = (
    await q(
      `SELECT s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS def, quote_ident(s.stxname) AS qi
       FROM pg_statistic_ext s WHERE s.stxrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND s.stxnamespace = $1 ORDER BY s.oid`,
    )
  ).map((r) => ({
    name: r.name,
    def: unqualify(r.def, 'CREATE STATISTICS ', `${qschema}.${r.qi} `, `${r.qi} `),
  }));

  const comments: CatComment[] = await q(
    `SELECT 'relation'::text AS kind, c.relkind::text AS relkind, c.relname::text AS object, NULL::text AS sub, d.description AS text
       FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind <> 'c'
     UNION ALL
     SELECT 'column', c.relkind::text, c.relname, a.attname, d.description
       FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND d.objsubid > 0
     UNION ALL
     SELECT CASE WHEN con.contypid <> 0 THEN 'domain-constraint' ELSE 'constraint' END, NULL,
            COALESCE(c.relname, t.typname), con.conname, d.description
       FROM pg_description d JOIN pg_constraint con ON d.classoid = 'pg_constraint'::regclass AND d.objoid = con.oid
       LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type t ON t.oid = con.contypid
       WHERE (con.conrelid = ANY(current_setting('tenantctl.rels')::oid[]) OR con.contypid = ANY(current_setting('tenantctl.types')::oid[])) AND con.connamespace = $1
     UNION ALL
     SELECT 'trigger', NULL, c.relname, tg.tgname, d.description
       FROM pg_description d JOIN pg_trigger tg ON d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid
       JOIN pg_class c ON c.oid = tg.tgrelid WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     UNION ALL
     SELECT 'policy', NULL, c.relname, p.polname, d.description
       FROM pg_description d JOIN pg_policy p ON d.classoid = 'pg_policy'::regclass AND d.objoid = p.oid
       JOIN pg_class c ON c.oid = p.polrelid WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     UNION ALL
     SELECT 'rule', NULL, c.relname, r.rulename, d.description
       FROM pg_description d JOIN pg_rewrite r ON d.classoid = 'pg_rewrite'::regclass AND d.objoid = r.oid
       JOIN pg_class c ON c.oid = r.ev_class WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND r.rulename <> '_RETURN'`,
  );
  const commentsMore = await q(
    `SELECT 'function'::text AS kind, p.proname::text AS object, pg_get_function_identity_arguments(p.oid) AS signature, p.prokind::text AS prokind, d.description AS text
       FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1
     UNION ALL
     SELECT 'type', t.typname, NULL, t.typtype::text, d.description
       FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1`,
  );
  for (const r of commentsMore) {
    if (r.kind === 'function')
      comments.push({
        kind: 'function',
        object: r.object,
        signature: r.signature,
        prokind: r.prokind,
        text: r.text,
      });
    else comments.push({ kind: 'type', object: r.object, typtype: r.prokind, text: r.text });
  }
  for (const c of comments) {
    if (c.sub === null) delete c.sub;
    if ((c as { relkind?: string | null }).relkind === null) delete c.relkind;
  }

  // ACL entries the owner holds on its own objects are implied by ownership and not carried.
  const acls: CatAcl[] = [];
  const aclRows = await q(
    `SELECT 'schema'::text AS kind, NULL::text AS relkind, NULL::text AS prokind, NULL::text AS typtype, NULL::text AS object, NULL::text AS col, NULL::text AS signature,
            a.grantee, a.privilege_type AS privilege, a.is_grantable AS grantable, false AS public_revoked
       FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.oid = $1 AND a.grantee <> n.nspowner
     UNION ALL
     SELECT 'relation', c.relkind::text, NULL, NULL, c.relname, NULL, NULL, a.grantee, a.privilege_type, a.is_grantable, false
       FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND a.grantee <> c.relowner AND ${notExtensionMember('pg_class', 'c.oid')}
     UNION ALL
     SELECT 'column', c.relkind::text, NULL, NULL, c.relname, at.attname, NULL, a.grantee, a.privilege_type, a.is_grantable, false
       FROM pg_class c JOIN pg_attribute at ON at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL,
            aclexplode(at.attacl) a WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND a.grantee <> c.relowner
     UNION ALL
     SELECT 'function', NULL, p.prokind::text, NULL, p.proname, NULL, pg_get_function_identity_arguments(p.oid), a.grantee, a.privilege_type, a.is_grantable,
            NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0)
       FROM pg_proc p, aclexplode(p.proacl) a WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND ${notExtensionMember('pg_proc', 'p.oid')}
         AND (a.grantee <> p.proowner OR NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0))
     UNION ALL
     SELECT 'type', NULL, NULL, t.typtype::text, t.typname, NULL, NULL, a.grantee, a.privilege_type, a.is_grantable,
            NOT EXISTS (SELECT 1 FROM aclexplode(t.typacl) x WHERE x.grantee = 0)
       FROM pg_type t, aclexplode(t.typacl) a WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1 AND t.typtype IN ('e', 'd', 'c', 'r') AND ${notExtensionMember('pg_type', 't.oid')}
         AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
         AND (a.grantee <> t.typowner OR NOT EXISTS (SELECT 1 FROM aclexplode(t.typacl) x WHERE x.grantee = 0))`,
  );
  for (const r of aclRows) {
    acls.push({
      kind: r.kind,
      ...(r.relkind ? { relkind: r.relkind } : {}),
      ...(r.prokind ? { prokind: r.prokind } : {}),
      ...(r.typtype ? { typtype: r.typtype } : {}),
      object: r.object ?? schema,
      ...(r.col ? { column: r.col } : {}),
      ...(r.signature !== null ? { signature: r.signature } : {}),
      grantee: r.grantee,
      privilege: r.privilege,
      grantable: r.grantable,
      ...(r.public_revoked ? { publicRevoked: true } : {}),
    });
  }
  // Grantee oids become names in one lookup (the owner's own function/type entries stay out below).
  const oids = [...new Set(acls.map((a) => a.grantee as unknown as number))];
  const names = new Map<number, string | null>();
  if (oids.length) {
    const { rows } = await client.query(
      `SELECT o::int AS oid, CASE WHEN o = 0 THEN NULL ELSE pg_get_userbyid(o) END AS name FROM unnest($1::oid[]) o`,
      [oids],
    );
    for (const r of rows) names.set(r.oid, r.name);
  }
  const ownerRows = await q(
    `SELECT 'function' AS kind, p.proname AS object, pg_get_function_identity_arguments(p.oid) AS signature, pg_get_userbyid(p.proowner) AS owner
       FROM pg_proc p WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND p.proacl IS NOT NULL
     UNION ALL
     SELECT 'type', t.typname, NULL, pg_get_userbyid(t.typowner) FROM pg_type t WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1 AND t.typacl IS NOT NULL`,
  );
  const ownerOf = new Map(
    ownerRows.map((r) => [`${r.kind}:${r.object}(${r.signature ?? ''})`, r.owner]),
  );
  const resolved: CatAcl[] = [];
  for (const a of acls) {
    const grantee = names.get(a.grantee as unknown as number) ?? null;
    const ownerEntry =
      (a.kind === 'function' || a.kind === 'type') &&
      grantee !== null &&
      ownerOf.get(`${a.kind}:${a.object}(${a.signature ?? ''})`) === grantee;
    if (ownerEntry) {
      // Kept only as a carrier of publicRevoked, with no privilege of its own.
      if (a.publicRevoked) resolved.push({ ...a, grantee: null, privilege: '', grantable: false });
      continue;
    }
    resolved.push({ ...a, grantee });
  }

  const defaultAcls: CatDefaultAcl[] = await q(
    `SELECT d.defaclobjtype AS objtype, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
     FROM pg_default_acl d, aclexplode(d.defaclacl) a
     WHERE d.defaclnamespace = $1
     ORDER BY 1, 2, 3`,
  );

  const viewDeps: { view: string; uses: string }[] = await q(
    `SELECT DISTINCT v.relname AS view, u.relname AS uses
     FROM pg_class v
     JOIN pg_rewrite r ON r.ev_class = v.oid AND r.rulename = '_RETURN'
     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
     JOIN pg_class u ON u.oid = d.refobjid AND u.oid <> v.oid
     WHERE v.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND v.relnamespace = $1 AND v.relkind IN ('v', 'm') AND u.relnamespace = $1`,
  );

  const counted = new Map(objects.map((o) => [o.catalog, o.oids.length]));
  const unsupported: { what: string; count: number }[] = [];
  for (const [catalog, what] of [
    ['pg_operator', 'operator'],
    ['pg_collation', 'collation'],
    ['pg_ts_config', 'text search configuration'],
    ['pg_ts_dict', 'text search dictionary'],
    ['pg_conversion', 'conversion'],
    ['pg_extension', 'extension installed in the schema'],
  ]) {
    const n = counted.get(catalog) ?? 0;
    if (n > 0) unsupported.push({ what, count: n });
  }
  const aggs = (
    await q(
      `SELECT count(*)::int AS n FROM pg_proc p WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND p.prokind IN ('a', 'w') AND ${notExtensionMember('pg_proc', 'p.oid')}`,
    )
  )[0].n;
  if (aggs) unsupported.push({ what: 'aggregate or window function', count: aggs });
  const foreign = relations.filter((r) => r.kind === 'f').length;
  if (foreign) unsupported.push({ what: 'foreign table', count: foreign });
  const baseTypes = types.filter((t) => t.kind === 'b' || t.kind === 'p' || t.kind === 'm').length;
  if (baseTypes) unsupported.push({ what: 'base or pseudo type', count: baseTypes });

  return {
    schema,
    nspOid: nsp,
    comment: nspRow.comment,
    relations,
    columns,
    types,
    domainChecks,
    sequences,
    functions,
    constraints,
    indexes,
    triggers,
    rules,
    policies,
    statistics,
    comments,
    acls: resolved,
    defaultAcls,
    viewDeps,
    unsupported,
  };
}

/** Current values of the tenant's sequences, in one statement. Sequences are not transactional: this is their value now. */
export async function sequenceValues(
  client: Queryable,
  schema: string,
  names: string[],
): Promise<Map<string, { lastValue: string; isCalled: boolean }>> {
  const out = new Map<string, { lastValue: string; isCalled: boolean }>();
  if (names.length === 0) return out;
  const sql = names
    .map(
      (n, i) =>
        `SELECT $${i + 1}::text AS name, last_value::text AS "lastValue", is_called AS "isCalled" FROM ${quoteIdent(schema)}.${quoteIdent(n)}`,
    )
    .join(' UNION ALL ');
  const { rows } = await client.query(sql, names);
  for (const r of rows) out.set(r.name, { lastValue: r.lastValue, isCalled: r.isCalled });
  return out;
}
