import { existsSync } from 'node:fs';
import type pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import pgpass from 'pgpass';
import { ConnectionError, UsageError, type ErrorCode } from '../shared/errors.js';
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
    | 'TENANTCTL_DIRECT_URL'
    | `server ${string}`;
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

/** The SSL variables libpq reads as defaults for what a URL does not say. */
const SSL_ENV: [string, string][] = [
  ['sslmode', 'PGSSLMODE'],
  ['sslrootcert', 'PGSSLROOTCERT'],
  ['sslcert', 'PGSSLCERT'],
  ['sslkey', 'PGSSLKEY'],
];

/**
 * A URL as libpq reads it, into pg's client config. pg-connection-string's libpq mode gives
 * sslmode libpq's meaning (require encrypts without verifying the certificate, as psql does;
 * verify-full verifies) instead of pg 8's, where require verifies and announces a nine-line
 * SECURITY WARNING on stderr. PGSSLMODE and friends fill in what the URL leaves out, as in libpq.
 */
function clientConfig(url: URL, env: NodeJS.ProcessEnv): pg.ClientConfig {
  const u = new URL(url.href);
  for (const [param, variable] of SSL_ENV)
    if (!u.searchParams.has(param) && env[variable]) u.searchParams.set(param, env[variable]!);
  const ownCompat = u.searchParams.has('uselibpqcompat');
  const parsed = parseConnectionString(u.href, ownCompat ? {} : { useLibpqCompat: true });
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed))
    if (v !== undefined && v !== null && v !== '' && k !== 'uselibpqcompat') config[k] = v;
  if (config.port !== undefined) config.port = Number(config.port);
  return config as pg.ClientConfig;
}

/**
 * A postgres:// URL as libpq reads it: pg's client config (see clientConfig) and the label
 * messages name it by. Anything else is a usage error naming where the URL came from.
 */
export function parseDatabaseUrl(
  url: string,
  source: ConnectionTarget['source'],
  env: NodeJS.ProcessEnv,
): { config: pg.ClientConfig; label: string; connectTimeout: ConnectionTarget['connectTimeout'] } {
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
  let config: pg.ClientConfig;
  try {
    config = clientConfig(parsed, env);
  } catch (err) {
    throw new UsageError(`invalid database URL (from ${source}): ${(err as Error).message}`);
  }
  return {
    config: withTimeout(config, timeout),
    label: labelOf({
      host,
      port: parsed.port || undefined,
      database: database ?? decodeURIComponent(parsed.username),
    }),
    connectTimeout: timeout,
  };
}

function fromUrl(
  url: string,
  source: ConnectionTarget['source'],
  env: NodeJS.ProcessEnv,
): ConnectionTarget {
  const { config, label, connectTimeout } = parseDatabaseUrl(url, source, env);
  return { config: withPasswordFile(config, env), label, source, connectTimeout };
}

/**
 * Raised when the server asks for a password and none was given anywhere: psql's words for the
 * control connection; a fleet server's connection says which sources it has and how to give one.
 */
export class NoPasswordError extends Error {
  constructor(
    readonly reason = 'no password supplied',
    readonly hint?: string,
  ) {
    super(`fe_sendauth: ${reason}`);
    this.name = 'NoPasswordError';
  }
}

/** The libpq password file's (PGPASSFILE, else ~/.pgpass) password for these parameters, if any. */
export function passwordFromFile(params: {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
}): Promise<string | undefined> {
  return new Promise((resolve) => pgpass(params, (pw?: string) => resolve(pw)));
}

/**
 * Without a password in the URL or PGPASSWORD, the password file (PGPASSFILE, else ~/.pgpass) is
 * read when the server asks for one, as libpq does. Read here rather than by pg, which does the
 * same but prints a deprecation warning on stderr each time; and a server asking for a password
 * nobody gave is psql's "no password supplied", not pg's "client password must be a string".
 */
