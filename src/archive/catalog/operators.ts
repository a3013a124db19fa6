import { oidsOf } from './collations.js';
import { PRIORITY, key, staticObject } from './model.js';
import { notExtensionMember, type CatalogScope } from './scope.js';

/**
 * Operators. COMMUTATOR and NEGATOR may name operators not created yet: PostgreSQL makes a shell
 * for them and fills it in when they are created, so they are no dependency. Shells themselves
 * are not written.
 */
export async function readOperators(s: CatalogScope): Promise<void> {
  const opRef = (col: string) =>
    `CASE WHEN ${col} = 0 THEN NULL WHEN (SELECT x.oprnamespace FROM pg_operator x WHERE x.oid = ${col}) = $1
          THEN (SELECT x.oprname::text FROM pg_operator x WHERE x.oid = ${col})
          ELSE 'OPERATOR(' || (SELECT quote_ident(n.nspname) || '.' || x.oprname FROM pg_operator x JOIN pg_namespace n ON n.oid = x.oprnamespace WHERE x.oid = ${col}) || ')' END`;
  const rows = await s.q(
    `SELECT o.oid::int8 AS oid, o.oprname AS name, o.oprcode::regproc::text AS func,
            CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS "left",
            CASE WHEN o.oprright <> 0 THEN format_type(o.oprright, NULL) END AS "right",
            ${opRef('o.oprcom')} AS commutator, ${opRef('o.oprnegate')} AS negator,
            NULLIF(o.oprrest, 0)::regproc::text AS restrict, NULLIF(o.oprjoin, 0)::regproc::text AS "join",
            o.oprcanhash AS hashes, o.oprcanmerge AS merges
     FROM pg_operator o
     WHERE o.oid = ANY($2::oid[]) AND o.oprnamespace = $1 AND o.oprcode <> 0 AND ${notExtensionMember('pg_operator', 'o.oid')}
     ORDER BY o.oid`,
    [s.nsp, oidsOf(s, 'pg_operator')],
  );
  for (const r of rows) {
    const id = key('pg_operator', Number(r.oid));
    const opts = [`FUNCTION = ${r.func}`];
    if (r.left) opts.push(`LEFTARG = ${r.left}`);
    if (r.right) opts.push(`RIGHTARG = ${r.right}`);
    if (r.commutator) opts.push(`COMMUTATOR = ${r.commutator}`);
    if (r.negator) opts.push(`NEGATOR = ${r.negator}`);
    if (r.restrict) opts.push(`RESTRICT = ${r.restrict}`);
    if (r.join) opts.push(`JOIN = ${r.join}`);
    if (r.hashes) opts.push('HASHES');
    if (r.merges) opts.push('MERGES');
    const signature = `${r.name}(${r.left ?? 'NONE'}, ${r.right ?? 'NONE'})`;
    s.reg.add(
      staticObject({
        id,
        kind: 'operator',
        name: signature,
        section: 'pre',
        priority: PRIORITY.operator,
        sql: [`CREATE OPERATOR ${r.name} (${opts.join(', ')})`],
        describe: [`operator ${signature} ${opts.join(', ')}`],
      }),
    );
    s.reg.commentOn(id, id, `OPERATOR ${signature}`);
  }
}

/**
 * Operator families and classes (superuser-only objects). A class's own members are written in
 * CREATE OPERATOR CLASS; members that belong to the family alone ("loose", added by ALTER
 * OPERATOR FAMILY) follow the family.
 */
