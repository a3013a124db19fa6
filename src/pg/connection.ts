import { existsSync } from 'node:fs';
import type pg from 'pg';
import { ConnectionError, UsageError } from '../shared/errors.js';
import { SQLSTATE, sqlstateOf } from './sqlstate.js';

export interface ConnectionTarget {
  config: pg.ClientConfig;
  /** host:port/database, for messages. */
  label: string;
  source: 'flag' | 'DATABASE_URL' | 'PG environment' | 'dev database' | `server ${string}`;
}

const LIBPQ_VARS = [
  'PGHOST',
  'PGPORT',
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'PGSSLMODE',
  'PGHOSTADDR',
  'PGSERVICE',
];

function labelOf(c: { host?: string; port?: number | string; database?: string }): string {
  return `${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database ?? '?'}`;
}

function fromUrl(url: string, source: ConnectionTarget['source']): ConnectionTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `invalid database URL (from ${source}): expected postgres://user:password@host:port/database`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(
      `invalid database URL (from ${source}): scheme must be postgres:// or postgresql://`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined;
  const host = parsed.hostname || parsed.searchParams.get('host') || undefined;
  return {
    config: { connectionString: url },
    label: labelOf({
      host,
      port: parsed.port || undefined,
      database: database ?? decodeURIComponent(parsed.username),
    }),
    source,
  };
}

/**
 * libpq's defaults as psql applies them: the Unix socket when PGHOST is unset and a socket exists,
 * the OS user as user, the user name as database. pg reads PG* itself; we only fill the gaps
 * where its defaults differ from psql's.
 */
function fromLibpqEnv(env: NodeJS.ProcessEnv): ConnectionTarget {
  const port = Number(env.PGPORT ?? 5432);
  let host = env.PGHOST ?? env.PGHOSTADDR;
  if (!host)
    host =
      ['/var/run/postgresql', '/tmp'].find((dir) => existsSync(`${dir}/.s.PGSQL.${port}`)) ??
      'localhost';
  const user = env.PGUSER ?? env.USER ?? env.LOGNAME;
  const database = env.PGDATABASE ?? user;
  return {
    config: { host, port, user, database },
    label: labelOf({ host, port, database }),
    source: 'PG environment',
  };
}

/**
 * Flag, then DATABASE_URL, then the libpq variables, then a running `tenantctl dev` database.
 * `devUrl` is looked up lazily so commands configured otherwise never touch the dev state.
 */
export async function resolveConnection(
  flagUrl: string | undefined,
  env: NodeJS.ProcessEnv,
  devUrl: () => Promise<string | undefined> | string | undefined,
): Promise<ConnectionTarget> {
  if (flagUrl) return fromUrl(flagUrl, 'flag');
  if (env.DATABASE_URL) return fromUrl(env.DATABASE_URL, 'DATABASE_URL');
  if (LIBPQ_VARS.some((v) => env[v])) return fromLibpqEnv(env);
  const dev = await devUrl();
  if (dev) return fromUrl(dev, 'dev database');
  throw new UsageError('no database configured', {
    code: 'no-database',
  });
}

/** One clear line for the ways a connection fails; anything else passes through. */
export function describeConnectError(err: unknown, target: ConnectionTarget): unknown {
  const code = sqlstateOf(err) ?? (err as { code?: string }).code;
  const where = `${target.label} (from ${target.source})`;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused; is the server running?',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENOENT: 'no server socket there; is the server running?',
    [SQLSTATE.INVALID_PASSWORD]: 'password authentication failed',
    [SQLSTATE.INVALID_AUTHORIZATION]: (err as Error).message,
    [SQLSTATE.INVALID_CATALOG_NAME]: 'database does not exist',
    [SQLSTATE.CANNOT_CONNECT_NOW]: 'the server is starting up or shutting down',
  };
  const reason = code ? reasons[code] : undefined;
  if (reason) return new ConnectionError(`cannot connect to ${where}: ${reason}`, { cause: err });
  const msg = (err as Error)?.message ?? '';
  if (/password|SASL|authentication/i.test(msg))
    return new ConnectionError(`cannot connect to ${where}: ${msg}`, { cause: err });
  return err;
}
