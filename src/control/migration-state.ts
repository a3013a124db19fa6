import { prepared, type Queryable } from '../pg/pool.js';
import { FailedError } from '../shared/errors.js';
import {
  appliedMismatches,
  appliedProblems,
  lineEndingsOnly,
  type MigrationFile,
} from './migration-files.js';
import { writeAudit } from './audit.js';
import { withTransaction } from '../pg/tx.js';
import type { Control } from './control.js';
import { lockTimeoutSetting } from '../pg/advisory-lock.js';
import { TX_MARK_SETTING } from './registry.js';

/**
 * Distinct (id, name, hash) applied anywhere, with how many tenants have each. A recursive loose
 * index scan over (migration_id, hash) touches a few index pages per distinct pair, so this stays
 * in milliseconds however many tenants there are; counts are taken only for those pairs.
 */
export async function appliedSummary(
  client: Queryable,
  c: Control,
): Promise<{ id: number; name: string; hash: string; tenants: number }[]> {
  const t = c.tenantMigrations;
  const { rows } = await client.query(
    `WITH RECURSIVE pairs AS (
       (SELECT migration_id, hash FROM ${t} ORDER BY migration_id, hash LIMIT 1)
       UNION ALL
       SELECT nxt.migration_id, nxt.hash FROM pairs p,
         LATERAL (SELECT migration_id, hash FROM ${t} WHERE (migration_id, hash) > (p.migration_id, p.hash)
                  ORDER BY migration_id, hash LIMIT 1) nxt)
     SELECT p.migration_id AS id, p.hash,
            (SELECT name FROM ${t} x WHERE x.migration_id = p.migration_id AND x.hash = p.hash LIMIT 1) AS name
     FROM pairs p ORDER BY 1`,
  );
  return rows.map((r) => ({ ...r, tenants: 0 }));
}

/** How many tenants have each (id, hash) pair: only needed to word an error, so only asked then. */
export async function tenantsWithPairs(
  client: Queryable,
  c: Control,
  pairs: { id: number; hash: string }[],
): Promise<number[]> {
  const { rows } = await client.query(
    `SELECT (SELECT count(*)::int FROM ${c.tenantMigrations} m WHERE m.migration_id = p.id AND m.hash = p.hash) AS n
     FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS p(id, hash, ord) ORDER BY p.ord`,
    [pairs.map((p) => p.id), pairs.map((p) => p.hash)],
  );
  return rows.map((r) => r.n);
}

export async function appliedIds(
  client: Queryable,
  c: Control,
  tenantId: number,
): Promise<Set<number>> {
  const { rows } = await client.query(
    `SELECT migration_id FROM ${c.tenantMigrations} WHERE tenant_id = $1`,
    [tenantId],
  );
  return new Set(rows.map((r) => r.migration_id as number));
}

/**
 * Inside a tenant's transaction, one round trip: the tenant's lock (waited for at most
 * lockTimeoutMs), then what is applied now (another run may have been first) and whether the
 * tenant still exists (a drop may have won the lock), read after the lock by the control schema's
 * lock_tenant_for_migration(); then search_path pointed at the tenant for the migrations, and the
 * transaction's mark (TX_MARK_SETTING) that recordMigrationInOwnTransaction checks.
 */
export async function lockAndEnterTenant(
  client: Queryable,
  c: Control,
  lock: { namespace: string; name: string },
  lockTimeoutMs: number,
  tenant: { id: number; schema: string },
  searchPath: string,
  txMark: string,
): Promise<{ applied: Set<number>; present: boolean }> {
  const { rows } = await client.query(
    prepared(
      client,
      `SELECT f.applied, f.present, set_config('search_path', $6, true) AS sp, set_config('${TX_MARK_SETTING}', $7, true) AS mark
       FROM ${c.q}.lock_tenant_for_migration($1, $2, $3, $4, $5) f`,
      [
        lock.namespace,
        lock.name,
        lockTimeoutSetting(lockTimeoutMs),
        tenant.id,
        tenant.schema,
        searchPath,
        txMark,
      ],
    ),
  );
  return { applied: new Set(rows[0].applied as number[]), present: rows[0].present };
}

