import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';
import { requireControlSchema, roleTag } from '../control/registry.js';
import { TenantctlError } from '../shared/errors.js';

/** What tenantctl needs to know about a server before it trusts tenants to it. */
export interface ServerFacts {
  version: string;
  versionNum: number;
  user: string;
  database: string;
  superuser: boolean;
  createrole: boolean;
  /** CREATE on the database: new schemas. */
  createOnDatabase: boolean;
}

export const MIN_VERSION_NUM = 150000;

export async function serverFacts(client: Queryable): Promise<ServerFacts> {
  const { rows } = await client.query(
    `SELECT current_setting('server_version') AS version,
            current_setting('server_version_num')::int AS "versionNum",
            current_user AS user, current_database() AS database,
            r.rolsuper AS superuser, r.rolcreaterole AS createrole,
            has_database_privilege(current_database(), 'CREATE') AS "createOnDatabase"
     FROM pg_roles r WHERE r.rolname = current_user`,
  );
  return rows[0];
}

/** Why this server cannot hold tenants, one line per reason; empty when it can. */
export function factsProblems(f: ServerFacts): string[] {
  const problems: string[] = [];
  if (f.versionNum < MIN_VERSION_NUM)
    problems.push(`PostgreSQL ${f.version} is older than 15, the oldest tenantctl supports`);
  if (!f.superuser) {
    if (!f.createrole) problems.push(`role ${f.user} lacks CREATEROLE (tenant roles)`);
    if (!f.createOnDatabase)
      problems.push(`role ${f.user} lacks CREATE on database ${f.database} (tenant schemas)`);
  }
  return problems;
}

export interface ControlFacts {
  /** null when present and current; otherwise why not (missing, older than this tenantctl). */
  problem: string | null;
  roleTag: string | null;
}

/** Whether the server's control schema is there and current, and its role tag (its identity). */
export async function controlFacts(client: Queryable, c: Control): Promise<ControlFacts> {
  try {
    await requireControlSchema(client, c);
  } catch (err) {
    if (!(err instanceof TenantctlError)) throw err;
    const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS ok', [c.settings]);
    return { problem: err.message, roleTag: rows[0].ok ? await roleTag(client, c) : null };
  }
  return { problem: null, roleTag: await roleTag(client, c) };
}

/**
 * Tenants registered on the server and their size: the catalog estimate (relpages as of the last
 * VACUUM or ANALYZE, without TOAST), as `stats` reports it; one pass over pg_class.
 */
export async function tenantsSize(
  client: Queryable,
  c: Control,
): Promise<{ tenants: number; bytes: number }> {
  const { rows } = await client.query(
    `SELECT (SELECT count(*)::int FROM ${c.tenants}) AS tenants,
       (COALESCE(sum(a.pages), 0) * current_setting('block_size')::bigint)::bigint AS bytes
     FROM ${c.tenants} t JOIN pg_namespace n ON n.nspname = t.schema_name
     JOIN (SELECT relnamespace, sum(relpages) AS pages FROM pg_class
           WHERE relnamespace <> 'pg_toast'::regnamespace GROUP BY relnamespace) a ON a.relnamespace = n.oid`,
  );
  return { tenants: rows[0].tenants, bytes: Number(rows[0].bytes) };
}

/** Slugs registered on the server (its own registry), sorted. */
export async function registeredSlugs(
  client: Queryable,
  c: Control,
): Promise<{ slug: string; schema: string }[]> {
  const { rows } = await client.query(
    `SELECT slug, schema_name AS schema FROM ${c.tenants} ORDER BY slug`,
  );
  return rows;
}
