import { readdirSync } from 'node:fs';
import { CONTROL_MIGRATIONS } from '../shared/paths.js';
import { prepared, type Queryable } from '../pg/pool.js';
import type { Control } from './control.js';
import { FailedError } from '../shared/errors.js';
import { SQLSTATE, sqlstateOf } from '../pg/sqlstate.js';
import { closeMatches } from '../shared/suggest.js';

export interface TenantRow {
  id: number;
  slug: string;
  schema: string;
  displayName: string | null;
  /** null: adopted without --template, so there is no reference to verify it against. */
  template: string | null;
  rwRole: string;
  roRole: string;
  status: 'active' | 'suspended';
  statusReason: string | null;
  statusSince: Date;
  adopted: boolean;
  createdAt: Date;
  /** Highest applied migration id, 0 when none. */
  version: number;
  /** How many migrations are recorded as applied. */
  applied: number;
  /**
   * The applied ids when they are not exactly 1..version (a gap); null otherwise, which is always
   * the case for migrations applied in order or baselined. See pendingMigrations().
   */
  appliedIds: number[] | null;
  /** Its last migration attempt failed (a row in migration_failures, cleared by a success). */
  failedBefore: boolean;
}

/**
 * A tenant with its migration position: the one query behind every "which tenants, where do they
 * stand". The position is an index probe per tenant on (tenant_id, migration_id), so one tenant
 * costs microseconds and 10,000 cost the same as one aggregate over the bookkeeping (~36 ms,
 * measured with 20 migrations each).
 */
const TENANT_SELECT = (c: Control) => `
SELECT t.id::int AS id, t.slug, t.schema_name AS schema, t.display_name AS "displayName",
  t.template, t.rw_role AS "rwRole", t.ro_role AS "roRole", t.status, t.status_reason AS "statusReason",
  t.status_since AS "statusSince", t.adopted, t.created_at AS "createdAt",
  COALESCE(m.version, 0) AS version, m.applied, m.gaps AS "appliedIds",
  EXISTS (SELECT 1 FROM ${c.migrationFailures} f WHERE f.tenant_id = t.id) AS "failedBefore"
FROM ${c.tenants} t
CROSS JOIN LATERAL (
  SELECT max(x.migration_id) AS version, count(*)::int AS applied,
         CASE WHEN count(*) <> max(x.migration_id) THEN array_agg(x.migration_id ORDER BY x.migration_id) END AS gaps
  FROM ${c.tenantMigrations} x WHERE x.tenant_id = t.id) m`;

/** Fails with a clear line when `init` has not been run in this database. */
export async function requireControlSchema(client: Queryable, c: Control): Promise<void> {
  const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS ok', [c.tenants]);
  if (!rows[0].ok) {
    throw new FailedError(`control schema "${c.schema}" is not set up in this database`, {
      code: 'control-schema-missing',
    });
  }
  const version = (await client.query(`SELECT coalesce(max(id), 0) AS v FROM ${c.migrations}`))
    .rows[0].v as number;
  // An older control schema would lack what this tenantctl relies on (a function, an index).
  if (version < latestControlMigration()) {
    throw new FailedError(
      `control schema "${c.schema}" is older than this tenantctl (version ${version}, needs ${latestControlMigration()})`,
      { code: 'control-schema-outdated' },
    );
  }
}

let latestControl: number | undefined;
/** The highest id among the control schema migrations shipped with this tenantctl. */
function latestControlMigration(): number {
  latestControl ??= Math.max(
    0,
    ...readdirSync(CONTROL_MIGRATIONS)
      .map((f) => /^(\d+)_.*\.sql$/.exec(f)?.[1])
      .filter(Boolean)
      .map(Number),
  );
  return latestControl;
}

export async function roleTag(client: Queryable, c: Control): Promise<string> {
  const { rows } = await client.query(`SELECT value FROM ${c.settings} WHERE key = 'role_tag'`);
  return rows[0].value;
}

export interface TenantFilter {
  slugs?: string[];
  status?: string;
  template?: string;
  /** By slug (default), or in the order tenants were registered (what a fan-out works through). */
  order?: 'slug' | 'registered';
}

export async function listTenants(
  client: Queryable,
  c: Control,
  filter: TenantFilter = {},
): Promise<TenantRow[]> {
  const { rows } = await client.query(
    `${TENANT_SELECT(c)}
     WHERE ($1::text[] IS NULL OR t.slug = ANY($1)) AND ($2::text IS NULL OR t.status = $2)
       AND ($3::text IS NULL OR t.template = $3)
     ORDER BY ${filter.order === 'registered' ? 't.id' : 't.slug'}`,
    [filter.slugs ?? null, filter.status ?? null, filter.template ?? null],
  );
  return rows;
}