export async function readOperatorClasses(s: CatalogScope): Promise<void> {
  const families = await s.q(
    `SELECT f.oid::int8 AS oid, f.opfname AS name, quote_ident(f.opfname) AS qname, quote_ident(am.amname) AS am
     FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod
     WHERE f.oid = ANY($2::oid[]) AND f.opfnamespace = $1 AND ${notExtensionMember('pg_opfamily', 'f.oid')}
     ORDER BY f.oid`,
    [s.nsp, oidsOf(s, 'pg_opfamily')],
  );
  const classes = await s.q(
    `SELECT c.oid::int8 AS oid, c.opcname AS name, quote_ident(c.opcname) AS qname, quote_ident(am.amname) AS am,
            c.opcdefault AS "isDefault", format_type(c.opcintype, NULL) AS type,
            CASE WHEN c.opckeytype <> 0 THEN format_type(c.opckeytype, NULL) END AS storage,
            CASE WHEN pg_opfamily_is_visible(f.oid) THEN quote_ident(f.opfname)
                 ELSE quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) END AS family
     FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
     JOIN pg_namespace fn ON fn.oid = f.opfnamespace
     WHERE c.oid = ANY($2::oid[]) AND c.opcnamespace = $1 AND ${notExtensionMember('pg_opclass', 'c.oid')}
     ORDER BY c.oid`,
    [s.nsp, oidsOf(s, 'pg_opclass')],
  );
  if (families.length === 0 && classes.length === 0) return;
  const familyOids = families.map((f) => f.oid);
  const classOids = classes.map((c) => c.oid);
  // Members and whom they belong to: 'i' on a class (its own), 'a' on a family (loose).
  const members = await s.q(
    `SELECT 'pg_amop' AS catalog, o.oid::int8 AS oid, d.refclassid::regclass::text AS owner, d.refobjid::int8 AS "ownerOid",
            o.amopstrategy AS n,
            'OPERATOR ' || o.amopstrategy || ' ' || o.amopopr::regoperator::text
              || CASE WHEN o.amoppurpose = 'o' THEN ' FOR ORDER BY ' || (SELECT CASE WHEN pg_opfamily_is_visible(sf.oid) THEN quote_ident(sf.opfname) ELSE quote_ident(sn.nspname) || '.' || quote_ident(sf.opfname) END
                                                             FROM pg_opfamily sf JOIN pg_namespace sn ON sn.oid = sf.opfnamespace WHERE sf.oid = o.amopsortfamily) ELSE '' END AS sql,
            format_type(o.amoplefttype, NULL) AS lt, format_type(o.amoprighttype, NULL) AS rt
     FROM pg_amop o JOIN pg_depend d ON d.classid = 'pg_amop'::regclass AND d.objid = o.oid AND d.deptype IN ('i', 'a')
       AND d.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass)
     WHERE o.amopfamily = ANY($1::oid[]) OR d.refobjid = ANY($2::oid[])
     UNION ALL
     SELECT 'pg_amproc', p.oid::int8, d.refclassid::regclass::text, d.refobjid::int8, p.amprocnum,
            'FUNCTION ' || p.amprocnum || ' (' || format_type(p.amproclefttype, NULL) || ', ' || format_type(p.amprocrighttype, NULL) || ') '
              || p.amproc::regprocedure::text,
            format_type(p.amproclefttype, NULL), format_type(p.amprocrighttype, NULL)
     FROM pg_amproc p JOIN pg_depend d ON d.classid = 'pg_amproc'::regclass AND d.objid = p.oid AND d.deptype IN ('i', 'a')
       AND d.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass)
     WHERE p.amprocfamily = ANY($1::oid[]) OR d.refobjid = ANY($2::oid[])
     ORDER BY 1 DESC, 5`,
    [familyOids, classOids],
  );
  for (const f of families) {
    const id = key('pg_opfamily', Number(f.oid));
    const loose = members.filter(
      (m) => m.owner === 'pg_opfamily' && Number(m.ownerOid) === Number(f.oid),
    );
    const sql = [`CREATE OPERATOR FAMILY ${f.qname} USING ${f.am}`];
    if (loose.length)
      sql.push(
        `ALTER OPERATOR FAMILY ${f.qname} USING ${f.am} ADD\n    ${loose.map((m) => m.sql).join(',\n    ')}`,
      );
    s.reg.add(
      staticObject({
        id,
        kind: 'operator family',
        name: `${f.name} using ${f.am}`,
        section: 'pre',
        priority: PRIORITY.opfamily,
        sql,
        describe: [
          `operator family ${f.name} using ${f.am}`,
          ...loose.map((m) => `member ${f.name} ${m.sql}`),
        ],
      }),
      ...loose.map((m) => key(m.catalog, Number(m.oid))),
    );
    s.reg.commentOn(id, id, `OPERATOR FAMILY ${f.qname} USING ${f.am}`);
  }
  for (const c of classes) {
    const id = key('pg_opclass', Number(c.oid));
    const own = members.filter(
      (m) => m.owner === 'pg_opclass' && Number(m.ownerOid) === Number(c.oid),
    );
    const items = [...own.map((m) => m.sql), ...(c.storage ? [`STORAGE ${c.storage}`] : [])];
    s.reg.add(
      staticObject({
        id,
        kind: 'operator class',
        name: `${c.name} using ${c.am}`,
        section: 'pre',
        priority: PRIORITY.opfamily,
        sql: [
          `CREATE OPERATOR CLASS ${c.qname}${c.isDefault ? ' DEFAULT' : ''} FOR TYPE ${c.type} USING ${c.am} FAMILY ${c.family} AS\n    ${items.join(',\n    ')}`,
        ],
        describe: [
          `operator class ${c.name} using ${c.am} for ${c.type}`,
          ...items.map((i) => `member ${c.name} ${i}`),
        ],
      }),
      ...own.map((m) => key(m.catalog, Number(m.oid))),
    );
    s.reg.commentOn(id, id, `OPERATOR CLASS ${c.qname} USING ${c.am}`);
  }
}
