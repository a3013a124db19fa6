import { quoteIdent as qi } from '../../pg/quote.js';
import { PRIORITY, key, staticObject, type ObjectPart } from './model.js';
import { notExtensionMember, optionList, qualifiedName, type CatalogScope } from './scope.js';

/**
 * Tables: plain, partitioned, partitions (created standalone and attached, as pg_dump does, so
 * their column order and constraint names are their own), inheritance children, typed tables and
 * foreign tables; their columns with defaults, identity, generation, collation, storage,
 * compression, statistics targets and options; CHECK and (PostgreSQL 18) named NOT NULL
 * constraints; replica identity and row level security.
 */

export interface CopyTable {
  name: string;
  /** Stored columns in table order; generated columns are left to the server. */
  columns: string[];
}

interface Rel {
  oid: number;
  name: string;
  qname: string;
  kind: 'r' | 'p' | 'f';
  unlogged: boolean;
  options: string[] | null;
  toastOptions: string[] | null;
  am: string | null;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  replident: string;
  partitionKey: string | null;
  isPartition: boolean;
  bound: string | null;
  parents: string[];
  parentOids: string[];
  ofType: string | null;
  server: string | null;
  serverOptions: string[] | null;
  rowtype: number;
}

interface Col {
  relid: number;
  attnum: number;
  name: string;
  type: string;
  notNull: boolean;
  local: boolean;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  collation: string | null;
  stattarget: number | null;
  storage: string | null;
  compression: string | null;
  options: string[] | null;
  fdwOptions: string[] | null;
  defaultOid: number | null;
  expr: string | null;
}

interface Check {
  oid: number;
  relid: number;
  name: string;
  def: string;
  validated: boolean;
  local: boolean;
  noInherit: boolean;
}

interface NotNull {
  oid: number;
  relid: number;
  attnum: number;
  name: string;
  validated: boolean;
  local: boolean;
  noInherit: boolean;
}

export interface IdentitySequence {
  oid: number;
  name: string;
  relid: number;
  attnum: number;
  options: string;
  unlogged: boolean;
}

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };

async function readRels(s: CatalogScope): Promise<Rel[]> {
  return (
    await s.q(
      `SELECT c.oid::int8 AS oid, c.relname AS name, quote_ident(c.relname) AS qname, c.relkind AS kind,
              c.relpersistence = 'u' AS unlogged, c.reloptions AS options,
              (SELECT tc.reloptions FROM pg_class tc WHERE tc.oid = c.reltoastrelid) AS "toastOptions",
              CASE WHEN am.amname <> 'heap' THEN quote_ident(am.amname) END AS am,
              c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS "forceRowSecurity", c.relreplident AS replident,
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey",
              c.relispartition AS "isPartition",
              CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
              ARRAY(SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parents,
              ARRAY(SELECT i.inhparent::int8::text FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS "parentOids",
              CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS "ofType",
              quote_ident(fs.srvname) AS server, ft.ftoptions AS "serverOptions", c.reltype::int8 AS rowtype
       FROM pg_class c
       LEFT JOIN pg_am am ON am.oid = c.relam
       LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
       LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'f')
         AND ${notExtensionMember('pg_class', 'c.oid')}
       ORDER BY c.oid`,
    )
  ).map((r) => ({ ...r, oid: Number(r.oid), rowtype: Number(r.rowtype) }));
}

async function readCols(s: CatalogScope, kinds: string): Promise<Col[]> {
  const stattarget =
    s.version >= 170000 ? 'a.attstattarget::int' : 'NULLIF(a.attstattarget, -1)::int';
  return (
    await s.q(
      `SELECT a.attrelid::int8 AS relid, a.attnum::int AS attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS "notNull", a.attislocal AS local, a.attidentity AS identity, a.attgenerated AS generated,
              CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                   THEN ${qualifiedName('co.collnamespace', 'co.collname', 'pg_collation_is_visible(co.oid)')} END AS collation,
              ${stattarget} AS stattarget,
              CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
              NULLIF(a.attcompression::text, '') AS compression,
              -- the attribute options ALTER COLUMN SET (...) accepts; a server may keep entries of its
              -- own there that cannot be set (one PostgreSQL 15 build adds pg_attver=...)
              NULLIF(ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE o ~ '^n_distinct(_inherited)?='), '{}') AS options,
              a.attfdwoptions AS "fdwOptions",
              d.oid::int8 AS "defaultOid", pg_get_expr(d.adbin, d.adrelid) AS expr
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN (${kinds})
         AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attrelid, a.attnum`,
    )
  ).map((r) => ({
    ...r,
    relid: Number(r.relid),
    defaultOid: r.defaultOid === null ? null : Number(r.defaultOid),
  }));
}