/**
 * A tenant's whole transactional step in one round trip (control schema's migrate_tenant(), run as
 * one statement and so in its own transaction): lock, re-read, each migration not yet applied with
 * search_path on the tenant, its bookkeeping row, the last failure cleared. Returns the ids it ran.
 */
export async function migrateTenantInOneCall(
  client: Queryable,
  c: Control,
  lock: { namespace: string; name: string },
  lockTimeoutMs: number,
  tenant: { id: number; schema: string; clearFailure: boolean },
  searchPath: string,
  migrations: { id: number; name: string; hash: string; sql: string }[],
): Promise<{ applied: number[]; present: boolean }> {
  const { rows } = await client.query(
    prepared(
      client,
      `SELECT f.present, f.applied FROM ${c.q}.migrate_tenant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) f`,
      [
        lock.namespace,
        lock.name,
        lockTimeoutSetting(lockTimeoutMs),
        tenant.id,
        tenant.schema,
        searchPath,
        migrations.map((m) => m.id),
        migrations.map((m) => m.name),
        migrations.map((m) => m.hash),
        migrations.map((m) => m.sql),
        tenant.clearFailure,
      ],
    ),
  );
  return { applied: rows[0].applied as number[], present: rows[0].present };
}

/** Whether the tenant is still registered and its schema still there (a drop may have won the lock). */
export async function tenantPresent(
  client: Queryable,
  c: Control,
  tenant: { id: number; schema: string },
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT EXISTS (SELECT 1 FROM ${c.tenants} WHERE id = $1) AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2) AS present`,
    [tenant.id, tenant.schema],
  );
  return rows[0].present;
}

export async function recordFailure(
  client: Queryable,
  c: Control,
  tenantId: number,
  migrationId: number | null,
  error: string,
): Promise<void> {
  await client.query(
    `INSERT INTO ${c.migrationFailures} (tenant_id, migration_id, error)
     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM ${c.tenants} WHERE id = $1)
     ON CONFLICT (tenant_id) DO UPDATE SET migration_id = EXCLUDED.migration_id, error = EXCLUDED.error, failed_at = now()`,
    [tenantId, migrationId, error],
  );
}

export async function clearFailure(client: Queryable, c: Control, tenantId: number): Promise<void> {
  await client.query(`DELETE FROM ${c.migrationFailures} WHERE tenant_id = $1`, [tenantId]);
}

export async function lastFailures(
  client: Queryable,
  c: Control,
): Promise<{ slug: string; migrationId: number | null; error: string; failedAt: Date }[]> {
  const { rows } = await client.query(
    `SELECT t.slug, f.migration_id AS "migrationId", f.error, f.failed_at AS "failedAt"
     FROM ${c.migrationFailures} f JOIN ${c.tenants} t ON t.id = f.tenant_id ORDER BY t.slug`,
  );
  return rows;
}

/**
 * Refuses (exit 1, before any tenant is touched) when a migration applied anywhere was edited or
 * its file deleted: `migrate`, `create` and `adopt --baseline` would otherwise spread the new text.
 * A file whose only change is its line endings is named as such (code migration-line-endings).
 */
export async function assertAppliedUnchanged(
  client: Queryable,
  c: Control,
  files: MigrationFile[],
  action: string,
  opts: { ignoreLineEndings?: boolean } = {},
): Promise<void> {
  const byId = new Map(files.map((f) => [f.id, f]));
  const endingsOnly = (b: { id: number; hash: string }) => {
    const f = byId.get(b.id);
    return f !== undefined && lineEndingsOnly(b.hash, f) !== undefined;
  };
  const bad = appliedMismatches(await appliedSummary(client, c), files).filter(
    (b) => !(opts.ignoreLineEndings && endingsOnly(b)),
  );
  if (!bad.length) return;
  const counts = await tenantsWithPairs(client, c, bad);
  const problems = appliedProblems(
    bad.map((b, i) => ({ ...b, tenants: counts[i] })),
    files,
  );
  const onlyEndings = bad.every(endingsOnly);
  throw new FailedError(
    `refusing to ${action}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`,
    { code: onlyEndings ? 'migration-line-endings' : 'migration-edited' },
  );
}

export interface LineEndingsAccepted {
  id: number;
  fileName: string;
  /** The recorded hash before, and the one of the file on disk now. */
  from: string;
  to: string;
  tenants: number;
}

/**
 * Applied migrations whose files differ from what was applied only in line endings, with how
 * many tenants recorded each: what `migrate --accept-line-endings` re-records.
 */
export async function lineEndingChanges(
  client: Queryable,
  c: Control,
  files: MigrationFile[],
): Promise<LineEndingsAccepted[]> {
  const byId = new Map(files.map((f) => [f.id, f]));
  const changed = appliedMismatches(await appliedSummary(client, c), files).filter((a) => {
    const f = byId.get(a.id);
    return f !== undefined && lineEndingsOnly(a.hash, f) !== undefined;
  });
  if (!changed.length) return [];
  const counts = await tenantsWithPairs(client, c, changed);
  return changed.map((a, i) => ({
    id: a.id,
    fileName: byId.get(a.id)!.fileName,
    from: a.hash,
    to: byId.get(a.id)!.hash,
    tenants: counts[i],
  }));
}

/**
 * Re-records the hashes of those files, and only those, in one transaction with its audit
 * record: the SQL each tenant ran is the same statement for statement, so nothing is re-run and
 * the edited-file guarantee still holds for every other change.
 */
export async function acceptLineEndings(
  client: Queryable,
  c: Control,
  files: MigrationFile[],
): Promise<LineEndingsAccepted[]> {
  const started = performance.now();
  return withTransaction(client, async () => {
    const changes = await lineEndingChanges(client, c, files);
    if (!changes.length) return [];
    for (const ch of changes)
      await client.query(
        `UPDATE ${c.tenantMigrations} SET hash = $3 WHERE migration_id = $1 AND hash = $2`,
        [ch.id, ch.from, ch.to],
      );
    await writeAudit(client, c, {
      command: 'migrate accept-line-endings',
      outcome: 'ok',
      durationMs: performance.now() - started,
      details: { files: changes },
    });
    return changes;
  });
}

export interface AppliedGroup {
  id: number;
  name: string;
  hash: string;
  slugs: string[];
}

/** Applied migrations grouped by id and hash: a handful of rows however many tenants there are. */
export async function appliedGroups(client: Queryable, c: Control): Promise<AppliedGroup[]> {
  const { rows } = await client.query(
    `SELECT m.migration_id AS id, min(m.name) AS name, m.hash, array_agg(t.slug ORDER BY t.slug) AS slugs
     FROM ${c.tenantMigrations} m JOIN ${c.tenants} t ON t.id = m.tenant_id
     GROUP BY m.migration_id, m.hash ORDER BY 1`,
  );
  return rows;
}

/**
 * The hashes recorded for these migration ids across the tenants of this database (several when
 * tenants applied different files under one id). Uses the primary key's migration_id only as a
 * filter: one pass over the bookkeeping, as `verify` does.
 */
export async function recordedMigrationHashes(
  client: Queryable,
  c: Control,
  ids: number[],
): Promise<Map<number, string[]>> {
  const { rows } = await client.query(
    `SELECT migration_id AS id, array_agg(DISTINCT hash) AS hashes
     FROM ${c.tenantMigrations} WHERE migration_id = ANY($1::int[]) GROUP BY migration_id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id as number, r.hashes as string[]]));
}
