import type { CatalogScope } from './scope.js';

/**
 * pg_depend edges between the tenant's objects, mapped onto the archive's objects: "X needs Y
 * created first". Extension membership and pinned entries are not creation order; a sequence's
 * OWNED BY link to its column is written as its own step after the table.
 */
export async function readDependencies(s: CatalogScope): Promise<[string, string][]> {
  const keys = [...new Set([...s.reg.owners.keys()].filter((k) => /^pg_\w+:\d+$/.test(k)))];
  if (keys.length === 0) return [];
  const split = keys.map((k) => k.split(':'));
  const rows = await s.q(
    `SELECT d.classid::regclass::text AS c, d.objid::int8 AS o, d.objsubid AS os,
            d.refclassid::regclass::text AS rc, d.refobjid::int8 AS ro, d.refobjsubid AS rs, d.deptype
     FROM unnest($1::regclass[], $2::oid[]) AS k(c, o)
     JOIN pg_depend d ON d.classid = k.c AND d.objid = k.o
     WHERE d.deptype NOT IN ('e', 'x', 'p')`,
    [split.map((p) => p[0]), split.map((p) => p[1])],
  );
  const owners = s.reg.owners;
  const kinds = new Map(s.reg.objects.map((o) => [o.id, o.kind]));
  const edges: [string, string][] = [];
  for (const r of rows) {
    const from = owners.get(`${r.c}:${r.o}:${r.os}`) ?? owners.get(`${r.c}:${r.o}`);
    const to = owners.get(`${r.rc}:${r.ro}:${r.rs}`) ?? owners.get(`${r.rc}:${r.ro}`);
    if (!from || !to || from === to) continue;
    if (r.deptype === 'a' && kinds.get(from) === 'sequence') continue;
    edges.push([from, to]);
  }
  return edges;
}
