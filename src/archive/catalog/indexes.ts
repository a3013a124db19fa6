import { unqualify } from './rewrite.js';
import type { CatalogScope } from './scope.js';

export interface CatIndex {
  name: string;
  table: string;
  def: string;
  clustered: boolean;
}

export async function readIndexes(s: CatalogScope): Promise<CatIndex[]> {
  return (
    await s.q(
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
    def = unqualify(def, head, `${s.qschema}.${r.qt} `, `${r.qt} `);
    return { name: r.name, table: r.table, def, clustered: r.clustered };
  });
}
