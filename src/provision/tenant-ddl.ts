import { quoteIdent } from '../pg/quote.js';
import type { Queryable } from '../pg/pool.js';
import { FailedError } from '../shared/errors.js';
import { SQLSTATE, sqlstateOf } from '../pg/sqlstate.js';

export interface TenantRoles {
  rw: string;
  ro: string;
}

/**
 * Privileges the tenant's group roles carry. The app's login roles get them by membership
 * (`access grant`), so suspending a tenant is a matter of these two roles' ACL entries.
 */
export const RW_TABLE_PRIVS = 'SELECT, INSERT, UPDATE, DELETE';
export const RW_SEQUENCE_PRIVS = 'USAGE, SELECT, UPDATE';

export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA ${quoteIdent(schema)}`;
}

export function createRolesSql(roles: TenantRoles): string[] {
  return [
    `CREATE ROLE ${quoteIdent(roles.rw)} NOLOGIN`,
    `CREATE ROLE ${quoteIdent(roles.ro)} NOLOGIN`,
  ];
}

/** Creates the tenant's two group roles; a name already taken in the cluster is a clear failure. */
export async function createRoles(client: Queryable, roles: TenantRoles): Promise<void> {
  for (const sql of createRolesSql(roles)) {
    try {
      await client.query(sql);
    } catch (err) {
      if (sqlstateOf(err) === SQLSTATE.DUPLICATE_OBJECT) {
        throw new FailedError(
          `role ${roles.rw} or ${roles.ro} already exists in the cluster (left over from an earlier tenant?)`,
          { cause: err },
        );
      }
      throw err;
    }
  }
}

/**
 * Schema usage plus default privileges, so every table and sequence the role running tenantctl
 * creates in the schema from now on is granted to the tenant's roles as it is created. `create`
 * runs these before the template: GRANT ... ON ALL TABLES IN SCHEMA would find the template's
 * objects by a full scan of pg_class (it has no index on relnamespace), which at 10,000 tenants is
 * millions of rows per statement.
 */
export function tenantDefaultPrivilegesSql(schema: string, roles: TenantRoles): string[] {
  const s = quoteIdent(schema);
  const rw = quoteIdent(roles.rw);
  const ro = quoteIdent(roles.ro);
  return [
    `GRANT USAGE ON SCHEMA ${s} TO ${rw}, ${ro}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${RW_TABLE_PRIVS} ON TABLES TO ${rw}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${ro}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${RW_SEQUENCE_PRIVS} ON SEQUENCES TO ${rw}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON SEQUENCES TO ${ro}`,
  ];
}

/** Grants on tables and sequences that already exist (`adopt`: a schema built before tenantctl). */
export function grantExistingSql(schema: string, roles: TenantRoles): string[] {
  const s = quoteIdent(schema);
  const rw = quoteIdent(roles.rw);
  const ro = quoteIdent(roles.ro);
  return [
    `GRANT ${RW_TABLE_PRIVS} ON ALL TABLES IN SCHEMA ${s} TO ${rw}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${ro}`,
    `GRANT ${RW_SEQUENCE_PRIVS} ON ALL SEQUENCES IN SCHEMA ${s} TO ${rw}`,
    `GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${ro}`,
  ];
}

/**
 * Schema first (CASCADE takes its objects and their ACL entries), then whatever the roles still
 * hold in this database (default privileges, grants elsewhere), then the roles themselves.
 */
export function dropTenantSql(
  schema: string,
  roles: TenantRoles,
  rolesExist: { rw: boolean; ro: boolean },
): string[] {
  const out = [`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`];
  for (const kind of ['rw', 'ro'] as const) {
    if (!rolesExist[kind]) continue;
    out.push(`DROP OWNED BY ${quoteIdent(roles[kind])}`, `DROP ROLE ${quoteIdent(roles[kind])}`);
  }
  return out;
}
