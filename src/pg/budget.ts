import type pg from 'pg';
import { backendKeyPid } from './pool.js';

/** How many more connections this role may open to this database now. */
export interface ConnectionBudget {
  /** Connections still free to us, the limits below taken together. */
  available: number;
  /** The tightest limit, in words, for the message that lowers a concurrency. */
  limitedBy: string;
}

/**
 * max_connections less the slots reserved for others (superuser_reserved_connections, and on 16+
 * reserved_connections for members of pg_use_reserved_connections) less client backends already
 * connected; the role's and the database's CONNECTION LIMIT likewise. Undefined behind a pooler:
 * the server's numbers say nothing about the pooler's limits, and a pooler queues instead of
 * refusing. `client` must be an open connection (it counts itself as used).
 */
export async function connectionBudget(
  client: pg.ClientBase,
): Promise<ConnectionBudget | undefined> {
  const { rows } = await client.query(
    `SELECT pg_backend_pid() AS pid,
            current_setting('max_connections')::int AS max,
            CASE WHEN r.rolsuper THEN 0
                 ELSE current_setting('superuser_reserved_connections')::int
                      + CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_use_reserved_connections')
                                  AND pg_has_role('pg_use_reserved_connections', 'MEMBER') THEN 0
                             ELSE coalesce(current_setting('reserved_connections', true)::int, 0) END
            END AS reserved,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
            r.rolconnlimit AS "roleLimit",
            (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND backend_type = 'client backend')::int AS "roleUsed",
            d.datconnlimit AS "dbLimit",
            (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend')::int AS "dbUsed",
            current_user AS "user", current_database() AS db
     FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
  );
  const b = rows[0];
  if (!b || b.pid !== backendKeyPid(client)) return undefined;
  const limits = [
    {
      available: b.max - b.reserved - b.used,
      limitedBy: `the server takes ${b.max} connections (max_connections)${b.reserved ? `, ${b.reserved} of them reserved for superusers` : ''}, and ${b.used} are in use`,
    },
  ];
  if (b.roleLimit >= 0)
    limits.push({
      available: b.roleLimit - b.roleUsed,
      limitedBy: `role ${b.user} has CONNECTION LIMIT ${b.roleLimit}, and ${b.roleUsed} are in use`,
    });
  if (b.dbLimit >= 0)
    limits.push({
      available: b.dbLimit - b.dbUsed,
      limitedBy: `database ${b.db} has CONNECTION LIMIT ${b.dbLimit}, and ${b.dbUsed} are in use`,
    });
  return limits.reduce((a, l) => (l.available < a.available ? l : a));
}
