import { SCHEMA_MARK, dynamicStatement } from '../relocate.js';
import { unqualify } from './rewrite.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

/** Splits a search_path setting into its elements, keeping each one's quoting. */
export function searchPathElements(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') {
      if (quoted && value[i + 1] === '"') {
        cur += '""';
        i++;
        continue;
      }
      quoted = !quoted;
      cur += ch;
    } else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const unquote = (e: string) =>
  e.startsWith('"') ? e.slice(1, -1).replace(/""/g, '"') : e.toLowerCase();

/** Lines of a routine body that name the schema as an identifier. */
export function bodyMentions(body: string, schema: string): { line: number; text: string }[] {
  const esc = schema.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?<![\\w$])(?:"${esc}"|${esc})(?![\\w$])`, 'i');
  return body
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => re.test(l.text));
}

/**
 * Functions and procedures, from pg_get_functiondef. A pinned search_path naming the tenant's
 * schema (SET search_path FROM CURRENT, which docs/templates.md recommends) is set after
 * creation to the schema the archive is restored into; bodies naming the schema are recorded, so
 * `import --as` can refuse them.
 */
export async function readFunctions(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT p.oid::int8 AS oid, p.proname AS name, quote_ident(p.proname) AS qname, p.prokind AS kind,
            pg_get_function_identity_arguments(p.oid) AS args, pg_get_functiondef(p.oid) AS def,
            pg_get_function_result(p.oid) AS result, l.lanname AS language, p.provolatile AS volatility,
            p.prosecdef AS "securityDefiner", p.prosqlbody IS NOT NULL AS atomic,
            CASE WHEN p.prosqlbody IS NULL THEN md5(p.prosrc) END AS "bodyHash", p.prosrc AS body, p.proconfig AS config
     FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND p.prokind IN ('f', 'p', 'w')
       AND ${notExtensionMember('pg_proc', 'p.oid')}
     ORDER BY p.oid`,
  );
  for (const r of rows) {
    const id = key('pg_proc', Number(r.oid));
    const word = r.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    const ref = `${word} ${r.qname}(${r.args})`;
    let def = unqualify(
      String(r.def),
      `CREATE OR REPLACE ${word} `,
      `${s.qschema}.${r.qname}(`,
      `${r.qname}(`,
    ).trim();
    const sql = [def];
    const config = ((r.config as string[] | null) ?? []).find((c) => c.startsWith('search_path='));
    if (config) {
      const elements = searchPathElements(config.slice('search_path='.length));
      if (elements.some((e) => unquote(e) === s.schema)) {
        // The header lines of pg_get_functiondef start with a space; the body follows them. The
        // settings are set after creation, in their order, the search_path naming the target.
        const lines = def.split('\n');
        let end = 1;
        while (end < lines.length && lines[end].startsWith(' ')) end++;
        const settings = lines.slice(1, end).filter((l) => l.startsWith(' SET '));
        def = [
          ...lines.slice(0, end).filter((l) => !l.startsWith(' SET ')),
          ...lines.slice(end),
        ].join('\n');
        const value = elements.map((e) => (unquote(e) === s.schema ? SCHEMA_MARK : e)).join(', ');
        sql.splice(
          0,
          1,
          def,
          ...settings.map((l) =>
            l.startsWith(' SET search_path TO ')
              ? dynamicStatement(`ALTER ${ref} SET search_path TO ${value}`)
              : `ALTER ${ref}${l}`,
          ),
        );
      }
    }
    if (!r.atomic && r.body)
      for (const m of bodyMentions(String(r.body), s.schema))
        s.reg.mentions.push({ routine: `${r.name}(${r.args})`, ...m });
    s.reg.add(
      staticObject({
        id,
        kind: r.kind === 'p' ? 'procedure' : 'function',
        name: `${r.name}(${r.args})`,
        section: 'pre',
        priority: PRIORITY.function,
        sql,
        describe: [
          `${r.kind === 'p' ? 'procedure' : 'function'} ${r.name}(${r.args})${r.result ? ` returns ${r.result}` : ''} language ${r.language} ${r.volatility}${r.securityDefiner ? ' security definer' : ''}${r.bodyHash ? ` body ${r.bodyHash}` : ''}`,
        ],
      }),
    );
    s.reg.commentOn(id, id, ref);
  }
}

const FINAL_MODIFY: Record<string, string> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };
const PARALLEL: Record<string, string> = { s: 'SAFE', r: 'RESTRICTED', u: 'UNSAFE' };