export async function findTenant(
  client: Queryable,
  c: Control,
  slug: string,
): Promise<TenantRow | undefined> {
  const rows = await listTenants(client, c, { slugs: [slug] });
  return rows[0];
}

/** Like findTenant, but an unknown slug is an error naming it (and the slugs close to it). */
export async function getTenant(client: Queryable, c: Control, slug: string): Promise<TenantRow> {
  const t = await findTenant(client, c, slug);
  if (!t) throw await unknownTenantError(client, c, [slug]);
  return t;
}

/** Every registered slug with its schema, by slug: for globs and close matches. */
export async function tenantNames(
  client: Queryable,
  c: Control,
): Promise<{ slug: string; schema: string }[]> {
  const { rows } = await client.query(
    `SELECT slug, schema_name AS schema FROM ${c.tenants} ORDER BY slug`,
  );
  return rows;
}

/**
 * The one error for slugs that name no tenant (exit 1, tenant-unknown), with the registered slugs
 * close to them: a typo, or the schema name typed for the slug. Reads every slug, so it is only
 * for the failure path.
 */
export async function unknownTenantError(
  client: Queryable,
  c: Control,
  unknown: string[],
): Promise<FailedError> {
  return unknownTenantErrorAmong(await tenantNames(client, c), unknown, 'in this database');
}

/** unknownTenantError over any list of known tenants (the fleet's placements, for one). */
export function unknownTenantErrorAmong(
  names: { slug: string; schema: string }[],
  unknown: string[],
  where: string,
): FailedError {
  const schemaOf = new Map(names.map((n) => [n.slug, n.schema]));
  const suggestions = [
    ...new Set(
      unknown.flatMap((u) =>
        closeMatches(
          u,
          names.map((n) => n.slug),
          { alias: (slug) => schemaOf.get(slug)! },
        ),
      ),
    ),
  ].slice(0, 3);
  return new FailedError(`no tenant ${unknown.map((s) => `"${s}"`).join(', ')} ${where}`, {
    code: 'tenant-unknown',
    suggestions,
  });
}

/** The slug of the tenant that owns a schema, if any. */
export async function findTenantBySchema(
  client: Queryable,
  c: Control,
  schema: string,
): Promise<string | undefined> {
  const { rows } = await client.query(`SELECT slug FROM ${c.tenants} WHERE schema_name = $1`, [
    schema,
  ]);
  return rows[0]?.slug;
}

/** Slugs among the given ones that are not registered, for one error listing them all. */
export async function unknownSlugs(
  client: Queryable,
  c: Control,
  slugs: string[],
): Promise<string[]> {
  const { rows } = await client.query(
    // In the order given (an anti join may be hashed): messages name them as typed.
    `SELECT u.s FROM unnest($1::text[]) WITH ORDINALITY AS u (s, n)
     WHERE NOT EXISTS (SELECT 1 FROM ${c.tenants} t WHERE t.slug = u.s) ORDER BY u.n`,
    [slugs],
  );
  return rows.map((r) => r.s);
}

export async function schemaExists(client: Queryable, schema: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length > 0;
}

export interface NewTenant {
  slug: string;
  schema: string;
  displayName?: string;
  template: string | null;
  rwRole: string;
  roRole: string;
  adopted?: boolean;
}

export async function insertTenant(client: Queryable, c: Control, t: NewTenant): Promise<number> {
  try {
    const { rows } = await client.query(
      `INSERT INTO ${c.tenants} (slug, schema_name, display_name, template, rw_role, ro_role, adopted)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::int AS id`,
      [t.slug, t.schema, t.displayName ?? null, t.template, t.rwRole, t.roRole, t.adopted ?? false],
    );
    return rows[0].id;
  } catch (err) {
    if (sqlstateOf(err) === SQLSTATE.UNIQUE_VIOLATION) {
      throw new FailedError(`tenant "${t.slug}" (schema ${t.schema}) is already registered`, {
        cause: err,
      });
    }
    throw err;
  }
}

export async function deleteTenant(client: Queryable, c: Control, id: number): Promise<void> {
  await client.query(`DELETE FROM ${c.tenants} WHERE id = $1`, [id]);
}

/** The highest migration applied to any tenant, 0 when none (an index-only probe). */
export async function highestAppliedMigration(client: Queryable, c: Control): Promise<number> {
  const { rows } = await client.query(
    `SELECT coalesce(max(migration_id), 0)::int AS v FROM ${c.tenantMigrations}`,
  );
  return rows[0].v;
}

