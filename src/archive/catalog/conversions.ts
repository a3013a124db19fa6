import { quoteLiteral } from '../../pg/quote.js';
import { oidsOf } from './collations.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

/** Encoding conversions (CREATE [DEFAULT] CONVERSION). */
export async function readConversions(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT c.oid::int8 AS oid, c.conname AS name, quote_ident(c.conname) AS qname, c.condefault AS "isDefault",
            pg_encoding_to_char(c.conforencoding) AS "from", pg_encoding_to_char(c.contoencoding) AS "to",
            c.conproc::regproc::text AS proc
     FROM pg_conversion c
     WHERE c.oid = ANY($2::oid[]) AND c.connamespace = $1 AND ${notExtensionMember('pg_conversion', 'c.oid')}
     ORDER BY c.oid`,
    [s.nsp, oidsOf(s, 'pg_conversion')],
  );
  for (const r of rows) {
    const id = key('pg_conversion', Number(r.oid));
    const head = `CREATE ${r.isDefault ? 'DEFAULT ' : ''}CONVERSION ${r.qname}`;
    s.reg.add(
      staticObject({
        id,
        kind: 'conversion',
        name: r.name,
        section: 'pre',
        priority: PRIORITY.conversion,
        sql: [`${head} FOR ${quoteLiteral(r.from)} TO ${quoteLiteral(r.to)} FROM ${r.proc}`],
        describe: [
          `conversion ${r.name} ${r.from} to ${r.to} by ${r.proc}${r.isDefault ? ' default' : ''}`,
        ],
      }),
    );
    s.reg.commentOn(id, id, `CONVERSION ${r.qname}`);
  }
}