async function readChecks(s: CatalogScope): Promise<Check[]> {
  return (
    await s.q(
      `SELECT con.oid::int8 AS oid, con.conrelid::int8 AS relid, con.conname AS name, pg_get_constraintdef(con.oid) AS def,
              con.convalidated AS validated, con.conislocal AS local, con.connoinherit AS "noInherit"
       FROM pg_constraint con
       WHERE con.conrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND con.contype = 'c'
       ORDER BY con.oid`,
    )
  ).map((r) => ({ ...r, oid: Number(r.oid), relid: Number(r.relid) }));
}

/** PostgreSQL 18 keeps NOT NULL as named constraints; before, only attnotnull. */
async function readNotNulls(s: CatalogScope): Promise<NotNull[]> {
  if (s.version < 180000) return [];
  return (
    await s.q(
      `SELECT con.oid::int8 AS oid, con.conrelid::int8 AS relid, con.conkey[1]::int AS attnum, con.conname AS name,
              con.convalidated AS validated, con.conislocal AS local, con.connoinherit AS "noInherit"
       FROM pg_constraint con
       WHERE con.conrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND con.contype = 'n'
       ORDER BY con.oid`,
    )
  ).map((r) => ({ ...r, oid: Number(r.oid), relid: Number(r.relid) }));
}

/** Identity sequences are created by their column; their options go into the column's definition. */
export async function readIdentitySequences(s: CatalogScope): Promise<IdentitySequence[]> {
  return (
    await s.q(
      `SELECT c.oid::int8 AS oid, c.relname AS name, d.refobjid::int8 AS relid, d.refobjsubid::int AS attnum,
              c.relpersistence = 'u' AS unlogged,
              concat_ws(' ', 'SEQUENCE NAME', quote_ident(c.relname), 'START WITH', sq.seqstart, 'INCREMENT BY', sq.seqincrement,
                        'MINVALUE', sq.seqmin, 'MAXVALUE', sq.seqmax, 'CACHE', sq.seqcache, CASE WHEN sq.seqcycle THEN 'CYCLE' END) AS options
       FROM pg_class c
       JOIN pg_sequence sq ON sq.seqrelid = c.oid
       JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind = 'S'`,
    )
  ).map((r) => ({ ...r, oid: Number(r.oid), relid: Number(r.relid) }));
}

const tableId = (oid: number) => key('pg_class', oid);

export interface TablesRead {
  copy: CopyTable[];
}