/** Aggregates, including ordered-set, hypothetical-set and moving-aggregate modes. */
export async function readAggregates(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT p.oid::int8 AS oid, p.proname AS name, quote_ident(p.proname) AS qname,
            pg_get_function_arguments(p.oid) AS args, pg_get_function_identity_arguments(p.oid) AS "identityArgs",
            p.proparallel AS parallel, a.aggkind AS kind,
            a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
            NULLIF(a.aggfinalfn, 0)::regproc::text AS finalfunc, a.aggfinalextra AS "finalExtra", a.aggfinalmodify AS "finalModify",
            NULLIF(a.aggcombinefn, 0)::regproc::text AS combinefunc, NULLIF(a.aggserialfn, 0)::regproc::text AS serialfunc,
            NULLIF(a.aggdeserialfn, 0)::regproc::text AS deserialfunc, a.agginitval AS initcond,
            NULLIF(a.aggmtransfn, 0)::regproc::text AS msfunc, NULLIF(a.aggminvtransfn, 0)::regproc::text AS minvfunc,
            CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
            NULLIF(a.aggmfinalfn, 0)::regproc::text AS mfinalfunc, a.aggmfinalextra AS "mfinalExtra", a.aggmfinalmodify AS "mfinalModify",
            a.aggminitval AS minitcond, NULLIF(a.aggsortop, 0)::regoper::text AS sortop
     FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
     WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1 AND p.prokind = 'a'
       AND ${notExtensionMember('pg_proc', 'p.oid')}
     ORDER BY p.oid`,
  );
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  for (const r of rows) {
    const id = key('pg_proc', Number(r.oid));
    const ordered = r.kind !== 'n';
    const opts = [`SFUNC = ${r.sfunc}`, `STYPE = ${r.stype}`];
    if (r.sspace) opts.push(`SSPACE = ${r.sspace}`);
    if (r.finalfunc) opts.push(`FINALFUNC = ${r.finalfunc}`);
    if (r.finalExtra) opts.push('FINALFUNC_EXTRA');
    if (r.finalfunc && r.finalModify !== (ordered ? 'w' : 'r'))
      opts.push(`FINALFUNC_MODIFY = ${FINAL_MODIFY[r.finalModify]}`);
    if (r.combinefunc) opts.push(`COMBINEFUNC = ${r.combinefunc}`);
    if (r.serialfunc) opts.push(`SERIALFUNC = ${r.serialfunc}`);
    if (r.deserialfunc) opts.push(`DESERIALFUNC = ${r.deserialfunc}`);
    if (r.initcond !== null) opts.push(`INITCOND = ${lit(r.initcond)}`);
    if (r.msfunc) opts.push(`MSFUNC = ${r.msfunc}`);
    if (r.minvfunc) opts.push(`MINVFUNC = ${r.minvfunc}`);
    if (r.mstype) opts.push(`MSTYPE = ${r.mstype}`);
    if (r.msspace) opts.push(`MSSPACE = ${r.msspace}`);
    if (r.mfinalfunc) opts.push(`MFINALFUNC = ${r.mfinalfunc}`);
    if (r.mfinalExtra) opts.push('MFINALFUNC_EXTRA');
    if (r.mfinalfunc && r.mfinalModify !== (ordered ? 'w' : 'r'))
      opts.push(`MFINALFUNC_MODIFY = ${FINAL_MODIFY[r.mfinalModify]}`);
    if (r.minitcond !== null) opts.push(`MINITCOND = ${lit(r.minitcond)}`);
    if (r.sortop) opts.push(`SORTOP = ${r.sortop}`);
    if (r.parallel !== 'u') opts.push(`PARALLEL = ${PARALLEL[r.parallel]}`);
    if (r.kind === 'h') opts.push('HYPOTHETICAL');
    const args = r.args || '*';
    s.reg.add(
      staticObject({
        id,
        kind: 'aggregate',
        name: `${r.name}(${r.identityArgs || '*'})`,
        section: 'pre',
        priority: PRIORITY.aggregate,
        sql: [`CREATE AGGREGATE ${r.qname}(${args}) (\n    ${opts.join(',\n    ')}\n)`],
        describe: [`aggregate ${r.name}(${r.identityArgs || '*'}) ${opts.join(', ')}`],
      }),
    );
    s.reg.commentOn(id, id, `AGGREGATE ${r.qname}(${r.identityArgs || '*'})`);
  }
}
