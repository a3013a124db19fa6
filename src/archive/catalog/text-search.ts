import { oidsOf } from './collations.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, qualifiedName, type CatalogScope } from './scope.js';

/** Text search parsers, templates, dictionaries and configurations with their mappings. */
export async function readTextSearch(s: CatalogScope): Promise<void> {
  const parsers = await s.q(
    `SELECT p.oid::int8 AS oid, p.prsname AS name, quote_ident(p.prsname) AS qname,
            p.prsstart::regproc::text AS start, p.prstoken::regproc::text AS gettoken, p.prsend::regproc::text AS "end",
            p.prslextype::regproc::text AS lextypes, NULLIF(p.prsheadline, 0)::regproc::text AS headline
     FROM pg_ts_parser p WHERE p.oid = ANY($2::oid[]) AND p.prsnamespace = $1 AND ${notExtensionMember('pg_ts_parser', 'p.oid')}
     ORDER BY p.oid`,
    [s.nsp, oidsOf(s, 'pg_ts_parser')],
  );
  for (const r of parsers) {
    const id = key('pg_ts_parser', Number(r.oid));
    const opts = [
      `START = ${r.start}`,
      `GETTOKEN = ${r.gettoken}`,
      `END = ${r.end}`,
      `LEXTYPES = ${r.lextypes}`,
    ];
    if (r.headline) opts.push(`HEADLINE = ${r.headline}`);
    add(
      s,
      id,
      'text search parser',
      r.name,
      `CREATE TEXT SEARCH PARSER ${r.qname} (${opts.join(', ')})`,
      opts,
    );
    s.reg.commentOn(id, id, `TEXT SEARCH PARSER ${r.qname}`);
  }
  const templates = await s.q(
    `SELECT t.oid::int8 AS oid, t.tmplname AS name, quote_ident(t.tmplname) AS qname,
            NULLIF(t.tmplinit, 0)::regproc::text AS init, t.tmpllexize::regproc::text AS lexize
     FROM pg_ts_template t WHERE t.oid = ANY($2::oid[]) AND t.tmplnamespace = $1 AND ${notExtensionMember('pg_ts_template', 't.oid')}
     ORDER BY t.oid`,
    [s.nsp, oidsOf(s, 'pg_ts_template')],
  );
  for (const r of templates) {
    const id = key('pg_ts_template', Number(r.oid));
    const opts = [...(r.init ? [`INIT = ${r.init}`] : []), `LEXIZE = ${r.lexize}`];
    add(
      s,
      id,
      'text search template',
      r.name,
      `CREATE TEXT SEARCH TEMPLATE ${r.qname} (${opts.join(', ')})`,
      opts,
    );
    s.reg.commentOn(id, id, `TEXT SEARCH TEMPLATE ${r.qname}`);
  }
  const dicts = await s.q(
    `SELECT d.oid::int8 AS oid, d.dictname AS name, quote_ident(d.dictname) AS qname, d.dictinitoption AS options,
            ${qualifiedName('t.tmplnamespace', 't.tmplname', 'pg_ts_template_is_visible(t.oid)')} AS template
     FROM pg_ts_dict d JOIN pg_ts_template t ON t.oid = d.dicttemplate
     WHERE d.oid = ANY($2::oid[]) AND d.dictnamespace = $1 AND ${notExtensionMember('pg_ts_dict', 'd.oid')}
     ORDER BY d.oid`,
    [s.nsp, oidsOf(s, 'pg_ts_dict')],
  );
  for (const r of dicts) {
    const id = key('pg_ts_dict', Number(r.oid));
    const opts = [`TEMPLATE = ${r.template}`, ...(r.options ? [r.options] : [])];
    add(
      s,
      id,
      'text search dictionary',
      r.name,
      `CREATE TEXT SEARCH DICTIONARY ${r.qname} (${opts.join(', ')})`,
      opts,
    );
    s.reg.commentOn(id, id, `TEXT SEARCH DICTIONARY ${r.qname}`);
  }
  const configs = await s.q(
    `SELECT c.oid::int8 AS oid, c.cfgname AS name, quote_ident(c.cfgname) AS qname,
            ${qualifiedName('p.prsnamespace', 'p.prsname', 'pg_ts_parser_is_visible(p.oid)')} AS parser,
            ARRAY(SELECT quote_ident(tt.alias) || ' WITH ' || string_agg(m.mapdict::regdictionary::text, ', ' ORDER BY m.mapseqno)
                  FROM pg_ts_config_map m JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype
                  WHERE m.mapcfg = c.oid GROUP BY m.maptokentype, tt.alias ORDER BY m.maptokentype) AS mappings
     FROM pg_ts_config c JOIN pg_ts_parser p ON p.oid = c.cfgparser
     WHERE c.oid = ANY($2::oid[]) AND c.cfgnamespace = $1 AND ${notExtensionMember('pg_ts_config', 'c.oid')}
     ORDER BY c.oid`,
    [s.nsp, oidsOf(s, 'pg_ts_config')],
  );
  for (const r of configs) {
    const id = key('pg_ts_config', Number(r.oid));
    const sql = [
      `CREATE TEXT SEARCH CONFIGURATION ${r.qname} (PARSER = ${r.parser})`,
      ...(r.mappings as string[]).map(
        (m) => `ALTER TEXT SEARCH CONFIGURATION ${r.qname} ADD MAPPING FOR ${m}`,
      ),
    ];
    s.reg.add(
      staticObject({
        id,
        kind: 'text search configuration',
        name: r.name,
        section: 'pre',
        priority: PRIORITY.textSearch,
        sql,
        describe: [
          `text search configuration ${r.name} parser ${r.parser}`,
          ...(r.mappings as string[]).map((m) => `mapping ${r.name} ${m}`),
        ],
      }),
    );
    s.reg.commentOn(id, id, `TEXT SEARCH CONFIGURATION ${r.qname}`);
  }
}

function add(
  s: CatalogScope,
  id: string,
  kind: string,
  name: string,
  sql: string,
  opts: string[],
): void {
  s.reg.add(
    staticObject({
      id,
      kind,
      name,
      section: 'pre',
      priority: PRIORITY.textSearch,
      sql: [sql],
      describe: [`${kind} ${name} ${opts.join(', ')}`],
    }),
  );
}
