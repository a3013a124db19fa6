import os from 'node:os';
import type { Queryable } from './pool.js';
import type { Control } from './control.js';

export type Outcome = 'ok' | 'failed' | 'partial' | 'noop';

export interface AuditEntry {
  command: string;
  tenant?: string | null;
  outcome: Outcome;
  durationMs: number;
  details?: Record<string, unknown>;
}

function osUser(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? null;
  }
}

/**
 * One audit row. A success is written inside the change's own transaction (both or neither
 * survive a crash); a failure is written after the rollback, on its own.
 */
export async function writeAudit(client: Queryable, c: Control, e: AuditEntry): Promise<void> {
  await client.query(
    `INSERT INTO ${c.auditLog} (os_user, client_host, command, tenant_slug, outcome, duration_ms, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [osUser(), os.hostname(), e.command, e.tenant ?? null, e.outcome, Math.round(e.durationMs), e.details ? JSON.stringify(e.details) : null],
  );
}

export interface AuditRow {
  at: Date;
  command: string;
  outcome: string;
  dbUser: string;
  osUser: string | null;
  durationMs: number | null;
}

export async function tenantAuditHistory(client: Queryable, c: Control, slug: string, limit = 20): Promise<AuditRow[]> {
  const { rows } = await client.query(
    `SELECT at, command, outcome, db_user AS "dbUser", os_user AS "osUser", duration_ms AS "durationMs"
     FROM ${c.auditLog} WHERE tenant_slug = $1 ORDER BY at DESC, id DESC LIMIT $2`,
    [slug, limit],
  );
  return rows;
}

/** For failures: never let a broken audit write hide the error being reported. */
export async function writeAuditQuietly(client: Queryable, c: Control, e: AuditEntry): Promise<void> {
  await writeAudit(client, c, e).catch(() => {});
}
