import type { CatalogScope } from './scope.js';

const CATALOG_WORD: Record<string, string> = {
  pg_class: 'relation',
  pg_type: 'type',
  pg_proc: 'routine',
  pg_collation: 'collation',
  pg_conversion: 'conversion',
  pg_operator: 'operator',
  pg_opclass: 'operator class',
  pg_opfamily: 'operator family',
  pg_ts_parser: 'text search parser',
  pg_ts_template: 'text search template',
  pg_ts_dict: 'text search dictionary',
  pg_ts_config: 'text search configuration',
  pg_statistic_ext: 'statistics object',
};

/**
 * What the archive cannot carry, so that nothing is lost silently: extensions installed in the
 * schema, objects of any kind no reader took (new catalogs of a newer server included), security
 * labels, and casts that use the tenant's types or functions (casts belong to the database).
 */
export async function findGaps(s: CatalogScope): Promise<void> {
  const all = s.objects.flatMap((o) =>
    o.oids.map((oid) => ({ catalog: o.catalog, oid: Number(oid) })),
  );
  if (all.length === 0) return;
  const rows = await s.q(
    `SELECT k.c::text AS catalog, k.o::int8 AS oid, pg_describe_object(k.c, k.o, 0) AS what,
            EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = k.c AND e.objid = k.o AND e.deptype = 'e') AS member,
            (SELECT x.extname FROM pg_extension x WHERE k.c = 'pg_extension'::regclass AND x.oid = k.o) AS extension
     FROM unnest($1::regclass[], $2::oid[]) AS k(c, o)`,
    [all.map((a) => a.catalog), all.map((a) => a.oid)],
  );
  const unowned = rows.filter(
    (r) =>
      !r.member &&
      !s.reg.owners.has(`${r.catalog}:${r.oid}`) &&
      // Default privileges travel with the grants (acls.ts), schema membership in a publication
      // with the publications (publications.ts).
      r.catalog !== 'pg_default_acl' &&
      r.catalog !== 'pg_publication_namespace',
  );
  // Array and multirange types and a composite type's relation are created by their owner.
  const byOwner = new Set(
    (
      await s.q(
        `SELECT 'pg_type:' || t.oid AS k FROM pg_type t WHERE t.oid = ANY($1::oid[]) AND ((t.typelem <> 0 AND t.typcategory = 'A') OR t.typtype = 'm')
         UNION ALL
         SELECT 'pg_class:' || c.oid FROM pg_class c WHERE c.oid = ANY($2::oid[]) AND c.relkind IN ('c', 't')`,
        [
          unowned.filter((r) => r.catalog === 'pg_type').map((r) => r.oid),
          unowned.filter((r) => r.catalog === 'pg_class').map((r) => r.oid),
        ],
      )
    ).map((r) => r.k),
  );
  for (const r of unowned) {
    if (r.extension) {
      s.reg.gap(
        `extension ${r.extension}`,
        'installed in the schema; an extension belongs to the database',
      );
      continue;
    }
    if (byOwner.has(`${r.catalog}:${r.oid}`)) continue;
    s.reg.gap(
      r.what,
      `${CATALOG_WORD[r.catalog] ?? r.catalog} that tenantctl does not know how to carry`,
    );
  }
  const owned = [...s.reg.owners.keys()]
    .filter((k) => /^pg_\w+:\d+$/.test(k))
    .map((k) => k.split(':'));
  const labels = await s.q(
    `SELECT DISTINCT pg_describe_object(l.classoid, l.objoid, l.objsubid) AS what, l.provider
     FROM unnest($1::regclass[], $2::oid[]) AS k(c, o) JOIN pg_seclabel l ON l.classoid = k.c AND l.objoid = k.o`,
    [owned.map((p) => p[0]), owned.map((p) => p[1])],
  );
  for (const l of labels) s.reg.gap(l.what, `security label of provider ${l.provider}`);
  const types = owned.filter((p) => p[0] === 'pg_type' || p[0] === 'pg_proc');
  const casts = await s.q(
    `SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0) AS what
     FROM unnest($1::regclass[], $2::oid[]) AS k(c, o)
     JOIN pg_depend d ON d.refclassid = k.c AND d.refobjid = k.o AND d.classid = 'pg_cast'::regclass AND d.deptype = 'n'`,
    [types.map((p) => p[0]), types.map((p) => p[1])],
  );
  for (const c of casts)
    s.reg.gap(
      c.what,
      "uses the tenant's types or functions; a cast belongs to the database, not the schema",
    );
}
