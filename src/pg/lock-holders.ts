import type { Queryable } from './pool.js';
import type { LockKey } from './advisory-lock.js';
import { formatTime } from '../shared/duration.js';

/** A session holding a lock someone else waited for: what an operator needs to find it. */
export interface LockHolder {
  pid: number;
  user: string | null;
  application: string | null;
  /** Client address, or null for a Unix socket (and for sessions we may not see). */
  client: string | null;
  state: string | null;
  /** Its transaction's start, else its connection's. */
  since: Date | null;
  /** For a table lock: the table (schema-qualified) and the mode held. */
  relation?: string;
  mode?: string;
}

const HOLDER_COLUMNS = `a.pid, a.usename AS "user", nullif(a.application_name, '') AS application,
  host(a.client_addr) AS client, a.state, coalesce(a.xact_start, a.backend_start) AS since`;

/**
 * Who holds an advisory lock of ours (taken as pg_advisory_lock(hashtext(ns), hashtext(name)):
 * PostgreSQL shows the two int4 keys as classid and objid, with objsubid 2).
 */
export async function advisoryLockHolders(client: Queryable, key: LockKey): Promise<LockHolder[]> {
  const { rows } = await client.query(
    `SELECT ${HOLDER_COLUMNS}
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = (hashtext($1)::bigint & 4294967295)::oid
       AND l.objid = (hashtext($2)::bigint & 4294967295)::oid
       AND l.pid <> pg_backend_pid()
     ORDER BY a.pid`,
    [key.namespace, key.name],
  );
  return rows;
}

/** Other sessions' granted locks on the tables (and other relations) of one schema. */
export async function relationLockHolders(
  client: Queryable,
  schema: string,
): Promise<LockHolder[]> {
  const { rows } = await client.query(
    `SELECT ${HOLDER_COLUMNS}, format('%I.%I', n.nspname, c.relname) AS relation, l.mode
     FROM pg_locks l
     JOIN pg_class c ON c.oid = l.relation
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'relation' AND l.granted AND n.nspname = $1 AND l.pid <> pg_backend_pid()
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY a.pid, relation`,
    [schema],
  );
  return rows;
}

/**
 * One line per holder: `pid 4242 (psql, user app from 10.0.0.7, idle in transaction since
 * 2025-01-31 14:05:09Z) holds AccessShareLock on org_acme.orders`.
 */
export function describeHolders(holders: LockHolder[]): string | undefined {
  if (!holders.length) return undefined;
  return holders
    .map((h) => {
      const who = [
        h.application,
        h.user && `user ${h.user}${h.client ? ` from ${h.client}` : ''}`,
        h.since ? `${h.state ?? 'connected'} since ${formatTime(h.since)}` : h.state,
      ].filter(Boolean);
      const what = h.relation ? ` holds ${h.mode} on ${h.relation}` : ' holds it';
      return `pid ${h.pid}${who.length ? ` (${who.join(', ')})` : ''}${what}`;
    })
    .join('\n');
}
