import type { CatalogScope } from './scope.js';

export interface CatTrigger {
  name: string;
  table: string;
  def: string;
  enabled: string;
}

export async function readTriggers(s: CatalogScope): Promise<CatTrigger[]> {
  return (
    await s.q(
      `SELECT tg.tgname AS name, c.relname AS table, pg_get_triggerdef(tg.oid) AS def, tg.tgenabled AS enabled, quote_ident(c.relname) AS qt
       FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND NOT tg.tgisinternal AND tg.tgparentid = 0
       ORDER BY tg.oid`,
    )
  ).map((r) => {
    const needle = ` ON ${s.qschema}.${r.qt} `;
    const at = r.def.indexOf(needle);
    const def =
      at < 0 ? r.def : `${r.def.slice(0, at)} ON ${r.qt} ${r.def.slice(at + needle.length)}`;
    return { name: r.name, table: r.table, def, enabled: r.enabled };
  });
}
