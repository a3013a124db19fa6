import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../shared/errors.js';
import type { TenantRow } from './registry.js';

export interface MigrationFile {
  id: number;
  name: string;
  fileName: string;
  /** postgres-migrations' sha1 of file name + SQL, so existing directories keep their hashes. */
  hash: string;
  sql: string;
  /** False for files marked `-- postgres-migrations disable-transaction`. */
  transactional: boolean;
}

const DISABLE_TX = '-- postgres-migrations disable-transaction';

/** The migrations of a command that cannot work without them (migrate, migrate status). */
export async function requireMigrations(dir: string | undefined): Promise<MigrationFile[]> {
  if (dir === undefined) {
    throw new UsageError('no migrations directory configured', { code: 'no-migrations-dir' });
  }
  return loadMigrations(dir);
}

/**
 * Loads tenant migrations with postgres-migrations' own loader (file-name rules, consecutive ids,
 * hashing). Its built-in id 0 creates its own bookkeeping table, which tenants do not use.
 */
export async function loadMigrations(dir: string | undefined): Promise<MigrationFile[]> {
  if (dir === undefined) return [];
  if (!existsSync(dir)) {
    throw new UsageError(`migrations directory ${dir} does not exist`, {
      hint: 'check the path given by --migrations-dir, TENANTCTL_MIGRATIONS_DIR or "migrationsDir" in the config file',
    });
  }
  if (!statSync(dir).isDirectory()) {
    throw new UsageError(`migrations directory ${dir} is a file, not a directory`, {
      hint: `give the directory that holds the migration files: ${path.dirname(dir)}`,
    });
  }
  // Loaded here, not at the top: stats and verify without a directory never need it (~30 ms).
  const { default: pgm } = await import('postgres-migrations');
  let loaded: Awaited<ReturnType<typeof pgm.loadMigrationFiles>>;
  try {
    loaded = await pgm.loadMigrationFiles(dir);
  } catch (err) {
    throw new UsageError(`invalid migrations in ${dir}: ${(err as Error).message}`);
  }
  return loaded
    .filter((m) => m.id !== 0)
    .map((m) => ({
      id: m.id,
      name: m.name,
      fileName: m.fileName,
      hash: m.hash,
      sql: m.sql,
      transactional: !m.sql.includes(DISABLE_TX),
    }));
}

export interface AppliedSummary {
  id: number;
  name: string;
  hash: string;
  tenants: number;
}

/**
 * Applied migrations must still be on disk, unchanged. Every mismatch is listed; the caller
 * refuses to touch any tenant when there is one.
 */
export function appliedMismatches(
  applied: AppliedSummary[],
  files: MigrationFile[],
): AppliedSummary[] {
  const byId = new Map(files.map((f) => [f.id, f]));
  return applied.filter((a) => byId.get(a.id)?.hash !== a.hash);
}

export function appliedProblems(applied: AppliedSummary[], files: MigrationFile[]): string[] {
  const byId = new Map(files.map((f) => [f.id, f]));
  const problems: string[] = [];
  for (const a of appliedMismatches(applied, files)) {
    const f = byId.get(a.id);
    const where = `applied in ${a.tenants} tenant${a.tenants === 1 ? '' : 's'}`;
    if (!f)
      problems.push(
        `migration ${a.id} (${a.name}) is ${where} but its file is gone from the migrations directory`,
      );
    else if (f.hash !== a.hash)
      problems.push(
        `migration ${f.fileName} was edited after it was applied (${where}; hash ${a.hash.slice(0, 10)} recorded, ${f.hash.slice(0, 10)} on disk)`,
      );
  }
  return problems;
}

/**
 * The migrations a tenant still lacks: the one rule behind list, stats, migrate and verify.
 * Applied ids are exactly 1..version when as many are recorded as the highest id (ids are distinct
 * and positive); otherwise the registry row carries the applied ids and every gap is pending.
 */
export function pendingMigrations(
  t: Pick<TenantRow, 'version' | 'appliedIds'>,
  files: MigrationFile[],
): MigrationFile[] {
  if (!t.appliedIds) return files.filter((f) => f.id > t.version);
  const done = new Set(t.appliedIds);
  return files.filter((f) => !done.has(f.id));
}
