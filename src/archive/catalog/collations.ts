import { quoteLiteral } from '../../pg/quote.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

const PROVIDER: Record<string, string> = { c: 'libc', i: 'icu', b: 'builtin' };

/** Collations (libc, ICU with rules, builtin); the catalog's columns changed in 15, 16 and 17. */
export async function readCollations(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT c.oid::int8 AS oid, c.collname AS name, quote_ident(c.collname) AS qname, to_jsonb(c) AS j
     FROM pg_collation c
     WHERE c.oid = ANY($2::oid[]) AND c.collnamespace = $1 AND ${notExtensionMember('pg_collation', 'c.oid')}
     ORDER BY c.oid`,
    [s.nsp, oidsOf(s, 'pg_collation')],
  );
  for (const r of rows) {
    const j = r.j as Record<string, unknown>;
    const id = key('pg_collation', Number(r.oid));
    const provider = String(j.collprovider);
    if (!PROVIDER[provider] || (Number(j.collencoding) !== -1 && provider !== 'c')) {
      s.reg.gap(`collation ${r.name}`, `provider ${provider} cannot be recreated`);
      continue;
    }
    const locale = (j.colllocale ?? j.colliculocale ?? null) as string | null;
    const opts = [`provider = ${PROVIDER[provider]}`];
    if (provider === 'c') {
      if (j.collcollate === j.collctype)
        opts.push(`locale = ${quoteLiteral(String(j.collcollate))}`);
      else
        opts.push(
          `lc_collate = ${quoteLiteral(String(j.collcollate))}`,
          `lc_ctype = ${quoteLiteral(String(j.collctype))}`,
        );
    } else opts.push(`locale = ${quoteLiteral(String(locale ?? ''))}`);
    if (j.collisdeterministic === false) opts.push('deterministic = false');
    if (typeof j.collicurules === 'string') opts.push(`rules = ${quoteLiteral(j.collicurules)}`);
    s.reg.add(
      staticObject({
        id,
        kind: 'collation',
        name: r.name,
        section: 'pre',
        priority: PRIORITY.collation,
        sql: [`CREATE COLLATION ${r.qname} (${opts.join(', ')})`],
        describe: [`collation ${r.name} ${opts.join(', ')}`],
      }),
    );
    s.reg.commentOn(id, id, `COLLATION ${r.qname}`);
  }
}

export function oidsOf(s: CatalogScope, catalog: string): number[] {
  return (s.objects.find((o) => o.catalog === catalog)?.oids ?? []).map(Number);
}
