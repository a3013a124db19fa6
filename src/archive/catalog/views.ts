import { quoteIdent as qi } from '../../pg/quote.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, optionList, type CatalogScope } from './scope.js';

/**
 * Views and materialized views. A materialized view is created WITH NO DATA before the rows are
 * loaded and refreshed at the very end, in the order the views were created, when it was
 * populated in the source. Defaults on view columns come after the view.
 */
export async function readViews(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT c.oid::int8 AS oid, c.relname AS name, quote_ident(c.relname) AS qname, c.relkind AS kind, c.reloptions AS options,
            pg_get_viewdef(c.oid) AS def, c.relispopulated AS populated, c.reltype::int8 AS rowtype,
            (SELECT r.oid::int8 FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename = '_RETURN') AS "ruleOid",
            ARRAY(SELECT a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns
     FROM pg_class c
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('v', 'm')
       AND ${notExtensionMember('pg_class', 'c.oid')}
     ORDER BY c.oid`,
  );
  const defaults = await s.q(
    `SELECT d.oid::int8 AS oid, d.adrelid::int8 AS relid, a.attname AS col, pg_get_expr(d.adbin, d.adrelid) AS expr
     FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     JOIN pg_class c ON c.oid = d.adrelid
     WHERE d.adrelid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relkind = 'v'`,
  );
  const cols = await s.q(
    `SELECT a.attrelid::int8 AS relid, a.attnum::int AS attnum, a.attname AS name
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind IN ('v', 'm')
       AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  for (const v of rows) {
    const oid = Number(v.oid);
    const id = key('pg_class', oid);
    const def = String(v.def).replace(/;\s*$/, '');
    let check = '';
    const options = (v.options as string[] | null)?.filter((o) => {
      const m = /^check_option=(local|cascaded)$/i.exec(o);
      if (m) check = `\n  WITH ${m[1].toUpperCase()} CHECK OPTION`;
      return !m;
    });
    const withOpts = options?.length ? ` WITH (${optionList(options, 'rel').join(', ')})` : '';
    const owns = [key('pg_type', Number(v.rowtype))];
    if (v.ruleOid !== null) owns.push(key('pg_rewrite', Number(v.ruleOid)));
    const word = v.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
    const sql =
      v.kind === 'm'
        ? `CREATE MATERIALIZED VIEW ${v.qname}${withOpts} AS\n${def}\nWITH NO DATA`
        : `CREATE VIEW ${v.qname}${withOpts} AS\n${def}${check}`;
    s.reg.add(
      staticObject({
        id,
        kind: v.kind === 'm' ? 'materialized view' : 'view',
        name: v.name,
        section: 'pre',
        priority: PRIORITY.view,
        sql: [sql],
        describe: [
          `${v.kind === 'm' ? 'materialized view' : 'view'} ${v.name} (${v.columns.join(', ')})${options?.length ? ` with ${[...options].sort().join(',')}` : ''}${check ? ` ${check.trim().toLowerCase()}` : ''}`,
        ],
      }),
      ...owns,
    );
    s.reg.commentOn(id, id, `${word} ${v.qname}`);
    for (const c of cols.filter((c) => Number(c.relid) === oid))
      s.reg.commentOn(key('pg_class', oid, c.attnum), id, `COLUMN ${v.qname}.${qi(c.name)}`);
    if (v.kind === 'm' && v.populated)
      s.reg.add(
        staticObject({
          id: `refresh:${id}`,
          kind: 'refresh',
          name: v.name,
          section: 'post',
          priority: PRIORITY.refresh,
          sql: [`REFRESH MATERIALIZED VIEW ${v.qname}`],
          deps: [id],
        }),
      );
  }
  for (const d of defaults) {
    const v = rows.find((r) => Number(r.oid) === Number(d.relid));
    if (!v) continue;
    s.reg.add(
      staticObject({
        id: key('pg_attrdef', Number(d.oid)),
        kind: 'default',
        name: `${v.name}.${d.col}`,
        section: 'pre',
        priority: PRIORITY.default,
        sql: [`ALTER VIEW ${v.qname} ALTER COLUMN ${qi(d.col)} SET DEFAULT ${d.expr}`],
        deps: [key('pg_class', Number(v.oid))],
        describe: [`default ${v.name}.${d.col}`],
      }),
    );
  }
}