function withPasswordFile(config: pg.ClientConfig, env: NodeJS.ProcessEnv): pg.ClientConfig {
  if (config.password !== undefined || env.PGPASSWORD) return config;
  let found: Promise<string> | undefined;
  const password = (params: { host?: string; port?: number; database?: string; user?: string }) => {
    found ??= passwordFromFile(params).then((pw) => {
      if (pw === undefined) throw new NoPasswordError();
      return pw;
    });
    return found;
  };
  return { ...config, password: password as unknown as string };
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
  // The SSL variables with libpq's meaning (pg alone would read PGSSLMODE=require as verify-full).
  const ssl = clientConfig(new URL('postgres://localhost/'), env).ssl;
  const timeout = connectTimeout(undefined, env);
  return {
    config: withTimeout(
      withPasswordFile({ host, port, user, database, ...(ssl === undefined ? {} : { ssl }) }, env),
      timeout,
    ),
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

const NODE_REASONS: Record<string, [ErrorCode, string]> = {
  ECONNREFUSED: ['connect-refused', 'connection refused'],
  ENOENT: ['connect-refused', 'no server socket there (is the server running locally?)'],
  ENOTFOUND: ['connect-host-unknown', 'could not translate host name to address'],
  EAI_AGAIN: ['connect-host-unknown', 'could not translate host name to address (lookup failed)'],
  ETIMEDOUT: ['connect-timeout', 'connection timed out'],
  EHOSTUNREACH: ['connect-timeout', 'no route to host'],
  ECONNRESET: ['connect-closed', 'server closed the connection unexpectedly'],
  DEPTH_ZERO_SELF_SIGNED_CERT: ['connect-ssl-verify', 'SSL certificate is self-signed'],
  SELF_SIGNED_CERT_IN_CHAIN: ['connect-ssl-verify', 'SSL certificate chain is self-signed'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ['connect-ssl-verify', 'SSL certificate cannot be verified'],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ['connect-ssl-verify', 'SSL certificate cannot be verified'],
  CERT_HAS_EXPIRED: ['connect-ssl-verify', 'SSL certificate has expired'],
  ERR_TLS_CERT_ALTNAME_INVALID: ['connect-ssl-verify', 'SSL certificate is for another host name'],
};

/** The server's own message for these, which names the user or database as psql shows it. */
const SERVER_REASONS: Record<string, ErrorCode> = {
  [SQLSTATE.INVALID_PASSWORD]: 'connect-auth-failed',
  [SQLSTATE.INVALID_AUTHORIZATION]: 'connect-auth-failed',
  [SQLSTATE.INVALID_CATALOG_NAME]: 'connect-database-missing',
  [SQLSTATE.CANNOT_CONNECT_NOW]: 'connect-starting',
};

/** Messages pg has for what libpq says otherwise. */
const DRIVER_REASONS: [RegExp, ErrorCode, string][] = [
  [
    /does not support SSL/i,
    'connect-ssl-unsupported',
    'server does not support SSL, but SSL was required',
  ],
  [
    /Connection terminated unexpectedly/i,
    'connect-closed',
    'server closed the connection unexpectedly',
  ],
  [
    /client password must be a string|password must be a string/i,
    'connect-no-password',
    'no password supplied',
  ],
];

/**
 * One line, in psql's words, naming the server: `cannot connect to db:5432/app (from
 * DATABASE_URL): server does not support SSL, but SSL was required`, with an ErrorCode the CLI
 * turns into the fix. Anything else passes through.
 */
export function describeConnectError(err: unknown, target: ConnectionTarget): unknown {
  const where = `${target.label} (from ${target.source})`;
  const fail = (code: ErrorCode, reason: string, hint?: string) =>
    new ConnectionError(`cannot connect to ${where}: ${reason}`, { cause: err, code, hint });
  if (err instanceof NoPasswordError) return fail('connect-no-password', err.reason, err.hint);
  if (isConnectTimeout(err)) {
    const t = target.connectTimeout;
    return fail(
      'connect-timeout',
      `no answer within ${t.ms / 1000} s (${t.from === 'default' ? 'the default connect_timeout' : t.from})`,
    );
  }
  const sqlstate = sqlstateOf(err);
  if (sqlstate === SQLSTATE.TOO_MANY_CONNECTIONS)
    return fail('too-many-connections', `no free connection slot (${(err as Error).message})`);
  if (sqlstate && SERVER_REASONS[sqlstate])
    return fail(SERVER_REASONS[sqlstate], (err as Error).message);
  const nodeCode = (err as { code?: unknown } | null)?.code;
  if (typeof nodeCode === 'string' && NODE_REASONS[nodeCode]) {
    const [code, reason] = NODE_REASONS[nodeCode];
    return fail(code, reason);
  }
  const msg = (err as Error)?.message ?? '';
  // PgBouncer (and other poolers) refuse startup parameters they do not know, PGOPTIONS among them.
  const startup = /unsupported startup parameter: (\S+)/.exec(msg);
  if (startup)
    return fail(
      'connect-failed',
      `the server's pooler refuses the startup parameter "${startup[1]}"${startup[1] === 'options' && process.env.PGOPTIONS ? ' (from PGOPTIONS)' : ''}`,
      'unset PGOPTIONS, or connect to the server directly',
    );
  for (const [re, code, reason] of DRIVER_REASONS) if (re.test(msg)) return fail(code, reason);
  if (/password|SASL|authentication/i.test(msg)) return fail('connect-auth-failed', msg);
  if (isConnectionLost(err)) return fail('connection-lost', msg);
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
