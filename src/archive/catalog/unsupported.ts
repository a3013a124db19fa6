import type { CatRelation } from './relations.js';
import type { CatType } from './types.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

/** Kinds of objects in the schema that the archive does not carry, with counts. */
export async function classifyUnsupported(
  s: CatalogScope,
  relations: CatRelation[],
  types: CatType[],
): Promise<{ what: string; count: number }[]> {
  const counted = new Map(s.objects.map((o) => [o.catalog, o.oids.length]));
  const unsupported: { what: string; count: number }[] = [];
  for (const [catalog, what] of [
    ['pg_operator', 'operator'],
    ['pg_collation', 'collation'],
    ['pg_ts_config', 'text search configuration'],
    ['pg_ts_dict', 'text search dictionary'],
    ['pg_conversion', 'conversion'],
    ['pg_extension', 'extension installed in the schema'],
  ]) {
    const n = counted.get(catalog) ?? 0;
    if (n > 0) unsupported.push({ what, count: n });
  }
  const aggs = (
    await s.q(
      `SELECT count(*)::int AS n FROM pg_proc p WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND p.prokind IN ('a', 'w') AND ${notExtensionMember('pg_proc', 'p.oid')}`,
    )
  )[0].n;
  if (aggs) unsupported.push({ what: 'aggregate or window function', count: aggs });
  const foreign = relations.filter((r) => r.kind === 'f').length;
  if (foreign) unsupported.push({ what: 'foreign table', count: foreign });
  const baseTypes = types.filter((t) => t.kind === 'b' || t.kind === 'p' || t.kind === 'm').length;
  if (baseTypes) unsupported.push({ what: 'base or pseudo type', count: baseTypes });
  return unsupported;
}
