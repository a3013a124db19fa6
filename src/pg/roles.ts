import type { Queryable } from './pool.js';
import { quoteIdent } from './quote.js';

/**
 * Roles as PostgreSQL knows them: facts about one, memberships, the per-database search_path
 * setting, login switches and ending sessions.
 */

export interface RoleFacts {
  name: string;
  superuser: boolean;
  inherit: boolean;
  canLogin: boolean;
}

export async function roleFacts(client: Queryable, name: string): Promise<RoleFacts | undefined> {
  const { rows } = await client.query(
    'SELECT rolname AS name, rolsuper AS superuser, rolinherit AS inherit, rolcanlogin AS "canLogin" FROM pg_roles WHERE rolname = $1',
    [name],
  );
  return rows[0];
}

/** A role with this name folded to lower case exists: the usual slip of typing `MyApp` for `myapp`. */
export async function caseFoldedRole(client: Queryable, name: string): Promise<string | undefined> {
  if (name.toLowerCase() === name) return undefined;
  const { rows } = await client.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [
    name.toLowerCase(),
  ]);
  return rows[0]?.rolname;
}

export async function serverVersionNum(client: Queryable): Promise<number> {
  let v = versions.get(client);
  if (!v) {
    v = client
      .query(`SELECT current_setting('server_version_num')::int AS v`)
      .then(({ rows }) => rows[0].v as number);
    versions.set(client, v);
    v.catch(() => versions.delete(client));
  }
  return v;
}
/** Per connection: a server's version does not change while we are connected to it. */
const versions = new WeakMap<object, Promise<number>>();

/**
 * A condition on pg_auth_members `am`: the membership gives its member something, the group's
 * privileges (INHERIT) or SET ROLE to it. On PostgreSQL 16+ the creator of a role (a CREATEROLE
 * admin on a managed database) is made a member WITH ADMIN OPTION but neither INHERIT nor SET:
 * it may manage the role, not act as it, so it reaches no tenant through it.
 */
export async function conferringMembershipSql(client: Queryable, am = 'am'): Promise<string> {
  return (await serverVersionNum(client)) >= 160000
    ? `(${am}.inherit_option OR ${am}.set_option)`
    : 'true';
}

/**
 * Roles among `roles` that the current user may not ALTER or DROP, each with what it lacks:
 * a superuser may all; otherwise CREATEROLE is needed, and on 16+ ADMIN OPTION on the role too
 * (its creator has it), on 15 the role must not be a superuser.
 */
export async function rolesBeyondReach(
  client: Queryable,
  roles: string[],
): Promise<{ role: string; needs: string }[]> {
  if (roles.length === 0) return [];
  const v = await serverVersionNum(client);
  const { rows } = await client.query(
    `SELECT r.rolname AS role, r.rolsuper AS "targetSuper", me.rolsuper AS super, me.rolcreaterole AS createrole,
            pg_has_role(me.oid, r.oid, 'MEMBER WITH ADMIN OPTION') AS admin, me.rolname AS me
     FROM pg_roles r, pg_roles me WHERE me.rolname = current_user AND r.rolname = ANY($1) ORDER BY 1`,
    [roles],
  );
  const out: { role: string; needs: string }[] = [];
  for (const r of rows) {
    if (r.super) continue;
    if (r.targetSuper) out.push({ role: r.role, needs: 'superuser (it is a superuser role)' });
    else if (!r.createrole) out.push({ role: r.role, needs: `CREATEROLE, which ${r.me} lacks` });
    else if (v >= 160000 && !r.admin)
      out.push({
        role: r.role,
        needs: `ADMIN OPTION on it, which ${r.me} lacks (on PostgreSQL 16+ CREATEROLE covers only the roles one created; GRANT ${quoteIdent(r.role)} TO ${quoteIdent(r.me)} WITH ADMIN OPTION, as a superuser)`,
      });
  }
  return out;
}

/**
 * Gives the current user the privileges of `role` when it lacks them (a CREATEROLE admin is not
 * a member of the roles it manages, or on 16+ only with ADMIN OPTION): DROP OWNED BY needs them.
 * Inside the caller's transaction; the membership goes with the role when it is dropped.
 */
