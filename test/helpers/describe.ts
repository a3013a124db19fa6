import pg from 'pg';

/**
 * Everything that makes up a tenant schema, in a form that does not depend on the schema's name
 * or its roles' names: two schemas that describe identically hold the same tenant. Read straight
 * from the catalogs (not through tenantctl's own readers, which are what is under test), object
 * kind by object kind, with PostgreSQL's own deparsers for definitions.
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
      rows: [{ oid: nsp, version }],
    } = await client.query(
      `SELECT oid, current_setting('server_version_num')::int AS version FROM pg_namespace WHERE nspname = $1`,
      [schema],
    );
    const q = async (sql: string) => (await client.query(sql, [nsp])).rows;
    const v17 = version >= 170000;
    const norm = (s: unknown) => {
      let out = JSON.stringify(s).split(`\\"${schema}\\".`).join('').split(`"${schema}".`).join('');
      out = out.split(`${schema}.`).join('');
      for (const [name, as] of Object.entries(roles)) out = out.split(name).join(as);
      return JSON.parse(out);
    };
    const statTarget = (col: string) => (v17 ? `${col}::int` : `NULLIF(${col}, -1)::int`);
    const d = {
      relations:
        await q(`SELECT c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.reloptions, c.relispartition,
                        pg_get_expr(c.relpartbound, c.oid) AS bound, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
                        c.relacl::text[] AS acl, obj_description(c.oid, 'pg_class') AS comment, c.relreplident,
                        CASE WHEN c.relkind IN ('r', 'm') THEN am.amname END AS am, format_type(NULLIF(c.reloftype, 0), NULL) AS oftype,
                        (SELECT t.reloptions FROM pg_class t WHERE t.oid = c.reltoastrelid) AS toast_options,
                        CASE WHEN c.relkind = 'm' THEN c.relispopulated END AS populated,
                        ARRAY(SELECT p.relname::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parents
                 FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
                 WHERE c.relnamespace = $1 AND c.relkind NOT IN ('i', 'I') ORDER BY c.relname`),
      columns:
        await q(`SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity, a.attgenerated,
                        pg_get_expr(ad.adbin, ad.adrelid) AS def, col_description(c.oid, a.attnum) AS comment, a.attacl::text[] AS acl,
                        a.attislocal, a.attinhcount, co.collname, ${statTarget('a.attstattarget')} AS stattarget, a.attstorage,
                        a.attcompression, a.attfdwoptions,
                        -- the options ALTER COLUMN SET (...) takes; a server may keep its own entries there
                        ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE o ~ '^n_distinct' ORDER BY o) AS attoptions
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation
                 WHERE c.relnamespace = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
                 ORDER BY c.relname, a.attnum`),
      constraints:
        await q(`SELECT COALESCE(c.relname, t.typname) AS owner, con.conname, con.contype, pg_get_constraintdef(con.oid) AS def,
                        con.condeferrable, con.condeferred, con.convalidated, con.conislocal, con.coninhcount,
                        -- NO INHERIT means something for CHECK and NOT NULL only (PostgreSQL 18 also sets it on
                        -- keys added to one partition, however they are created)
                        CASE WHEN con.contype IN ('c', 'n') THEN con.connoinherit END AS connoinherit,
                        obj_description(con.oid, 'pg_constraint') AS comment
                 FROM pg_constraint con LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type t ON t.oid = con.contypid
                 WHERE con.connamespace = $1 ORDER BY 1, 2`),
      indexes:
        await q(`SELECT i.indexrelid::regclass::text AS name, i.indrelid::regclass::text AS "table", pg_get_indexdef(i.indexrelid) AS def,
                        i.indisclustered, i.indisreplident, i.indisvalid, obj_description(i.indexrelid, 'pg_class') AS comment, ic.reloptions,
                        ARRAY(SELECT a.attnum || '=' || ${statTarget('a.attstattarget')} FROM pg_attribute a
                              WHERE a.attrelid = i.indexrelid AND ${statTarget('a.attstattarget')} IS NOT NULL ORDER BY a.attnum) AS stats,
                        (SELECT p.inhparent::regclass::text FROM pg_inherits p WHERE p.inhrelid = i.indexrelid) AS parent
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE ic.relnamespace = $1 ORDER BY 1`),
      triggers:
        await q(`SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgenabled, obj_description(t.oid, 'pg_trigger') AS comment
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE c.relnamespace = $1 AND NOT t.tgisinternal ORDER BY 1, 2`),
      policies:
        await q(`SELECT c.relname, p.polname, p.polcmd, p.polpermissive, ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
                        pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS wc,
                        obj_description(p.oid, 'pg_policy') AS comment
                 FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = $1 ORDER BY 1, 2`),
      sequences:
        await q(`SELECT c.relname, s.seqtypid::regtype::text, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle,
                        (SELECT d.deptype::text || ':' || d.refobjid::regclass::text || '.' || a.attname FROM pg_depend d
                         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owned_by
                 FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = $1 ORDER BY 1`),
      types:
        await q(`SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault,
                        ARRAY(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder) AS labels,
                        co.collname, t.typacl::text[] AS acl, obj_description(t.oid, 'pg_type') AS comment,
                        format_type(r.rngsubtype, NULL) AS range_subtype, rc.collname AS range_collation, oc.opcname AS range_opclass,
                        r.rngcanonical::text AS canonical, r.rngsubdiff::text AS subdiff, format_type(r.rngmultitypid, NULL) AS multirange
                 FROM pg_type t LEFT JOIN pg_collation co ON co.oid = t.typcollation
                 LEFT JOIN pg_range r ON r.rngtypid = t.oid LEFT JOIN pg_collation rc ON rc.oid = r.rngcollation
                 LEFT JOIN pg_opclass oc ON oc.oid = r.rngsubopc
                 WHERE t.typnamespace = $1 AND t.typtype IN ('e', 'd', 'c', 'r', 'm', 'b', 'p')
                   AND NOT (t.typtype = 'b' AND t.typcategory = 'A') ORDER BY 1`),
      functions:
        await q(`SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, pg_get_function_arguments(p.oid) AS full_args,
                        pg_get_function_result(p.oid) AS result, p.prokind, p.prosrc, p.prosecdef, p.provolatile, p.proparallel,
                        p.proisstrict, p.proleakproof, p.procost, p.prorows, l.lanname,
                        regexp_replace(array_to_string(p.proconfig, ';'), '\\m' || (SELECT nspname FROM pg_namespace WHERE oid = $1) || '\\M', '<schema>', 'g') AS config, p.proacl::text[] AS acl,
                        obj_description(p.oid, 'pg_proc') AS comment,
                        CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_functiondef(p.oid) END AS sqlbody
                 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                 WHERE p.pronamespace = $1 AND p.prokind <> 'a' ORDER BY 1, 2`),
      aggregates:
        await q(`SELECT p.proname, pg_get_function_arguments(p.oid) AS args, a.aggkind, a.aggnumdirectargs, a.aggtransfn::text, a.aggfinalfn::text,
                        a.aggcombinefn::text, a.aggserialfn::text, a.aggdeserialfn::text, a.aggmtransfn::text, a.aggminvtransfn::text,
                        a.aggmfinalfn::text, a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify, a.aggsortop::regoper::text,
                        format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace, format_type(NULLIF(a.aggmtranstype, 0), NULL) AS mstype,
                        a.aggmtransspace, a.agginitval, a.aggminitval, p.proparallel, obj_description(p.oid, 'pg_proc') AS comment
                 FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE p.pronamespace = $1 ORDER BY 1, 2`),
      operators:
        await q(`SELECT o.oid::regoperator::text AS op, o.oprkind, o.oprcode::text, o.oprcom::regoperator::text AS com,
                        o.oprnegate::regoperator::text AS neg, o.oprrest::text, o.oprjoin::text, o.oprcanhash, o.oprcanmerge,
                        obj_description(o.oid, 'pg_operator') AS comment
                 FROM pg_operator o WHERE o.oprnamespace = $1 ORDER BY 1`),
      opclasses:
        await q(`SELECT c.opcname, am.amname, c.opcdefault, format_type(c.opcintype, NULL) AS type, f.opfname AS family,
                        format_type(NULLIF(c.opckeytype, 0), NULL) AS storage, obj_description(c.oid, 'pg_opclass') AS comment
                 FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
                 WHERE c.opcnamespace = $1 ORDER BY 1, 2`),
      opfamilies:
        await q(`SELECT f.opfname, am.amname, obj_description(f.oid, 'pg_opfamily') AS comment,
                        ARRAY(SELECT 'op ' || o.amopstrategy || ' ' || o.amopopr::regoperator::text || ' ' || o.amoppurpose::text FROM pg_amop o WHERE o.amopfamily = f.oid ORDER BY 1) AS ops,
                        ARRAY(SELECT 'proc ' || p.amprocnum || ' ' || p.amproc::regprocedure::text FROM pg_amproc p WHERE p.amprocfamily = f.oid ORDER BY 1) AS procs
                 FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod WHERE f.opfnamespace = $1 ORDER BY 1, 2`),
      collations: await q(
        `SELECT to_jsonb(c) - 'oid' - 'collnamespace' - 'collowner' - 'collversion' AS c, obj_description(c.oid, 'pg_collation') AS comment
         FROM pg_collation c WHERE c.collnamespace = $1 ORDER BY c.collname`,
      ),
      textSearch:
        await q(`SELECT 'config' AS kind, c.cfgname AS name, (SELECT p.prsname::text FROM pg_ts_parser p WHERE p.oid = c.cfgparser) AS detail, obj_description(c.oid, 'pg_ts_config') AS comment,
                        ARRAY(SELECT m.maptokentype || ':' || m.mapseqno || ':' || m.mapdict::regdictionary::text FROM pg_ts_config_map m WHERE m.mapcfg = c.oid ORDER BY 1) AS extra
                 FROM pg_ts_config c WHERE c.cfgnamespace = $1
                 UNION ALL
                 SELECT 'dict', d.dictname, (SELECT t.tmplname::text FROM pg_ts_template t WHERE t.oid = d.dicttemplate) || ' ' || COALESCE(d.dictinitoption, ''), obj_description(d.oid, 'pg_ts_dict'), NULL
                 FROM pg_ts_dict d WHERE d.dictnamespace = $1
                 UNION ALL
                 SELECT 'parser', p.prsname, concat_ws(' ', p.prsstart, p.prstoken, p.prsend, p.prsheadline, p.prslextype), obj_description(p.oid, 'pg_ts_parser'), NULL
                 FROM pg_ts_parser p WHERE p.prsnamespace = $1
                 UNION ALL
                 SELECT 'template', t.tmplname, concat_ws(' ', t.tmplinit, t.tmpllexize), obj_description(t.oid, 'pg_ts_template'), NULL
                 FROM pg_ts_template t WHERE t.tmplnamespace = $1 ORDER BY 1, 2`),
      conversions:
        await q(`SELECT c.conname, pg_encoding_to_char(c.conforencoding) AS f, pg_encoding_to_char(c.contoencoding) AS t, c.conproc::text,
                        c.condefault, obj_description(c.oid, 'pg_conversion') AS comment
                 FROM pg_conversion c WHERE c.connamespace = $1 ORDER BY 1`),
      statistics:
        await q(`SELECT s.stxname, pg_get_statisticsobjdef(s.oid) AS def, ${statTarget('s.stxstattarget')} AS target,
                        obj_description(s.oid, 'pg_statistic_ext') AS comment
                 FROM pg_statistic_ext s WHERE s.stxnamespace = $1 ORDER BY 1`),
      views: await q(
        `SELECT c.relname, pg_get_viewdef(c.oid) AS def FROM pg_class c WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm') ORDER BY 1`,
      ),
      rules: await q(
        `SELECT c.relname, r.rulename, pg_get_ruledef(r.oid), r.ev_enabled, obj_description(r.oid, 'pg_rewrite') AS comment
         FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = $1 AND r.rulename <> '_RETURN' ORDER BY 1, 2`,
      ),
      foreignTables: await q(
        `SELECT c.relname, s.srvname, ARRAY(SELECT o FROM unnest(f.ftoptions) o ORDER BY o) AS ftoptions FROM pg_foreign_table f JOIN pg_class c ON c.oid = f.ftrelid
         JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE c.relnamespace = $1 ORDER BY 1`,
      ),
      publications:
        await q(`SELECT p.pubname, c.relname, pr.prattrs::text AS attrs, pg_get_expr(pr.prqual, pr.prrelid) AS qual
                 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid JOIN pg_class c ON c.oid = pr.prrelid
                 WHERE c.relnamespace = $1
                 UNION ALL
                 SELECT p.pubname, NULL, NULL, NULL FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid WHERE pn.pnnspid = $1
                 ORDER BY 1, 2`),
      defaultAcls: await q(
        `SELECT defaclobjtype, defaclacl::text[] AS acl FROM pg_default_acl WHERE defaclnamespace = $1 ORDER BY 1`,
      ),
      schemaAcl: await q(
        `SELECT nspacl::text[] AS acl, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE oid = $1`,
      ),
    };
    const sequenceValues: Record<string, unknown> = {};
    for (const s of d.sequences) {
      const { rows } = await client.query(
        `SELECT last_value::text, is_called FROM "${s.relname.replace(/"/g, '""')}"`,
      );
      sequenceValues[s.relname] = rows[0];
    }
    const data: Record<string, unknown> = {};
    for (const r of d.relations.filter(
      (r) => r.relkind === 'r' || (r.relkind === 'm' && r.populated),
    )) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM "${r.relname.replace(/"/g, '""')}" t`,
      );
      data[r.relname] = rows[0];
    }
    return norm({ ...d, sequenceValues, data });
  } finally {
    await client.end();
  }
}
