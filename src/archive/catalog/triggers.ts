import { quoteIdent as qi } from '../../pg/quote.js';
import { PRIORITY, key, staticObject } from './model.js';
import type { CatalogScope } from './scope.js';

const ENABLE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

/** Triggers (not the internal ones behind foreign keys, nor a partition's clone of its parent's). */
export async function readTriggers(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT tg.oid::int8 AS oid, tg.tgname AS name, c.relname AS "table", quote_ident(c.relname) AS qtable, c.oid::int8 AS relid,
            pg_get_triggerdef(tg.oid) AS def, tg.tgenabled AS enabled
     FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND NOT tg.tgisinternal AND tg.tgparentid = 0
     ORDER BY tg.oid`,
  );
  for (const r of rows) {
    const id = key('pg_trigger', Number(r.oid));
    const needle = ` ON ${s.qschema}.${r.qtable} `;
    const at = r.def.indexOf(needle);
    const def =
      at < 0 ? r.def : `${r.def.slice(0, at)} ON ${r.qtable} ${r.def.slice(at + needle.length)}`;
    const sql = [def];
    if (ENABLE[r.enabled])
      sql.push(`ALTER TABLE ${r.qtable} ${ENABLE[r.enabled]} TRIGGER ${qi(r.name)}`);
    s.reg.add(
      staticObject({
        id,
        kind: 'trigger',
        name: `${r.table}.${r.name}`,
        section: 'post',
        priority: PRIORITY.trigger,
        sql,
        deps: [key('pg_class', Number(r.relid))],
        describe: [`trigger ${r.table}.${r.name} ${r.enabled}`],
      }),
    );
    s.reg.commentOn(id, id, `TRIGGER ${qi(r.name)} ON ${r.qtable}`);
  }
}
