import type { Queryable } from '../../pg/pool.js';
import { quoteIdent } from '../../pg/quote.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

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

export async function readSequences(s: CatalogScope): Promise<CatSequence[]> {
  return s.q(
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
