import type { Queryable } from '../../pg/pool.js';
import { quoteIdent, quoteIdent as qi } from '../../pg/quote.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

/**
 * Sequences. Identity sequences are created by their column (tables.ts); the others here, with
 * OWNED BY as its own step after the table it points at. Every sequence's position is set after
 * the data (setval, from sequenceValues).
 */
export async function readSequences(s: CatalogScope): Promise<string[]> {
  const rows = await s.q(
    `SELECT c.oid::int8 AS oid, c.relname AS name, quote_ident(c.relname) AS qname, c.relpersistence = 'u' AS unlogged,
            format_type(sq.seqtypid, NULL) AS type, sq.seqstart::text AS start, sq.seqincrement::text AS increment,
            sq.seqmin::text AS min, sq.seqmax::text AS max, sq.seqcache::text AS cache, sq.seqcycle AS cycle,
            (SELECT d.deptype::text FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 LIMIT 1) AS ownership,
            (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname) FROM pg_depend d
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
               AND d.deptype = 'a' AND d.refobjsubid > 0 LIMIT 1) AS "ownedBy",
            (SELECT d.refobjid::int8 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' AND d.refobjsubid > 0 LIMIT 1) AS "ownerOid"
     FROM pg_sequence sq JOIN pg_class c ON c.oid = sq.seqrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND ${notExtensionMember('pg_class', 'c.oid')}
     ORDER BY c.oid`,
  );
  for (const r of rows) {
    const id = key('pg_class', Number(r.oid));
    s.reg.commentOn(id, id, `SEQUENCE ${r.qname}`);
    const describe = `sequence ${r.name} ${r.type} start ${r.start} increment ${r.increment} min ${r.min} max ${r.max} cache ${r.cache}${r.cycle ? ' cycle' : ''}${r.unlogged ? ' unlogged' : ''}${r.ownedBy ? ` owned by ${r.ownedBy}` : ''}`;
    if (r.ownership === 'i') {
      // Created with its column; described here so the description is complete.
      s.reg.add(
        staticObject({
          id: `identity:${id}`,
          kind: 'identity sequence',
          name: r.name,
          section: 'pre',
          priority: PRIORITY.sequence,
          sql: [],
          describe: [describe],
        }),
      );
      continue;
    }
    s.reg.add(
      staticObject({
        id,
        kind: 'sequence',
        name: r.name,
        section: 'pre',
        priority: PRIORITY.sequence,
        sql: [
          `CREATE ${r.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${r.qname} AS ${r.type} START WITH ${r.start} INCREMENT BY ${r.increment} MINVALUE ${r.min} MAXVALUE ${r.max} CACHE ${r.cache}${r.cycle ? ' CYCLE' : ''}`,
        ],
        describe: [describe],
      }),
    );
    if (r.ownedBy)
      s.reg.add(
        staticObject({
          id: `owned:${id}`,
          kind: 'sequence ownership',
          name: r.name,
          section: 'pre',
          priority: PRIORITY.ownedBy,
          sql: [`ALTER SEQUENCE ${r.qname} OWNED BY ${r.ownedBy}`],
          deps: [id, key('pg_class', Number(r.ownerOid))],
        }),
      );
  }
  return rows.map((r) => r.name);
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

export const setvalSql = (name: string, v: { lastValue: string; isCalled: boolean }) =>
  `SELECT pg_catalog.setval('${qi(name).replace(/'/g, "''")}', ${v.lastValue}, ${v.isCalled})`;
