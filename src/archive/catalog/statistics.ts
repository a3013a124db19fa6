import { unqualify } from './rewrite.js';
import type { CatalogScope } from './scope.js';

export interface CatStatistic {
  name: string;
  def: string;
}

export async function readStatistics(s: CatalogScope): Promise<CatStatistic[]> {
  return (
    await s.q(
      `SELECT s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS def, quote_ident(s.stxname) AS qi
       FROM pg_statistic_ext s WHERE s.stxrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND s.stxnamespace = $1 ORDER BY s.oid`,
    )
  ).map((r) => ({
    name: r.name,
    def: unqualify(r.def, 'CREATE STATISTICS ', `${s.qschema}.${r.qi} `, `${r.qi} `),
  }));
}
