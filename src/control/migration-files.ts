import { existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../shared/errors.js';
import { transactionProblems, type TransactionProblemAt } from '../pg/split.js';
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

/** One line per statement that cannot run in tenantctl's transaction, naming file and line. */
export function describeTransactionProblem(where: string, p: TransactionProblemAt): string {
  const what =
    p.kind === 'transaction-control'
      ? `${p.command} is transaction control: it would end or fake tenantctl's per-tenant transaction`
      : `${p.command} cannot run inside a transaction block`;
  return `${where} line ${p.line}: ${what} (statement: ${p.statement})`;
}

/**
 * Refuses (exit 2, before any tenant is touched) transactional migrations that hold transaction
 * control (BEGIN, COMMIT, ROLLBACK...) or commands PostgreSQL refuses in a transaction block: each
 * runs inside tenantctl's per-tenant transaction, which a COMMIT would end half-way. Found by the
 * statement splitter, so strings, comments and function bodies are not mistaken for them.
 */
export function refuseTransactionControl(files: MigrationFile[]): void {
  const problems = files
    .filter((f) => f.transactional)
    .flatMap((f) =>
      transactionProblems(f.sql).map((p) =>
        describeTransactionProblem(`migration ${f.fileName}`, p),
      ),
    );
  if (problems.length)
    throw new UsageError(problems, {
      hint: `take it out, or run the file statement by statement outside tenantctl's transaction by adding the line \`${DISABLE_TX}\` (a file wrapped in its own BEGIN ... COMMIT then commits its bookkeeping with it)`,
    });
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

/**
 * Whether a recorded hash matches the file once its line endings are switched: the file was
 * applied with CRLF and is now LF (a checkout with another core.autocrlf), or the other way.
 * Hashes follow postgres-migrations: sha1 of file name + SQL.
 */
export function lineEndingsOnly(
  recordedHash: string,
  f: Pick<MigrationFile, 'fileName' | 'sql'>,
): 'applied with CRLF, LF on disk' | 'applied with LF, CRLF on disk' | undefined {
  if (!f.fileName.endsWith('.sql')) return undefined;
  const sha1 = (sql: string) =>
    createHash('sha1')
      .update(f.fileName + sql, 'utf8')
      .digest('hex');
  const lf = f.sql.replace(/\r\n/g, '\n');
  if (lf !== f.sql && sha1(lf) === recordedHash) return 'applied with LF, CRLF on disk';
  const crlf = lf.replace(/\n/g, '\r\n');
  if (crlf !== f.sql && sha1(crlf) === recordedHash) return 'applied with CRLF, LF on disk';
  return undefined;
}

export function appliedProblems(applied: AppliedSummary[], files: MigrationFile[]): string[] {
  const byId = new Map(files.map((f) => [f.id, f]));
  const problems: string[] = [];
  for (const a of appliedMismatches(applied, files)) {
    const f = byId.get(a.id);
    const where = `applied in ${a.tenants} tenant${a.tenants === 1 ? '' : 's'}`;
    const endings = f && lineEndingsOnly(a.hash, f);
    if (!f)
      problems.push(
        `migration ${a.id} (${a.name}) is ${where} but its file is gone from the migrations directory`,
      );
    else if (endings)
      problems.push(
        `migration ${f.fileName} differs from the applied one only in line endings (${endings}; ${where})`,
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
