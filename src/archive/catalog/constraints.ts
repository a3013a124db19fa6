import { quoteIdent as qi } from '../../pg/quote.js';
import { PRIORITY, key, staticObject } from './model.js';
import type { CatalogScope } from './scope.js';

/**
 * Keys, unique and exclusion constraints and foreign keys, after the data. On partitioned tables
 * each level gets its own constraint (ALTER TABLE ONLY) and the partitions' indexes are attached
 * to the parent's, so every name is the source's, as pg_dump does it. Foreign keys a partition
 * inherits from its parent come with the parent's.
 */
export async function readConstraints(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT con.oid::int8 AS oid, con.conname AS name, con.contype AS type, pg_get_constraintdef(con.oid) AS def,
            c.relname AS "table", quote_ident(c.relname) AS qtable, c.relkind, c.oid::int8 AS relid,
            con.conindid::int8 AS "indexOid", con.conparentid::int8 AS "parentOid", con.conislocal AS local,
            (SELECT pi.inhparent::regclass::text FROM pg_inherits pi WHERE pi.inhrelid = con.conindid) AS "parentIndex",
            (SELECT pi.inhparent::int8 FROM pg_inherits pi WHERE pi.inhrelid = con.conindid) AS "parentIndexOid",
            quote_ident(ic.relname) AS "indexName", i.indisreplident AS replident, i.indisclustered AS clustered,
            ARRAY(SELECT a.attnum::text || ' ' || a.attstattarget FROM pg_attribute a
                  WHERE a.attrelid = con.conindid AND a.attstattarget >= 0 ORDER BY a.attnum) AS stats
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
     LEFT JOIN pg_class ic ON ic.oid = con.conindid
     LEFT JOIN pg_index i ON i.indexrelid = con.conindid
     WHERE con.conrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND con.contype IN ('p', 'u', 'f', 'x')
     ORDER BY con.oid`,
  );
  for (const r of rows) {
    const id = key('pg_constraint', Number(r.oid));
    const tableId = key('pg_class', Number(r.relid));
    if (r.type === 'f') {
      // A partition's copy of its parent's foreign key is made by the parent's.
      if (r.parentOid !== '0') {
        s.reg.own(id, key('pg_constraint', Number(r.parentOid)));
        continue;
      }
      s.reg.add(
        staticObject({
          id,
          kind: 'foreign key',
          name: `${r.table}.${r.name}`,
          section: 'post',
          priority: PRIORITY.foreignKey,
          sql: [
            `ALTER TABLE ${r.relkind === 'p' ? '' : 'ONLY '}${r.qtable} ADD CONSTRAINT ${qi(r.name)} ${r.def}`,
          ],
          deps: [tableId],
          describe: [`foreign key ${r.table}.${r.name}`],
        }),
      );
      s.reg.commentOn(id, id, `CONSTRAINT ${qi(r.name)} ON ${r.qtable}`);
      continue;
    }
    const sql = [`ALTER TABLE ONLY ${r.qtable} ADD CONSTRAINT ${qi(r.name)} ${r.def}`];
    if (r.replident)
      sql.push(`ALTER TABLE ONLY ${r.qtable} REPLICA IDENTITY USING INDEX ${r.indexName}`);
    if (r.clustered) sql.push(`ALTER TABLE ${r.qtable} CLUSTER ON ${r.indexName}`);
    for (const st of r.stats as string[]) {
      const [n, target] = st.split(' ');
      sql.push(`ALTER INDEX ${r.indexName} ALTER COLUMN ${n} SET STATISTICS ${target}`);
    }
    const kind = { p: 'primary key', u: 'unique constraint', x: 'exclusion constraint' }[
      r.type as 'p' | 'u' | 'x'
    ];
    s.reg.add(
      staticObject({
        id,
        kind,
        name: `${r.table}.${r.name}`,
        section: 'post',
        priority: PRIORITY.constraint,
        sql,
        deps: [tableId],
        describe: [
          `${kind} ${r.table}.${r.name}${r.replident ? ' replica identity' : ''}${r.clustered ? ' clustered' : ''}${(r.stats as string[]).length ? ` statistics ${r.stats.join(',')}` : ''}`,
        ],
      }),
      key('pg_class', Number(r.indexOid)),
    );
    s.reg.commentOn(id, id, `CONSTRAINT ${qi(r.name)} ON ${r.qtable}`);
    s.reg.commentOn(key('pg_class', Number(r.indexOid)), id, `INDEX ${r.indexName}`);
    if (r.parentIndex)
      s.reg.add(
        staticObject({
          id: `attach:${id}`,
          kind: 'index attachment',
          name: `${r.table}.${r.name}`,
          section: 'post',
          priority: PRIORITY.indexAttach,
          sql: [`ALTER INDEX ${r.parentIndex} ATTACH PARTITION ${r.indexName}`],
          deps: [id, key('pg_class', Number(r.parentIndexOid))],
        }),
      );
  }
}
