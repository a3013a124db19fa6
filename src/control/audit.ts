import os from 'node:os';
import type { Queryable } from '../pg/pool.js';
import type { Control } from './control.js';

export type Outcome = 'ok' | 'failed' | 'partial' | 'noop' | 'running' | 'interrupted';

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

const detailsJson = (d: AuditEntry['details']) => (d ? JSON.stringify(d) : null);

async function insertAudit(
  client: Queryable,
  c: Control,
  e: Omit<AuditEntry, 'durationMs'> & { durationMs: number | null },
): Promise<number> {
  const { rows } = await client.query(
    `INSERT INTO ${c.auditLog} (os_user, client_host, command, tenant_slug, outcome, duration_ms, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      osUser(),
      os.hostname(),
      e.command,
      e.tenant ?? null,
      e.outcome,
      e.durationMs === null ? null : Math.round(e.durationMs),
      detailsJson(e.details),
    ],
  );
  return Number(rows[0].id);
}

/**
 * One audit row. A success is written inside the change's own transaction (both or neither
 * survive a crash); a failure is written after the rollback, on its own.
 */
export async function writeAudit(client: Queryable, c: Control, e: AuditEntry): Promise<void> {
  await insertAudit(client, c, e);
}

/**
 * A long run's audit record, written as 'running' when the run starts so that a run killed before
 * its end still leaves one; finishAudit gives it the outcome. Returns the record's id.
 */
export async function startAudit(
  client: Queryable,
  c: Control,
  e: Pick<AuditEntry, 'command' | 'details'>,
): Promise<number> {
  return insertAudit(client, c, { ...e, outcome: 'running', durationMs: null });
}

/** Gives the record its outcome; the details add to those written at the start. */
export async function finishAudit(
  client: Queryable,
  c: Control,
  id: number,
  e: Omit<AuditEntry, 'command'>,
): Promise<void> {
  await client.query(
    `UPDATE ${c.auditLog} SET outcome = $2, duration_ms = $3, details = coalesce(details, '{}') || coalesce($4::jsonb, '{}') WHERE id = $1`,
    [id, e.outcome, Math.round(e.durationMs), detailsJson(e.details)],
  );
}

/**
 * Marks the command's records still 'running' as 'interrupted' and returns them. Only correct
 * while holding the command's run lock: then no run of it can still be alive to finish them.
 * A record whose run is still connected (its connections carry the application_name written into
 * the record as details.run) is left alone: that run lost the lock but is still finishing, and
 * closes its record itself.
 */
export async function markInterrupted(
  client: Queryable,
  c: Control,
  command: string,
): Promise<{ id: number; at: Date }[]> {
  const { rows } = await client.query(
    `UPDATE ${c.auditLog} l SET outcome = 'interrupted'
     WHERE command = $1 AND outcome = 'running'
       AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = l.details->>'run')
     RETURNING id, at`,
    [command],
  );
  return rows.map((r) => ({ id: Number(r.id), at: r.at }));
}

export interface AuditRow {
  at: Date;
  command: string;
  outcome: string;
  dbUser: string;
  osUser: string | null;
  durationMs: number | null;
}

export async function tenantAuditHistory(
  client: Queryable,
  c: Control,
  slug: string,
  limit = 20,
): Promise<AuditRow[]> {
  const { rows } = await client.query(
    `SELECT at, command, outcome, db_user AS "dbUser", os_user AS "osUser", duration_ms AS "durationMs"
     FROM ${c.auditLog} WHERE tenant_slug = $1 ORDER BY at DESC, id DESC LIMIT $2`,
    [slug, limit],
  );
  return rows;
}

/** For failures: never let a broken audit write hide the error being reported. */
export async function writeAuditQuietly(
  client: Queryable,
  c: Control,
  e: AuditEntry,
): Promise<void> {
  await writeAudit(client, c, e).catch(() => {});
}

export interface AuditFilter {
  tenants?: string[];
  commands?: string[];
  outcomes?: string[];
  since?: Date;
  /** At most this many entries (newest first). */
  limit: number;
}

export interface AuditLogEntry {
  id: number;
  at: Date;
  command: string;
  tenant: string | null;
  outcome: Outcome;
  durationMs: number | null;
  dbUser: string;
  osUser: string | null;
  clientHost: string | null;
  details: Record<string, unknown> | null;
}

/** The audit log, newest first (`tenantctl audit`); every filter is optional. */
export async function readAuditLog(
  client: Queryable,
  c: Control,
  f: AuditFilter,
): Promise<AuditLogEntry[]> {
  const { rows } = await client.query(
    `SELECT id::int AS id, at, command, tenant_slug AS tenant, outcome, duration_ms AS "durationMs",
            db_user AS "dbUser", os_user AS "osUser", client_host AS "clientHost", details
     FROM ${c.auditLog}
     WHERE ($1::text[] IS NULL OR tenant_slug = ANY($1)) AND ($2::text[] IS NULL OR command = ANY($2))
       AND ($3::text[] IS NULL OR outcome = ANY($3)) AND ($4::timestamptz IS NULL OR at >= $4)
     ORDER BY at DESC, id DESC LIMIT $5`,
    [f.tenants ?? null, f.commands ?? null, f.outcomes ?? null, f.since ?? null, f.limit],
  );
  return rows;
}

/** A command's records still 'running' (a run in progress, or one that died before its end). */
export async function runningRecords(
  client: Queryable,
  c: Control,
  command: string,
): Promise<AuditLogEntry[]> {
  const { rows } = await client.query(
    `SELECT id::int AS id, at, command, tenant_slug AS tenant, outcome, duration_ms AS "durationMs",
            db_user AS "dbUser", os_user AS "osUser", client_host AS "clientHost", details
     FROM ${c.auditLog} WHERE command = $1 AND outcome = 'running' ORDER BY at DESC, id DESC`,
    [command],
  );
  return rows;
}
