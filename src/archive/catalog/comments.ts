import type { CatalogScope } from './scope.js';

export interface CatComment {
  kind:
    | 'relation'
    | 'column'
    | 'constraint'
    | 'domain-constraint'
    | 'trigger'
    | 'policy'
    | 'function'
    | 'type'
    | 'index'
    | 'rule';
  relkind?: string;
  object: string;
  sub?: string;
  signature?: string;
  typtype?: string;
  prokind?: string;
  text: string;
}

export async function readComments(s: CatalogScope): Promise<CatComment[]> {
  const comments: CatComment[] = await s.q(
    `SELECT 'relation'::text AS kind, c.relkind::text AS relkind, c.relname::text AS object, NULL::text AS sub, d.description AS text
       FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND c.relkind <> 'c'
     UNION ALL
     SELECT 'column', c.relkind::text, c.relname, a.attname, d.description
       FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
       WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND d.objsubid > 0
     UNION ALL
     SELECT CASE WHEN con.contypid <> 0 THEN 'domain-constraint' ELSE 'constraint' END, NULL,
            COALESCE(c.relname, t.typname), con.conname, d.description
       FROM pg_description d JOIN pg_constraint con ON d.classoid = 'pg_constraint'::regclass AND d.objoid = con.oid
       LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type t ON t.oid = con.contypid
       WHERE (con.conrelid = ANY(current_setting('tenantctl.rels')::oid[]) OR con.contypid = ANY(current_setting('tenantctl.types')::oid[])) AND con.connamespace = $1
     UNION ALL
     SELECT 'trigger', NULL, c.relname, tg.tgname, d.description
       FROM pg_description d JOIN pg_trigger tg ON d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid
       JOIN pg_class c ON c.oid = tg.tgrelid WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     UNION ALL
     SELECT 'policy', NULL, c.relname, p.polname, d.description
       FROM pg_description d JOIN pg_policy p ON d.classoid = 'pg_policy'::regclass AND d.objoid = p.oid
       JOIN pg_class c ON c.oid = p.polrelid WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1
     UNION ALL
     SELECT 'rule', NULL, c.relname, r.rulename, d.description
       FROM pg_description d JOIN pg_rewrite r ON d.classoid = 'pg_rewrite'::regclass AND d.objoid = r.oid
       JOIN pg_class c ON c.oid = r.ev_class WHERE c.oid = ANY(current_setting('tenantctl.rels')::oid[]) AND c.relnamespace = $1 AND r.rulename <> '_RETURN'`,
  );
  const more = await s.q(
    `SELECT 'function'::text AS kind, p.proname::text AS object, pg_get_function_identity_arguments(p.oid) AS signature, p.prokind::text AS prokind, d.description AS text
       FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid WHERE p.oid = ANY(current_setting('tenantctl.procs')::oid[]) AND p.pronamespace = $1
     UNION ALL
     SELECT 'type', t.typname, NULL, t.typtype::text, d.description
       FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid WHERE t.oid = ANY(current_setting('tenantctl.types')::oid[]) AND t.typnamespace = $1`,
  );
  for (const r of more) {
    if (r.kind === 'function')
      comments.push({
        kind: 'function',
        object: r.object,
        signature: r.signature,
        prokind: r.prokind,
        text: r.text,
      });
    else comments.push({ kind: 'type', object: r.object, typtype: r.prokind, text: r.text });
  }
  for (const c of comments) {
    if (c.sub === null) delete c.sub;
    if ((c as { relkind?: string | null }).relkind === null) delete c.relkind;
  }
  return comments;
}

/** The schema's own comment. */
export async function readSchemaComment(s: CatalogScope): Promise<string | null> {
  const [row] = await s.q(`SELECT obj_description($1::oid, 'pg_namespace') AS comment`);
  return row.comment;
}