export async function readTables(s: CatalogScope): Promise<TablesRead> {
  const rels = await readRels(s);
  const oids = new Set(rels.map((r) => r.oid));
  const cols = (await readCols(s, `'r', 'p', 'f'`)).filter((c) => oids.has(c.relid));
  const checks = (await readChecks(s)).filter((c) => oids.has(c.relid));
  const notNulls = (await readNotNulls(s)).filter((c) => oids.has(c.relid));
  const identities = await readIdentitySequences(s);
  const byOid = new Map(rels.map((r) => [r.oid, r]));
  const colsOf = new Map<number, Col[]>();
  for (const c of cols) colsOf.set(c.relid, [...(colsOf.get(c.relid) ?? []), c]);
  const identityOf = new Map(identities.map((i) => [`${i.relid}:${i.attnum}`, i]));
  const nnOf = new Map(notNulls.map((n) => [`${n.relid}:${n.attnum}`, n]));
  const copy: CopyTable[] = [];

  for (const r of rels) {
    const id = tableId(r.oid);
    const word = r.kind === 'f' ? 'FOREIGN TABLE' : 'TABLE';
    const alter = `ALTER ${word} ONLY ${r.qname}`;
    const own = colsOf.get(r.oid) ?? [];
    const tenantParents = r.parentOids.map(Number).filter((p) => byOid.has(p));
    const parentCol = (name: string) =>
      tenantParents.flatMap((p) => colsOf.get(p) ?? []).filter((c) => c.name === name);
    // A partition is created standalone with every column. An inheritance child whose columns
    // and constraints are all its own (it became a child by ALTER TABLE ... INHERIT) is created the
    // same way and then inherits, so its column order is its own; pg_dump writes INHERITS there,
    // which puts the inherited columns first. Other children list their own columns.
    const lateInherit =
      !r.isPartition &&
      r.parents.length > 0 &&
      own.every((c) => c.local) &&
      checks.every((x) => x.relid !== r.oid || x.local) &&
      notNulls.every((x) => x.relid !== r.oid || x.local);
    const listed = r.isPartition || lateInherit ? own : own.filter((c) => c.local);
    const parts: ObjectPart[] = [];
    const inlineDefault = new Map<number, ObjectPart>();
    for (const c of listed) {
      if (c.defaultOid === null || c.generated || c.expr === null) continue;
      const part: ObjectPart = {
        id: key('pg_attrdef', c.defaultOid),
        kind: 'default',
        name: `${r.name}.${c.name}`,
        deps: new Set(),
        separate: `${alter} ALTER COLUMN ${qi(c.name)} SET DEFAULT ${c.expr}`,
      };
      parts.push(part);
      inlineDefault.set(c.attnum, part);
    }
    const inlineChecks: { part: ObjectPart; def: string }[] = [];
    for (const ck of checks.filter((x) => x.relid === r.oid)) {
      if (!ck.local) {
        s.reg.own(key('pg_constraint', ck.oid), id);
        s.reg.commentOn(
          key('pg_constraint', ck.oid),
          id,
          `CONSTRAINT ${qi(ck.name)} ON ${r.qname}`,
        );
        continue;
      }
      const sql = `ALTER ${word} ${ck.noInherit ? 'ONLY ' : ''}${r.qname} ADD CONSTRAINT ${qi(ck.name)} ${ck.def}`;
      const cid = key('pg_constraint', ck.oid);
      s.reg.commentOn(cid, cid, `CONSTRAINT ${qi(ck.name)} ON ${r.qname}`);
      if (!ck.validated) {
        // Rows that break a NOT VALID check exist in the source; it is added after they are loaded.
        s.reg.add(
          staticObject({
            id: cid,
            kind: 'check',
            name: `${r.name}.${ck.name}`,
            section: 'post',
            priority: PRIORITY.notValid,
            sql: [sql],
            deps: [id],
            describe: [`check ${r.name}.${ck.name} not valid`],
          }),
        );
        continue;
      }
      const part: ObjectPart = {
        id: cid,
        kind: 'check',
        name: `${r.name}.${ck.name}`,
        deps: new Set(),
        separate: sql,
      };
      parts.push(part);
      inlineChecks.push({ part, def: `CONSTRAINT ${qi(ck.name)} ${ck.def}` });
    }

    const after: string[] = [];
    const describe: string[] = [
      [
        `${r.kind === 'f' ? 'foreign table' : 'table'} ${r.name}`,
        r.unlogged && 'unlogged',
        r.partitionKey && 'partitioned',
        r.isPartition && `partition of ${r.parents[0]}`,
        !r.isPartition && r.parents.length > 0 && `inherits ${r.parents.join(', ')}`,
        r.ofType && `of ${r.ofType}`,
        r.am && `using ${r.am}`,
        r.server && `server ${r.server}`,
        r.replident !== 'd' && r.kind !== 'f' && `replica identity ${r.replident}`,
        r.rowSecurity && 'row level security',
        r.forceRowSecurity && 'forced',
        r.options?.length && `with ${[...r.options].sort().join(',')}`,
        r.toastOptions?.length && `toast ${[...r.toastOptions].sort().join(',')}`,
      ]
        .filter(Boolean)
        .join(' '),
    ];
    const columnSql = (c: Col, split: ReadonlySet<string>, typed: boolean): string | null => {
      const bits: string[] = [];
      if (c.fdwOptions?.length && r.kind === 'f')
        bits.push(`OPTIONS (${optionList(c.fdwOptions, 'fdw').join(', ')})`);
      if (c.collation && !typed) bits.push(`COLLATE ${c.collation}`);
      if (c.generated)
        bits.push(`GENERATED ALWAYS AS (${c.expr}) ${c.generated === 'v' ? 'VIRTUAL' : 'STORED'}`);
      else if (c.identity && !(r.isPartition && parentCol(c.name).some((p) => p.identity))) {
        const seq = identityOf.get(`${r.oid}:${c.attnum}`);
        bits.push(
          `GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${seq ? ` (${seq.options})` : ''}`,
        );
      } else {
        const d = inlineDefault.get(c.attnum);
        if (d && !split.has(d.id)) bits.push(`DEFAULT ${c.expr}`);
      }
      const nn = nnOf.get(`${r.oid}:${c.attnum}`);
      if (nn) {
        if (nn.validated && (nn.local || r.isPartition))
          bits.push(`CONSTRAINT ${qi(nn.name)} NOT NULL${nn.noInherit ? ' NO INHERIT' : ''}`);
      } else if (c.notNull && s.version < 180000) bits.push('NOT NULL');
      if (typed) return bits.length ? `${qi(c.name)} WITH OPTIONS ${bits.join(' ')}` : null;
      return [`${qi(c.name)} ${c.type}`, ...bits].join(' ');
    };

    for (const c of own) {
      s.reg.commentOn(key('pg_class', r.oid, c.attnum), id, `COLUMN ${r.qname}.${qi(c.name)}`);
      describe.push(
        [
          `column ${r.name}.${c.name} ${c.type}`,
          c.notNull && 'not null',
          c.identity && `identity ${c.identity}`,
          c.generated && `generated ${c.generated}`,
          c.defaultOid !== null && !c.generated && 'default',
          c.collation && `collate ${c.collation}`,
          c.storage && `storage ${c.storage}`,
          c.compression && `compression ${c.compression}`,
          c.stattarget !== null && `statistics ${c.stattarget}`,
          c.options?.length && `options ${[...c.options].sort().join(',')}`,
          c.fdwOptions?.length && `fdw ${[...c.fdwOptions].sort().join(',')}`,
          !c.local && 'inherited',
        ]
          .filter(Boolean)
          .join(' '),
      );
      const col = `${alter} ALTER COLUMN ${qi(c.name)}`;
      if (c.stattarget !== null) after.push(`${col} SET STATISTICS ${c.stattarget}`);
      if (c.storage) after.push(`${col} SET STORAGE ${STORAGE[c.storage]}`);
      if (c.compression && COMPRESSION[c.compression])
        after.push(`${col} SET COMPRESSION ${COMPRESSION[c.compression]}`);
      if (c.options?.length) after.push(`${col} SET (${c.options.join(', ')})`);
      if (!listed.includes(c)) {
        // Inherited columns keep their own NOT NULL and default (pg_dump: ALTER TABLE ONLY ...).
        if (
          c.notNull &&
          s.version < 180000 &&
          !parentCol(c.name).some((p) => p.notNull) &&
          tenantParents.length === r.parents.length
        )
          after.push(`${col} SET NOT NULL`);
        const nn = nnOf.get(`${r.oid}:${c.attnum}`);
        if (nn?.local && nn.validated)
          after.push(
            `${alter} ADD CONSTRAINT ${qi(nn.name)} NOT NULL ${qi(c.name)}${nn.noInherit ? ' NO INHERIT' : ''}`,
          );
        if (c.defaultOid !== null && c.expr !== null && !c.generated) {
          const did = key('pg_attrdef', c.defaultOid);
          s.reg.add(
            staticObject({
              id: did,
              kind: 'default',
              name: `${r.name}.${c.name}`,
              section: 'pre',
              priority: PRIORITY.default,
              sql: [`${col} SET DEFAULT ${c.expr}`],
              deps: [id],
            }),
          );
        }
      }
    }
    for (const nn of notNulls.filter((n) => n.relid === r.oid)) {
      const nid = key('pg_constraint', nn.oid);
      const col = own.find((c) => c.attnum === nn.attnum);
      describe.push(
        `not null ${r.name}.${nn.name} (${col?.name})${nn.validated ? '' : ' not valid'}${nn.noInherit ? ' no inherit' : ''}`,
      );
      if (!nn.validated && col) {
        s.reg.add(
          staticObject({
            id: nid,
            kind: 'not null',
            name: `${r.name}.${nn.name}`,
            section: 'post',
            priority: PRIORITY.notValid,
            sql: [
              `ALTER ${word} ${nn.noInherit ? 'ONLY ' : ''}${r.qname} ADD CONSTRAINT ${qi(nn.name)} NOT NULL ${qi(col.name)}${nn.noInherit ? ' NO INHERIT' : ''} NOT VALID`,
            ],
            deps: [id],
          }),
        );
      } else s.reg.own(nid, id);
      s.reg.commentOn(nid, nid, `CONSTRAINT ${qi(nn.name)} ON ${r.qname}`);
    }
    for (const ck of checks.filter((x) => x.relid === r.oid && x.local))
      describe.push(`check ${r.name}.${ck.name}${ck.noInherit ? ' no inherit' : ''}`);
    if (r.replident === 'f' && r.kind !== 'f') after.push(`${alter} REPLICA IDENTITY FULL`);
    if (r.replident === 'n' && r.kind !== 'f') after.push(`${alter} REPLICA IDENTITY NOTHING`);

    const build = (split: ReadonlySet<string>): string[] => {
      const typed = r.ofType !== null;
      const elements = [
        ...listed.map((c) => columnSql(c, split, typed)).filter((x): x is string => x !== null),
        ...inlineChecks.filter((x) => !split.has(x.part.id)).map((x) => x.def),
      ];
      let sql = `CREATE ${r.unlogged ? 'UNLOGGED ' : ''}${word} ${r.qname}`;
      if (typed) sql += ` OF ${r.ofType}`;
      if (elements.length || !typed) sql += ` (\n    ${elements.join(',\n    ')}\n)`;
      if (!r.isPartition && !lateInherit && r.parents.length)
        sql += `\nINHERITS (${r.parents.join(', ')})`;
      if (r.partitionKey) sql += `\nPARTITION BY ${r.partitionKey}`;
      if (r.am) sql += `\nUSING ${r.am}`;
      const withOpts = [
        ...optionList(r.options, 'rel'),
        ...optionList(r.toastOptions, 'rel', 'toast.'),
      ];
      if (withOpts.length) sql += `\nWITH (${withOpts.join(', ')})`;
      if (r.server) {
        sql += `\nSERVER ${r.server}`;
        if (r.serverOptions?.length)
          sql += `\nOPTIONS (${optionList(r.serverOptions, 'fdw').join(', ')})`;
      }
      const inherit = lateInherit
        ? r.parents.map((p) => `ALTER ${word} ${r.qname} INHERIT ${p}`)
        : [];
      return [sql.replace(/ \(\n {4}\n\)/, ' (\n)'), ...inherit, ...after];
    };
    const alsoOwns = [key('pg_type', r.rowtype)];
    for (const i of identities.filter((i) => i.relid === r.oid))
      alsoOwns.push(key('pg_class', i.oid));
    s.reg.add(
      {
        id,
        kind: r.kind === 'f' ? 'foreign table' : 'table',
        name: r.name,
        section: 'pre',
        priority: PRIORITY.table,
        deps: new Set(),
        build,
        parts,
        describe,
      },
      ...alsoOwns,
    );
    s.reg.commentOn(id, id, `${word} ${r.qname}`);

    if (r.isPartition) {
      s.reg.add(
        staticObject({
          id: `attach:${id}`,
          kind: 'partition',
          name: r.name,
          section: 'pre',
          priority: PRIORITY.attach,
          sql: [`ALTER TABLE ONLY ${r.parents[0]} ATTACH PARTITION ${r.qname} ${r.bound}`],
          deps: [id, ...tenantParents.map(tableId)],
        }),
      );
    }
    if (r.rowSecurity || r.forceRowSecurity) {
      // After the rows: with FORCE, COPY into the table as its owner would meet the policies.
      const sql: string[] = [];
      if (r.rowSecurity) sql.push(`ALTER TABLE ${r.qname} ENABLE ROW LEVEL SECURITY`);
      if (r.forceRowSecurity) sql.push(`ALTER TABLE ${r.qname} FORCE ROW LEVEL SECURITY`);
      s.reg.add(
        staticObject({
          id: `rls:${id}`,
          kind: 'row level security',
          name: r.name,
          section: 'post',
          priority: PRIORITY.rule,
          sql,
          deps: [id],
        }),
      );
    }
    if (r.kind === 'r')
      copy.push({ name: r.name, columns: own.filter((c) => !c.generated).map((c) => c.name) });
  }
  return { copy };
}
