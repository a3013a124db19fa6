import { unqualify } from './rewrite.js';
import { PRIORITY, key, staticObject } from './model.js';
import type { CatalogScope } from './scope.js';

/**
 * Indexes that no constraint owns, after the data. A partitioned table's index is created ON ONLY
 * the parent and each partition's own index attached to it, keeping the source's names.
 * Clustering, replica identity and per-column statistics targets follow their index.
 */
export async function readIndexes(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT ic.oid::int8 AS oid, ic.relname AS name, quote_ident(ic.relname) AS qname, t.relname AS "table", quote_ident(t.relname) AS qtable,
            t.oid::int8 AS relid, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS "unique", i.indisclustered AS clustered,
            i.indisreplident AS replident, i.indisvalid AS valid, ic.relkind,
            (SELECT pi.inhparent::regclass::text FROM pg_inherits pi WHERE pi.inhrelid = ic.oid) AS "parentIndex",
            (SELECT pi.inhparent::int8 FROM pg_inherits pi WHERE pi.inhrelid = ic.oid) AS "parentIndexOid",
            ARRAY(SELECT a.attnum::text || ' ' || a.attstattarget FROM pg_attribute a
                  WHERE a.attrelid = ic.oid AND a.attstattarget >= 0 ORDER BY a.attnum) AS stats,
            am.amname AS am
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am am ON am.oid = ic.relam
     WHERE t.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND t.relnamespace = $1
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
     ORDER BY ic.oid`,
  );
  for (const r of rows) {
    const id = key('pg_class', Number(r.oid));
    if (!r.valid && r.relkind !== 'I') {
      s.reg.warnings.push(
        `index ${r.name} on ${r.table} is invalid (a failed CREATE INDEX CONCURRENTLY?) and is not exported`,
      );
      continue;
    }
    const head = `CREATE ${r.unique ? 'UNIQUE ' : ''}INDEX ${r.qname} ON `;
    let def = unqualify(r.def, `${head}ONLY `, `${s.qschema}.${r.qtable} `, `${r.qtable} `);
    def = unqualify(def, head, `${s.qschema}.${r.qtable} `, `${r.qtable} `);
    const sql = [def];
    if (r.clustered) sql.push(`ALTER TABLE ${r.qtable} CLUSTER ON ${r.qname}`);
    if (r.replident)
      sql.push(`ALTER TABLE ONLY ${r.qtable} REPLICA IDENTITY USING INDEX ${r.qname}`);
    for (const st of r.stats as string[]) {
      const [n, target] = st.split(' ');
      sql.push(`ALTER INDEX ${r.qname} ALTER COLUMN ${n} SET STATISTICS ${target}`);
    }
    s.reg.add(
      staticObject({
        id,
        kind: 'index',
        name: `${r.table}.${r.name}`,
        section: 'post',
        priority: PRIORITY.index,
        sql,
        deps: [key('pg_class', Number(r.relid))],
        describe: [
          `index ${r.table}.${r.name} ${r.am}${r.unique ? ' unique' : ''}${r.clustered ? ' clustered' : ''}${r.replident ? ' replica identity' : ''}${(r.stats as string[]).length ? ` statistics ${r.stats.join(',')}` : ''}`,
        ],
      }),
    );
    s.reg.commentOn(id, id, `INDEX ${r.qname}`);
    if (r.parentIndex)
      s.reg.add(
        staticObject({
          id: `attach:${id}`,
          kind: 'index attachment',
          name: `${r.table}.${r.name}`,
          section: 'post',
          priority: PRIORITY.indexAttach,
          sql: [`ALTER INDEX ${r.parentIndex} ATTACH PARTITION ${r.qname}`],
          deps: [id, key('pg_class', Number(r.parentIndexOid))],
        }),
      );
  }
}
