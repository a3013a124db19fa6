import { quoteIdent as qi } from '../../pg/quote.js';
import { PRIORITY, key, staticObject } from './model.js';
import type { CatalogScope } from './scope.js';

/**
 * Rules other than a view's _RETURN. pg_get_ruledef names the rule's table with its schema
 * always ("ON DELETE TO org_src.t"); that is written unqualified, so the rule lands on the
 * target's table.
 */
export async function readRules(s: CatalogScope): Promise<void> {
  const rows = await s.q(
    `SELECT r.oid::int8 AS oid, r.rulename AS name, c.relname AS "table", quote_ident(c.relname) AS qtable, c.oid::int8 AS relid,
            pg_get_ruledef(r.oid) AS def, r.ev_enabled AS enabled
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
     WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND r.rulename <> '_RETURN'
     ORDER BY r.oid`,
  );
  for (const r of rows) {
    const id = key('pg_rewrite', Number(r.oid));
    const def = String(r.def)
      .replace(/;\s*$/, '')
      .replace(
        new RegExp(
          `(\\n\\s+ON (?:SELECT|INSERT|UPDATE|DELETE) TO )${esc(s.qschema)}\\.${esc(r.qtable)}( )`,
        ),
        `$1${r.qtable.replace(/\$/g, '$$$$')}$2`,
      );
    const sql = [def];
    const mode = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' }[r.enabled as string];
    if (mode) sql.push(`ALTER TABLE ${r.qtable} ${mode} RULE ${qi(r.name)}`);
    s.reg.add(
      staticObject({
        id,
        kind: 'rule',
        name: `${r.table}.${r.name}`,
        section: 'post',
        priority: PRIORITY.rule,
        sql,
        deps: [key('pg_class', Number(r.relid))],
        describe: [`rule ${r.table}.${r.name} ${r.enabled}`],
      }),
    );
    s.reg.commentOn(id, id, `RULE ${qi(r.name)} ON ${r.qtable}`);
  }
}

const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
