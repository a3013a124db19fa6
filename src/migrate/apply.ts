import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';
import { tenantSearchPath } from '../pg/quote.js';
import { recordMigration } from '../control/registry.js';
import { SqlFileError } from '../pg/sql-error.js';
import type { MigrationFile } from '../control/migration-files.js';

/** A migration's SQL failed: the message names the file (and position), migrationId says which one. */
export class MigrationSqlError extends SqlFileError {
  readonly migrationId: number;
  constructor(err: unknown, m: MigrationFile, label: string) {
    super(err, m.sql, label);
    this.migrationId = m.id;
  }
}

/** See tenantSearchPath. */
export async function setTenantSearchPath(
  client: Queryable,
  schema: string,
  local = true,
): Promise<void> {
  await client.query(`SELECT set_config('search_path', $1, $2)`, [tenantSearchPath(schema), local]);
}

/**
 * Runs migrations inside the caller's transaction and records each one there too, so the DDL and
 * its bookkeeping commit or vanish together. The caller has set search_path to the tenant.
 */
export async function applyInTransaction(
  client: Queryable,
  c: Control,
  tenant: { id: number; schema: string },
  migrations: MigrationFile[],
): Promise<number[]> {
  const applied: number[] = [];
  for (const m of migrations) {
    const started = performance.now();
    try {
      await client.query(m.sql);
    } catch (err) {
      throw new MigrationSqlError(err, m, `migration ${m.fileName}`);
    }
    await recordMigration(client, c, tenant.id, m, Math.round(performance.now() - started));
    applied.push(m.id);
  }
  return applied;
}
