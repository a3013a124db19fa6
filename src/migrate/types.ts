// What `migrate` takes and returns (the --json document of a run).
export interface MigrateOptions {
  tenants?: string[];
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
  durationMs: number;
}

export interface MigrateResult {
  dryRun: boolean;
  latest: number;
  succeeded: number;
  failed: number;
  /** Cut short by a signal or a lost server, rolled back (see TenantStatus). */
  interrupted: number;
  skipped: number;
  tenants: TenantMigrateResult[];
}
