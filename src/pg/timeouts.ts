import type { Queryable } from './pool.js';

const WHERE: Record<string, (r: { user: string; db: string }) => string> = {
  user: (r) => `for role ${r.user} (ALTER ROLE ... SET statement_timeout)`,
  'database user': (r) =>
    `for role ${r.user} in database ${r.db} (ALTER ROLE ... IN DATABASE ... SET statement_timeout)`,
  database: (r) => `for database ${r.db} (ALTER DATABASE ... SET statement_timeout)`,
  'configuration file': () => `in the server's configuration (postgresql.conf or ALTER SYSTEM)`,
  client: () => 'by the connection (PGOPTIONS, or options in the URL)',
  session: () => 'in the session',
  default: () => 'as the server default',
};

/**
 * Where the statement_timeout that cancelled a statement comes from, as a new connection of this
 * role gets it: "statement_timeout is 2s, set for role app (ALTER ROLE ... SET statement_timeout)".
 */
export async function statementTimeoutOrigin(client: Queryable): Promise<string> {
  const { rows } = await client.query(
    `SELECT current_setting('statement_timeout') AS value, source, current_user AS "user", current_database() AS db
     FROM pg_settings WHERE name = 'statement_timeout'`,
  );
  const r = rows[0];
  const where = WHERE[r.source]?.(r) ?? `by ${r.source}`;
  return `statement_timeout is ${r.value}, set ${where}`;
}
