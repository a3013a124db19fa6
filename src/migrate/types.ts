// What `migrate` takes and returns (the --json document of a run).
import type { SqlDiagnostics } from '../shared/errors.js';
import type { LineEndingsAccepted } from '../control/migration-state.js';

export interface MigrateOptions {
  /** Slugs or globs (control/selection.ts); none means every tenant. */
  tenants?: string[];
  /** Slugs or globs left out. */
  exclude?: string[];
  dryRun?: boolean;
  /** Stop starting tenants after this many failures; Infinity for "all". */
  maxFailures?: number;
  statementTimeoutMs?: number;
  /** Lock-timeout retries per tenant before it counts as failed. */
  retries?: number;
  /** A worker's connection is replaced after this many tenants, so backend catalog caches stay small. */
  recycleEvery?: number;
  /** Transactional groups as one call of migrate_tenant() (default); false: one statement per round trip. */
  oneCall?: boolean;
  /**
   * Re-record the hashes of applied migrations whose files differ only in CRLF/LF line endings
   * (audited), before the run; with dryRun, only list them.
   */
  acceptLineEndings?: boolean;
}

/**
 * applied / current: done; failed: a migration failed (recorded for `migrate status`);
 * interrupted: cut short by what stopped the run (a signal, the server going away), rolled back
 * and not a migration failure; skipped: not started; planned: --dry-run.
 */
export type TenantStatus = 'applied' | 'current' | 'failed' | 'interrupted' | 'skipped' | 'planned';

export interface TenantMigrateResult {
  slug: string;
  schema: string;
  status: TenantStatus;
  from: number;
  to: number;
  applied: number[];
  pending: number[];
  error?: string;
  /** PostgreSQL's account of a failed migration: message, DETAIL, HINT, SQLSTATE, file, line. */
  sql?: SqlDiagnostics;
  durationMs: number;
}

export interface MigrateResult {
  dryRun: boolean;
  latest: number;
  /** With acceptLineEndings: the files whose recorded hashes were (dry run: would be) re-recorded. */
  lineEndingsAccepted?: LineEndingsAccepted[];
  succeeded: number;
  failed: number;
  /** Cut short by a signal or a lost server, rolled back (see TenantStatus). */
  interrupted: number;
  skipped: number;
  tenants: TenantMigrateResult[];
}