export async function takePrivilegesOf(client: Queryable, role: string): Promise<void> {
  const { rows } = await client.query(`SELECT pg_has_role(current_user, $1, 'USAGE') AS has`, [
    role,
  ]);
  if (rows[0].has) return;
  const opts = (await serverVersionNum(client)) >= 160000 ? ' WITH INHERIT TRUE, SET FALSE' : '';
  await client.query(`GRANT ${quoteIdent(role)} TO CURRENT_USER${opts}`);
}

export async function currentRoles(
  client: Queryable,
): Promise<{ currentUser: string; sessionUser: string; database: string }> {
  const { rows } = await client.query(
    'SELECT current_user AS "currentUser", session_user AS "sessionUser", current_database() AS database',
  );
  return rows[0];
}

/**
 * PostgreSQL 16+ records who granted a membership and whether it inherits. INHERIT TRUE makes
 * the tenant's privileges apply even to a NOINHERIT role; SET FALSE keeps the member from
 * becoming the group role (and creating objects it would own).
 */
export function grantMembershipSql(group: string, member: string, serverVersion: number): string {
  const opts = serverVersion >= 160000 ? ' WITH INHERIT TRUE, SET FALSE' : '';
  return `GRANT ${quoteIdent(group)} TO ${quoteIdent(member)}${opts}`;
}

/** On 16+ a membership can exist once per grantor; each is revoked by naming it. */
export function revokeMembershipSql(
  group: string,
  member: string,
  grantor: string | undefined,
  serverVersion: number,
): string {
  const by = serverVersion >= 160000 && grantor ? ` GRANTED BY ${quoteIdent(grantor)}` : '';
  return `REVOKE ${quoteIdent(group)} FROM ${quoteIdent(member)}${by}`;
}

export interface Membership {
  group: string;
  member: string;
  grantor: string;
}

/**
 * Direct memberships of the given members in the given groups (either list may be null for all),
 * those that give access only (see conferringMembershipSql).
 */
export async function memberships(
  client: Queryable,
  groups: string[],
  members: string[] | null = null,
): Promise<Membership[]> {
  const { rows } = await client.query(
    `SELECT g.rolname AS "group", m.rolname AS member, coalesce(pg_get_userbyid(am.grantor), '') AS grantor
     FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
     WHERE g.rolname = ANY($1) AND ($2::text[] IS NULL OR m.rolname = ANY($2))
       AND ${await conferringMembershipSql(client)}
     ORDER BY 1, 2, 3`,
    [groups, members],
  );
  return rows;
}

/** Per database: the schema lives in this database only, while the role is cluster-wide. */
export function setSearchPathSql(role: string, database: string, schema: string): string {
  return `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(database)} SET search_path TO ${quoteIdent(schema)}`;
}

export function resetSearchPathSql(role: string, database: string): string {
  return `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(database)} RESET search_path`;
}

export function setLoginSql(role: string, login: boolean): string {
  return `ALTER ROLE ${quoteIdent(role)} ${login ? 'LOGIN' : 'NOLOGIN'}`;
}

/**
 * Login roles that exist only for this tenant: direct members of its group roles and of no other
 * role at all, never superusers and never the role running tenantctl. Memberships that give
 * nothing (a creator's ADMIN-only one, 16+) do not count: another admin is never taken for a
 * tenant's login. A role that also serves
 * something else keeps its login; it loses this tenant's privileges all the same.
 */
export async function tenantOnlyLoginRoles(client: Queryable, groups: string[]): Promise<string[]> {
  const conferring = await conferringMembershipSql(client);
  const { rows } = await client.query(
    `SELECT m.rolname FROM pg_roles m
     WHERE m.rolcanlogin AND NOT m.rolsuper AND m.rolname NOT IN (current_user, session_user)
       AND EXISTS (SELECT 1 FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
                   WHERE am.member = m.oid AND g.rolname = ANY($1) AND ${conferring})
       AND NOT EXISTS (SELECT 1 FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
                       WHERE am.member = m.oid AND g.rolname <> ALL($1) AND ${conferring})
     ORDER BY 1`,
    [groups],
  );
  return rows.map((r) => r.rolname);
}

/** Ends the given roles' sessions in this database; returns how many were signalled. */
export async function terminateSessions(client: Queryable, roles: string[]): Promise<number> {
  if (roles.length === 0) return 0;
  const { rows } = await client.query(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE usename = ANY($1) AND datname = current_database() AND pid <> pg_backend_pid()`,
    [roles],
  );
  return rows[0].n;
}