export interface AppliedMigration {
  id: number;
  name: string;
  hash: string;
  appliedAt: Date;
  durationMs: number | null;
  baseline: boolean;
}

export async function appliedMigrations(
  client: Queryable,
  c: Control,
  tenantId: number,
): Promise<AppliedMigration[]> {
  const { rows } = await client.query(
    `SELECT migration_id AS id, name, hash, applied_at AS "appliedAt", duration_ms AS "durationMs", baseline
     FROM ${c.tenantMigrations} WHERE tenant_id = $1 ORDER BY migration_id`,
    [tenantId],
  );
  return rows;
}

export async function recordMigration(
  client: Queryable,
  c: Control,
  tenantId: number,
  m: { id: number; name: string; hash: string },
  durationMs: number | null,
  baseline = false,
): Promise<void> {
  await client.query(
    prepared(
      client,
      `INSERT INTO ${c.tenantMigrations} (tenant_id, migration_id, name, hash, duration_ms, baseline)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [tenantId, m.id, m.name, m.hash, durationMs, baseline],
    ),
  );
}

/**
 * The transaction-local setting that marks a transaction as tenantctl's own (see
 * markOwnTransaction): a migration that ends the transaction takes the mark with it.
 */
export const TX_MARK_SETTING = 'tenantctl.tx';

/**
 * Records an applied migration only while still inside the transaction marked `mark`, and says
 * whether it did: the bookkeeping row never lands outside the transaction that ran the DDL, and a
 * migration that ended that transaction (a COMMIT the splitter did not see) is found in the same
 * round trip.
 */
export async function recordMigrationInOwnTransaction(
  client: Queryable,
  c: Control,
  tenantId: number,
  m: { id: number; name: string; hash: string },
  durationMs: number | null,
  mark: string,
): Promise<boolean> {
  const r = await client.query(
    prepared(
      client,
      `INSERT INTO ${c.tenantMigrations} (tenant_id, migration_id, name, hash, duration_ms, baseline)
       SELECT $1::bigint, $2::int, $3::text, $4::text, $5::int, false
       WHERE current_setting('${TX_MARK_SETTING}', true) = $6::text`,
      [tenantId, m.id, m.name, m.hash, durationMs, mark],
    ),
  );
  return r.rowCount === 1;
}

/** Schemas that carry the tenant prefix but have no registry row. */
export async function unregisteredSchemas(
  client: Queryable,
  c: Control,
  prefix: string,
): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT n.nspname FROM pg_namespace n
     WHERE starts_with(n.nspname, $1) AND NOT EXISTS (SELECT 1 FROM ${c.tenants} t WHERE t.schema_name = n.nspname)
     ORDER BY 1`,
    [prefix],
  );
  return rows.map((r) => r.nspname);
}

/**
 * What an import leaves behind about the archive it came from: grants to roles other than the
 * tenant's own that it restored (so verify can tell a copy's inheritance from cross-tenant access)
 * and what the archive did not carry (for info).
 */
export async function recordImportLineage(
  client: Queryable,
  c: Control,
  tenantId: number,
  fromSlug: string,
  carriedRoles: string[],
  gaps: { object: string; reason: string }[],
): Promise<void> {
  if (carriedRoles.length)
    await client.query(
      `INSERT INTO ${c.carriedGrants} (tenant_id, role_name, from_slug)
       SELECT $1, r, $2 FROM unnest($3::text[]) r ON CONFLICT DO NOTHING`,
      [tenantId, fromSlug, carriedRoles],
    );
  if (gaps.length)
    await client.query(`UPDATE ${c.tenants} SET import_gaps = $2 WHERE id = $1`, [
      tenantId,
      JSON.stringify(gaps),
    ]);
}

/** Roles whose grants in a tenant came with an imported archive, and the tenant they came from. */
export async function carriedGrantRows(
  client: Queryable,
  c: Control,
): Promise<{ slug: string; role: string; from: string }[]> {
  const { rows } = await client.query(
    `SELECT t.slug, g.role_name AS role, g.from_slug AS "from"
     FROM ${c.carriedGrants} g JOIN ${c.tenants} t ON t.id = g.tenant_id ORDER BY 1, 2`,
  );
  return rows;
}

/** What the archive a tenant was imported from did not carry (import of an --allow-incomplete export). */
export async function importGaps(
  client: Queryable,
  c: Control,
  tenantId: number,
): Promise<{ object: string; reason: string }[]> {
  const { rows } = await client.query(`SELECT import_gaps FROM ${c.tenants} WHERE id = $1`, [
    tenantId,
  ]);
  return rows[0]?.import_gaps ?? [];
}
