import { existsSync } from 'node:fs';
import type pg from 'pg';
import { ConnectionError, UsageError } from '../shared/errors.js';
import { SQLSTATE, sqlstateOf } from './sqlstate.js';

export interface ConnectionTarget {
  config: pg.ClientConfig;
  /** host:port/database, for messages. */
  label: string;
  source:
    | 'flag'
    | 'DATABASE_URL'
    | 'PG environment'
    | 'dev database'
    | '--direct-url'
    | 'TENANTCTL_DIRECT_URL';
  /** How long a connection attempt may take (0: for ever), and where that number comes from. */
  connectTimeout: { ms: number; from: string };
}

/** libpq's default is to wait for ever; a cron job must not, so tenantctl waits this long. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

/**
 * connect_timeout as libpq reads it: the URL's parameter, else PGCONNECT_TIMEOUT, else our
 * default. Whole seconds; 0 or less waits for ever; 1 counts as 2 (libpq's minimum).
 */
export function connectTimeout(
  urlValue: string | null | undefined,
  env: NodeJS.ProcessEnv,
): ConnectionTarget['connectTimeout'] {
  const [raw, from] =
    urlValue != null
      ? [urlValue, 'connect_timeout in the URL']
      : env.PGCONNECT_TIMEOUT
        ? [env.PGCONNECT_TIMEOUT, 'PGCONNECT_TIMEOUT']
        : [String(DEFAULT_CONNECT_TIMEOUT_S), 'default'];
  if (!/^\s*-?\d+\s*$/.test(raw))
    throw new UsageError(
      `invalid ${from} ${JSON.stringify(raw)}: expected whole seconds, such as 10 (0 waits for ever)`,
    );
  const s = Number(raw);
  return { ms: s <= 0 ? 0 : Math.max(2, s) * 1000, from };
}

function withTimeout(config: pg.ClientConfig, t: ConnectionTarget['connectTimeout']) {
  return { ...config, connectionTimeoutMillis: t.ms };
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

function fromUrl(
  url: string,
  source: ConnectionTarget['source'],
  env: NodeJS.ProcessEnv,
): ConnectionTarget {
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
  const timeout = connectTimeout(parsed.searchParams.get('connect_timeout'), env);
  return {
    config: withTimeout({ connectionString: url }, timeout),
    label: labelOf({
      host,
      port: parsed.port || undefined,
      database: database ?? decodeURIComponent(parsed.username),
    }),
    source,
    connectTimeout: timeout,
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
  const timeout = connectTimeout(undefined, env);
  return {
    config: withTimeout({ host, port, user, database }, timeout),
    label: labelOf({ host, port, database }),
    source: 'PG environment',
    connectTimeout: timeout,
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
  if (flagUrl) return fromUrl(flagUrl, 'flag', env);
  if (env.DATABASE_URL) return fromUrl(env.DATABASE_URL, 'DATABASE_URL', env);
  if (LIBPQ_VARS.some((v) => env[v])) return fromLibpqEnv(env);
  const dev = await devUrl();
  if (dev) return fromUrl(dev, 'dev database', env);
  throw new UsageError('no database configured', {
    code: 'no-database',
  });
}

/**
 * The direct (or session-mode) URL for what needs a session, where a service gives a pooler URL
 * for everything else: `--direct-url`, else TENANTCTL_DIRECT_URL; undefined when neither is set.
 */
export function resolveDirectConnection(
  flagUrl: string | undefined,
  env: NodeJS.ProcessEnv,
): ConnectionTarget | undefined {
  if (flagUrl) return fromUrl(flagUrl, '--direct-url', env);
  if (env.TENANTCTL_DIRECT_URL)
    return fromUrl(env.TENANTCTL_DIRECT_URL, 'TENANTCTL_DIRECT_URL', env);
  return undefined;
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
    [SQLSTATE.TOO_MANY_CONNECTIONS]: `no free connection slot (${(err as Error).message})`,
  };
  const msg = (err as Error)?.message ?? '';
  if (isConnectTimeout(err)) {
    const t = target.connectTimeout;
    return new ConnectionError(
      `cannot connect to ${where}: no answer within ${t.ms / 1000} s (${t.from === 'default' ? 'the default connect_timeout' : t.from})`,
      { cause: err, code: 'connect-timeout' },
    );
  }
  const reason = code ? reasons[code] : undefined;
  if (reason)
    return new ConnectionError(`cannot connect to ${where}: ${reason}`, {
      cause: err,
      code: code === SQLSTATE.TOO_MANY_CONNECTIONS ? 'too-many-connections' : undefined,
    });
  // PgBouncer (and other poolers) refuse startup parameters they do not know, PGOPTIONS among them.
  const startup = /unsupported startup parameter: (\S+)/.exec(msg);
  if (startup)
    return new ConnectionError(
      `cannot connect to ${where}: the server's pooler refuses the startup parameter "${startup[1]}"${startup[1] === 'options' && process.env.PGOPTIONS ? ' (from PGOPTIONS)' : ''}`,
      { cause: err, hint: 'unset PGOPTIONS, or connect to the server directly' },
    );
  if (/password|SASL|authentication/i.test(msg))
    return new ConnectionError(`cannot connect to ${where}: ${msg}`, { cause: err });
  if (isConnectionLost(err))
    return new ConnectionError(`cannot connect to ${where}: ${msg}`, {
      cause: err,
      code: 'connection-lost',
    });
  return err;
}

/** pg's own connect timeout, from a Client ("timeout expired") or a Pool. */
function isConnectTimeout(err: unknown): boolean {
  const msg = (err as Error)?.message ?? '';
  return msg === 'timeout expired' || /connection timeout/i.test(msg);
}

const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTUNREACH']);

/**
 * The connection is gone (or was never had): the server restarted, crashed, failed over,
 * terminated the backend (pg_terminate_backend, idle_session_timeout, a fast shutdown), or the
 * network dropped. Unlike a SQL error, no statement of ours decided this, and the connection is
 * unusable afterwards.
 */
export function isConnectionLost(err: unknown): boolean {
  if (err instanceof ConnectionError) return err.code === 'connection-lost';
  const code = sqlstateOf(err);
  if (code)
    return (
      code.startsWith('08') ||
      code === SQLSTATE.ADMIN_SHUTDOWN ||
      code === SQLSTATE.CRASH_SHUTDOWN ||
      code === SQLSTATE.CANNOT_CONNECT_NOW ||
      code === SQLSTATE.IDLE_SESSION_TIMEOUT ||
      code === SQLSTATE.IDLE_IN_TRANSACTION_TIMEOUT
    );
  const e = err as NodeJS.ErrnoException | null;
  if (e?.code && LOST_CODES.has(e.code)) return true;
  return /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|not queryable|write after end|This socket has been ended/i.test(
    e?.message ?? '',
  );
}

/** A connection lost mid-command as one line naming the server; anything else passes through. */
export function describeLostConnection(err: unknown, target: ConnectionTarget): unknown {
  if (!isConnectionLost(err) || err instanceof ConnectionError) return err;
  const code = sqlstateOf(err);
  // pg's own words say nothing about why; the server's (a FATAL message) do.
  const msg = code
    ? `${(err as Error).message} (${code})`
    : 'the connection closed unexpectedly (a server restart, crash or failover, or the network)';
  return new ConnectionError(`lost the connection to ${target.label}: ${msg}`, {
    cause: err,
    code: 'connection-lost',
  });
}
