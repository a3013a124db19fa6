import { quoteIdent as qi } from '../../pg/quote.js';
import { unqualify } from './rewrite.js';
import { PRIORITY, key, staticObject } from './model.js';
import type { CatalogScope } from './scope.js';

/** Extended statistics objects and their statistics targets. */
export async function readStatistics(s: CatalogScope): Promise<void> {
  const target = s.version >= 170000 ? 's.stxstattarget::int' : 'NULLIF(s.stxstattarget, -1)::int';
  const rows = await s.q(
    `SELECT s.oid::int8 AS oid, s.stxname AS name, quote_ident(s.stxname) AS qname, pg_get_statisticsobjdef(s.oid) AS def,
            ${target} AS target, s.stxrelid::int8 AS relid, s.stxkind::text[] AS kinds
     FROM pg_statistic_ext s WHERE s.stxrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND s.stxnamespace = $1 ORDER BY s.oid`,
  );
  for (const r of rows) {
    const id = key('pg_statistic_ext', Number(r.oid));
    const sql = [unqualify(r.def, 'CREATE STATISTICS ', `${s.qschema}.${r.qname} `, `${r.qname} `)];
    if (r.target !== null) sql.push(`ALTER STATISTICS ${r.qname} SET STATISTICS ${r.target}`);
    s.reg.add(
      staticObject({
        id,
        kind: 'statistics',
        name: r.name,
        section: 'post',
        priority: PRIORITY.statistics,
        sql,
        deps: [key('pg_class', Number(r.relid))],
        describe: [
          `statistics ${r.name} ${r.kinds.join(',')}${r.target !== null ? ` target ${r.target}` : ''}`,
        ],
      }),
    );
    s.reg.commentOn(id, id, `STATISTICS ${qi(r.name)}`);
  }
}
