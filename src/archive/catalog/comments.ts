import { quoteLiteral } from '../../pg/quote.js';
import type { CatalogScope } from './scope.js';

/**
 * Comments on every object the readers registered a target for (tables and their columns,
 * constraints, indexes, types and their attributes, routines, operators, text search objects,
 * policies...), read in one query: owner id -> COMMENT statements, run right after the owner.
 */
export async function readComments(s: CatalogScope): Promise<Map<string, string[]>> {
  const targets = [...s.reg.comments.entries()];
  const out = new Map<string, string[]>();
  if (targets.length === 0) return out;
  const split = targets.map(([k]) => k.split(':'));
  const rows = await s.q(
    `SELECT k.i::int AS i, d.description AS text
     FROM unnest($1::regclass[], $2::oid[], $3::int[]) WITH ORDINALITY AS k(c, o, sub, i)
     JOIN pg_description d ON d.classoid = k.c AND d.objoid = k.o AND d.objsubid = k.sub`,
    [split.map((p) => p[0]), split.map((p) => p[1]), split.map((p) => Number(p[2] ?? 0))],
  );
  for (const r of rows) {
    const [, t] = targets[r.i - 1];
    out.set(t.owner, [
      ...(out.get(t.owner) ?? []),
      `COMMENT ON ${t.ref} IS ${quoteLiteral(r.text).trim()}`,
    ]);
  }
  return out;
}

/** The schema's own comment. */
export async function readSchemaComment(s: CatalogScope): Promise<string | null> {
  const [row] = await s.q(`SELECT obj_description($1::oid, 'pg_namespace') AS comment`);
  return row.comment;
}
