import pg from 'pg';

/**
 * Everything that makes up a tenant schema, in a form that does not depend on the schema's name
 * or its roles' names: two schemas that describe identically hold the same tenant.
 */
export async function describeSchema(
  url: string,
  schema: string,
  roles: Record<string, string> = {},
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SELECT set_config('search_path', quote_ident($1) || ', public', false)`, [
      schema,
    ]);
    await client.query(`SET datestyle = ISO; SET extra_float_digits = 3`);
    const {
      rows: [{ oid: nsp }],
    } = await client.query('SELECT oid FROM pg_namespace WHERE nspname = $1', [schema]);
    const q = async (sql: string) => (await client.query(sql, [nsp])).rows;
    const norm = (s: unknown) => {
      let out = JSON.stringify(s).split(`"${schema}".`).join('').split(`${schema}.`).join('');
      for (const [name, as] of Object.entries(roles)) out = out.split(name).join(as);
      return JSON.parse(out);
    };
    const d = {
      relations:
        await q(`SELECT relname, relkind, relpersistence, relrowsecurity, relforcerowsecurity, reloptions, relispartition,
                                 pg_get_expr(relpartbound, oid) AS bound, CASE WHEN relkind = 'p' THEN pg_get_partkeydef(oid) END AS partkey,
                                 relacl::text[] AS acl, obj_description(oid, 'pg_class') AS comment
                          FROM pg_class WHERE relnamespace = $1 AND relkind NOT IN ('i', 'I') ORDER BY relname`),
      columns:
        await q(`SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity, a.attgenerated,
                               pg_get_expr(ad.adbin, ad.adrelid) AS def, col_description(c.oid, a.attnum) AS comment, a.attacl::text[] AS acl
                        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                        WHERE c.relnamespace = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c')
                        ORDER BY c.relname, a.attnum`),
      constraints:
        await q(`SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) AS def, con.condeferrable, con.condeferred, con.convalidated
                            FROM pg_constraint con LEFT JOIN pg_class c ON c.oid = con.conrelid
                            WHERE con.connamespace = $1 AND con.contype <> 'n' ORDER BY 1, 2`),
      indexes: await q(
        `SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = (SELECT nspname FROM pg_namespace WHERE oid = $1) ORDER BY 1`,
      ),
      triggers:
        await q(`SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                         WHERE c.relnamespace = $1 AND NOT t.tgisinternal ORDER BY 1, 2`),
      policies:
        await q(`SELECT c.relname, p.polname, p.polcmd, p.polpermissive, ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
                                pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS wc
                         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = $1 ORDER BY 1, 2`),
      sequences:
        await q(`SELECT c.relname, s.seqtypid::regtype::text, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle
                          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = $1 ORDER BY 1`),
      types:
        await q(`SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault,
                             ARRAY(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder) AS labels,
                             ARRAY(SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contypid = t.oid ORDER BY conname) AS checks
                      FROM pg_type t WHERE t.typnamespace = $1 AND t.typtype IN ('e', 'd', 'c') AND t.typname NOT LIKE '\\_%' ORDER BY 1`),
      functions:
        await q(`SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result, p.prokind, p.prosrc,
                                 p.prosecdef, p.provolatile, obj_description(p.oid, 'pg_proc') AS comment
                          FROM pg_proc p WHERE p.pronamespace = $1 ORDER BY 1, 2`),
      views: await q(
        `SELECT c.relname, pg_get_viewdef(c.oid) AS def FROM pg_class c WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm') ORDER BY 1`,
      ),
      rules: await q(
        `SELECT c.relname, r.rulename, pg_get_ruledef(r.oid) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = $1 AND r.rulename <> '_RETURN' ORDER BY 1, 2`,
      ),
      defaultAcls: await q(
        `SELECT defaclobjtype, defaclacl::text[] AS acl FROM pg_default_acl WHERE defaclnamespace = $1 ORDER BY 1`,
      ),
      schemaAcl: await q(
        `SELECT nspacl::text[] AS acl, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE oid = $1`,
      ),
    };
    const sequenceValues: Record<string, unknown> = {};
    for (const s of d.sequences) {
      const { rows } = await client.query(`SELECT last_value::text, is_called FROM "${s.relname}"`);
      sequenceValues[s.relname] = rows[0];
    }
    const data: Record<string, unknown> = {};
    for (const r of d.relations.filter((r) => r.relkind === 'r' || r.relkind === 'm')) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM "${r.relname}" t`,
      );
      data[r.relname] = rows[0];
    }
    return norm({ ...d, sequenceValues, data });
  } finally {
    await client.end();
  }
}
