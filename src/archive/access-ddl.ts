import { privilegeSql } from '../pg/acl.js';
import { quoteIdent, quoteLiteral } from '../pg/quote.js';
import { SCHEMA_MARK } from './relocate.js';
import type { CatAcl, CatDefaultAcl, CatPolicy, CatPublication } from './catalog.js';

/**
 * The tenant's access as data (grants, default privileges, policies: everything that names a
 * role) and the statements that recreate it, for import (roles mapped to the new tenant's) and
 * for access.sql under plain psql (run only where the roles exist).
 */

const qi = quoteIdent;

/**
 * Grants, default privileges and policies: everything that names a role, kept apart so roles can
 * be mapped; and what belongs to the database rather than the tenant (publications).
 */
export interface TenantAccess {
  acls: CatAcl[];
  defaultAcls: CatDefaultAcl[];
  policies: (CatPolicy & { comment?: string })[];
  /** The schema's own comment; it names the schema, so it is applied with the grants. */
  schemaComment: string | null;
  /** Publications the tenant's tables (or schema) are members of (archive format 2). */
  publications?: CatPublication[];
}

/**
 * One access statement and what it needs: roles (other than PUBLIC) and, for publication
 * membership, the publication. `schemaRef` is SQL naming the target schema.
 */
export interface AccessStatement {
  roles: string[];
  publication?: string;
  describe: string;
  sql: (schemaRef: string) => string;
}

const POLCMD: Record<string, string> = {
  '*': 'ALL',
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
};
const DEFACL_OBJ: Record<string, string> = {
  r: 'TABLES',
  S: 'SEQUENCES',
  f: 'FUNCTIONS',
  T: 'TYPES',
};

function aclTarget(a: CatAcl): string {
  switch (a.kind) {
    case 'relation':
      return `${a.relkind === 'S' ? 'SEQUENCE' : 'TABLE'} ${qi(a.object)}`;
    case 'column':
      return `TABLE ${qi(a.object)}`;
    case 'function':
      return `${a.prokind === 'p' ? 'PROCEDURE' : a.prokind === 'a' ? 'ROUTINE' : 'FUNCTION'} ${qi(a.object)}(${a.signature})`;
    case 'type':
      return `${a.typtype === 'd' ? 'DOMAIN' : 'TYPE'} ${qi(a.object)}`;
    default:
      return '';
  }
}

/**
 * Statements recreating the tenant's access, with each role passed through `mapRole` (the
 * source tenant's own roles become the target's). PUBLIC needs no role.
 */
export function accessStatements(
  access: TenantAccess,
  mapRole: (role: string) => string = (r) => r,
): AccessStatement[] {
  const out: AccessStatement[] = [];
  const to = (grantee: string | null) => (grantee === null ? 'PUBLIC' : qi(mapRole(grantee)));
  const need = (grantees: (string | null)[]) => [
    ...new Set(grantees.filter((g): g is string => g !== null).map(mapRole)),
  ];
  const revoked = new Set<string>();
  if (access.schemaComment !== null) {
    const text = quoteLiteral(access.schemaComment);
    out.push({
      roles: [],
      describe: 'schema comment',
      sql: (s) => `COMMENT ON SCHEMA ${s} IS ${text}`,
    });
  }
  for (const a of access.acls) {
    if (a.publicRevoked && (a.kind === 'function' || a.kind === 'type')) {
      const target = aclTarget(a);
      if (!revoked.has(target)) {
        revoked.add(target);
        out.push({
          roles: [],
          describe: `revoke PUBLIC on ${target}`,
          sql: () => `REVOKE ALL ON ${target} FROM PUBLIC`,
        });
      }
    }
    if (!a.privilege) continue;
    privilegeSql(a.privilege);
    const grant = a.grantable ? ' WITH GRANT OPTION' : '';
    if (a.kind === 'schema') {
      out.push({
        roles: need([a.grantee]),
        describe: `${a.privilege} on schema to ${a.grantee ?? 'PUBLIC'}`,
        sql: (s) => `GRANT ${a.privilege} ON SCHEMA ${s} TO ${to(a.grantee)}${grant}`,
      });
    } else {
      const cols = a.kind === 'column' ? ` (${qi(a.column!)})` : '';
      const target = aclTarget(a);
      out.push({
        roles: need([a.grantee]),
        describe: `${a.privilege}${cols} on ${target} to ${a.grantee ?? 'PUBLIC'}`,
        sql: () => `GRANT ${a.privilege}${cols} ON ${target} TO ${to(a.grantee)}${grant}`,
      });
    }
  }
  for (const d of access.defaultAcls) {
    const obj = DEFACL_OBJ[d.objtype];
    if (!obj) continue;
    privilegeSql(d.privilege);
    out.push({
      roles: need([d.grantee]),
      describe: `default ${d.privilege} on ${obj.toLowerCase()} to ${d.grantee ?? 'PUBLIC'}`,
      sql: (s) =>
        `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${d.privilege} ON ${obj} TO ${to(d.grantee)}${d.grantable ? ' WITH GRANT OPTION' : ''}`,
    });
  }
  for (const p of access.policies) {
    const roles = p.roles.length ? p.roles.map(to).join(', ') : 'PUBLIC';
    let sql = `CREATE POLICY ${qi(p.name)} ON ${qi(p.table)} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${POLCMD[p.command] ?? 'ALL'} TO ${roles}`;
    if (p.using !== null) sql += ` USING (${p.using})`;
    if (p.withCheck !== null) sql += ` WITH CHECK (${p.withCheck})`;
    out.push({ roles: need(p.roles), describe: `policy ${p.name} on ${p.table}`, sql: () => sql });
    const comment = p.comment;
    if (comment)
      out.push({
        roles: need(p.roles),
        describe: `comment on policy ${p.name} on ${p.table}`,
        sql: () => comment,
      });
  }
  for (const m of access.publications ?? []) {
    const pub = qi(m.publication);
    const what =
      m.table === null
        ? 'the schema'
        : `table ${m.table}${m.columns ? ` (${m.columns.join(', ')})` : ''}`;
    out.push({
      roles: [],
      publication: m.publication,
      describe: `${what} in publication ${m.publication}`,
      sql: (s) =>
        m.table === null
          ? `ALTER PUBLICATION ${pub} ADD TABLES IN SCHEMA ${s}`
          : `ALTER PUBLICATION ${pub} ADD TABLE ${qi(m.table)}${m.columns ? ` (${m.columns.map(qi).join(', ')})` : ''}${m.where !== null ? ` WHERE (${m.where})` : ''}`,
    });
  }
  return out;
}

