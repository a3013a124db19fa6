import { quoteIdent as qi, quoteLiteral } from '../../pg/quote.js';
import { GAP, PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, qualifiedName, type CatalogScope } from './scope.js';

/**
 * Enums (labels in sort order, whatever order they were added in), domains with their
 * constraints (a NOT VALID one after the data), standalone composite types and range types.
 * Base types need C functions and are reported as not carried.
 */
export async function readTypes(s: CatalogScope): Promise<void> {
  const types = await s.q(
    `SELECT t.oid::int8 AS oid, t.typname AS name, quote_ident(t.typname) AS qname, t.typtype AS kind,
            t.typarray::int8 AS array, t.typrelid::int8 AS relid,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
            t.typnotnull AS "notNull", pg_get_expr(t.typdefaultbin, 0) AS default,
            CASE WHEN t.typcollation <> 0 AND t.typtype = 'd' AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                 THEN ${qualifiedName('co.collnamespace', 'co.collname', 'pg_collation_is_visible(co.oid)')} END AS collation,
            CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
            c.relkind AS relkind
     FROM pg_type t
     LEFT JOIN pg_class c ON c.oid = t.typrelid
     LEFT JOIN pg_collation co ON co.oid = t.typcollation
     WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1 AND ${notExtensionMember('pg_type', 't.oid')}
     ORDER BY t.oid`,
  );
  const ranges = await s.q(
    `SELECT r.rngtypid::int8 AS oid, format_type(r.rngsubtype, NULL) AS subtype, r.rngmultitypid::int8 AS multi, m.typarray::int8 AS "multiArray",
            quote_ident(m.typname) AS "multiName", m.typname = (SELECT t.typname FROM pg_type t WHERE t.oid = r.rngtypid) || '_multirange' AS "defaultMultiName",
            CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> (SELECT st.typcollation FROM pg_type st WHERE st.oid = r.rngsubtype)
                 THEN ${qualifiedName('co.collnamespace', 'co.collname', 'pg_collation_is_visible(co.oid)')} END AS collation,
            CASE WHEN NOT oc.opcdefault THEN ${qualifiedName('oc.opcnamespace', 'oc.opcname', 'pg_opclass_is_visible(oc.oid)')} END AS opclass,
            NULLIF(r.rngcanonical, 0)::regproc::text AS canonical, NULLIF(r.rngsubdiff, 0)::regproc::text AS diff
     FROM pg_range r
     JOIN pg_type m ON m.oid = r.rngmultitypid
     JOIN pg_opclass oc ON oc.oid = r.rngsubopc
     LEFT JOIN pg_collation co ON co.oid = r.rngcollation
     WHERE r.rngtypid = ANY(current_setting('tenantctl.types')::oid[])`,
  );
  const checks = await s.q(
    `SELECT con.oid::int8 AS oid, con.contypid::int8 AS typid, con.conname AS name, con.contype AS type,
            pg_get_constraintdef(con.oid) AS def, con.convalidated AS validated
     FROM pg_constraint con
     WHERE con.contypid = ANY(current_setting('tenantctl.types')::oid[]) AND con.contype IN ('c', 'n')
     ORDER BY con.oid`,
  );
  const attrs = await s.q(
    `SELECT a.attrelid::int8 AS relid, a.attnum::int AS attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                 THEN ${qualifiedName('co.collnamespace', 'co.collname', 'pg_collation_is_visible(co.oid)')} END AS collation
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_collation co ON co.oid = a.attcollation
     JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`,
  );
  const multiranges = new Set(ranges.map((r) => Number(r.multi)));
  const arrays = new Set(types.map((t) => Number(t.array)));
  for (const t of types) {
    const oid = Number(t.oid);
    if (arrays.has(oid)) continue;
    const id = key('pg_type', oid);
    const owns = t.array !== '0' ? [key('pg_type', Number(t.array))] : [];
    const add = (kind: string, sql: string[], describe: string[], extra: string[] = []) => {
      s.reg.add(
        staticObject({
          id,
          kind,
          name: t.name,
          section: 'pre',
          priority: PRIORITY.type,
          sql,
          describe,
        }),
        ...owns,
        ...extra,
      );
      s.reg.commentOn(id, id, `${kind === 'domain' ? 'DOMAIN' : 'TYPE'} ${t.qname}`);
    };
    if (t.kind === 'e') {
      add(
        'enum',
        [`CREATE TYPE ${t.qname} AS ENUM (${(t.labels as string[]).map(quoteLiteral).join(', ')})`],
        [`enum ${t.name} (${(t.labels as string[]).join(', ')})`],
      );
    } else if (t.kind === 'd') {
      const own = checks.filter((c) => Number(c.typid) === oid);
      let sql = `CREATE DOMAIN ${t.qname} AS ${t.base}`;
      if (t.collation) sql += ` COLLATE ${t.collation}`;
      if (t.default !== null) sql += ` DEFAULT ${t.default}`;
      const named = own.find((c) => c.type === 'n');
      if (named) sql += ` CONSTRAINT ${qi(named.name)} NOT NULL`;
      else if (t.notNull) sql += ' NOT NULL';
      const stmts = [sql];
      const describe = [
        `domain ${t.name} ${t.base}${t.notNull ? ' not null' : ''}${t.default !== null ? ' default' : ''}${t.collation ? ` collate ${t.collation}` : ''}`,
      ];
      for (const c of own) {
        const cid = key('pg_constraint', Number(c.oid));
        s.reg.commentOn(
          cid,
          c.validated ? id : cid,
          `CONSTRAINT ${qi(c.name)} ON DOMAIN ${t.qname}`,
        );
        if (c.type === 'n') {
          s.reg.own(cid, id);
          continue;
        }
        describe.push(`domain check ${t.name}.${c.name}${c.validated ? '' : ' not valid'}`);
        const add = `ALTER DOMAIN ${t.qname} ADD CONSTRAINT ${qi(c.name)} ${c.def}`;
        if (c.validated) {
          stmts.push(add);
          s.reg.own(cid, id);
        } else
          s.reg.add(
            staticObject({
              id: cid,
              kind: 'domain check',
              name: `${t.name}.${c.name}`,
              section: 'post',
              priority: PRIORITY.notValid,
              sql: [add],
              deps: [id],
            }),
          );
      }
      add('domain', stmts, describe);
    } else if (t.kind === 'c' && t.relkind === 'c') {
      const relid = Number(t.relid);
      const own = attrs.filter((a) => Number(a.relid) === relid);
      add(
        'composite type',
        [
          `CREATE TYPE ${t.qname} AS (${own.map((a) => `${qi(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`).join(', ')})`,
        ],
        [`composite type ${t.name} (${own.map((a) => `${a.name} ${a.type}`).join(', ')})`],
        [key('pg_class', relid)],
      );
      for (const a of own)
        s.reg.commentOn(key('pg_class', relid, a.attnum), id, `COLUMN ${t.qname}.${qi(a.name)}`);
    } else if (t.kind === 'r') {
      const r = ranges.find((x) => Number(x.oid) === oid);
      if (!r) continue;
      const opts = [`SUBTYPE = ${r.subtype}`];
      if (r.opclass) opts.push(`SUBTYPE_OPCLASS = ${r.opclass}`);
      if (r.collation) opts.push(`COLLATION = ${r.collation}`);
      if (r.canonical) opts.push(`CANONICAL = ${r.canonical}`);
      if (r.diff) opts.push(`SUBTYPE_DIFF = ${r.diff}`);
      if (!r.defaultMultiName) opts.push(`MULTIRANGE_TYPE_NAME = ${r.multiName}`);
      add(
        'range type',
        [`CREATE TYPE ${t.qname} AS RANGE (${opts.join(', ')})`],
        [`range type ${t.name} of ${r.subtype} multirange ${r.multiName}`],
        [key('pg_type', Number(r.multi)), key('pg_type', Number(r.multiArray))],
      );
    } else if (t.kind === 'm' && multiranges.has(oid)) {
      // created with its range type
    } else if (t.kind === 'b' || t.kind === 'p') {
      s.reg.own(id, GAP);
      s.reg.gap(
        `type ${t.name}`,
        t.kind === 'p'
          ? 'a shell type (CREATE TYPE without a definition)'
          : 'a base type, defined by C functions',
      );
    }
  }
}