/**
 * access.sql for plain psql: statements needing no role run as they are; the others run inside
 * a DO block only where their roles exist, with a warning naming what was skipped otherwise.
 */
export function accessScript(
  statements: AccessStatement[],
  source: { schema: string; roles: string[] },
): string {
  const plain: string[] = [];
  const groups = new Map<string, AccessStatement[]>();
  const blocks: string[] = [];
  const publicationBlocks: string[] = [];
  const statementIn = (st: AccessStatement) => {
    const text = st.sql(SCHEMA_MARK);
    if (!text.includes(SCHEMA_MARK)) return `    ${text};`;
    const template = text.replace(/%/g, '%%').split(SCHEMA_MARK).join('%I');
    return `    EXECUTE format(${quoteLiteral(template)}, current_schema());`;
  };
  const tagFor = (sts: AccessStatement[], base: string) => {
    let tag = `$${base}$`;
    for (let i = 0; sts.some((st) => st.sql('').includes(tag)); i++) tag = `$${base}${i}$`;
    return tag;
  };
  for (const st of statements) {
    if (st.publication !== undefined) {
      // A publication belongs to the database: re-added where one of that name exists.
      const tag = tagFor([st], 'publication');
      publicationBlocks.push(
        [
          `DO ${tag}`,
          'BEGIN',
          `  IF EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ${quoteLiteral(st.publication)}) THEN`,
          statementIn(st),
          '  ELSE',
          `    RAISE WARNING 'publication % does not exist here: % not added to it', ${quoteLiteral(st.publication)}, ${quoteLiteral(st.describe.replace(/ in publication .*$/, ''))};`,
          '  END IF;',
          `END ${tag};`,
        ].join('\n'),
      );
    } else if (st.roles.length === 0) plain.push(`${st.sql(':"schema"')};`);
    else {
      const key = JSON.stringify([...st.roles].sort());
      groups.set(key, [...(groups.get(key) ?? []), st]);
    }
  }
  for (const [key, sts] of groups) {
    const roles: string[] = JSON.parse(key);
    // A copy restored under another name must not hand the source tenant's roles access to it.
    const ownRoles = roles.some((r) => source.roles.includes(r));
    const sameSchema = ownRoles ? ` AND current_schema() = ${quoteLiteral(source.schema)}` : '';
    const tag = tagFor(sts, 'access');
    blocks.push(
      [
        `DO ${tag}`,
        'BEGIN',
        `  IF (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname IN (${roles.map(quoteLiteral).join(', ')})) = ${roles.length}${sameSchema} THEN`,
        ...sts.map(statementIn),
        '  ELSE',
        `    RAISE WARNING 'roles % do not all exist here${ownRoles ? ' (or this is a copy under another schema name)' : ''}: % grants/policies not restored', ${quoteLiteral(roles.join(', '))}, ${sts.length};`,
        '  END IF;',
        `END ${tag};`,
      ].join('\n'),
    );
  }
  return `${[...plain, ...blocks, ...publicationBlocks].join('\n')}\n`;
}
