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
): { config: pg.ClientConfig; label: string } {
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
  let config: pg.ClientConfig;
  try {
    config = clientConfig(parsed, env);
  } catch (err) {
    throw new UsageError(`invalid database URL (from ${source}): ${(err as Error).message}`);
  }
  return {
    config,
    label: labelOf({
      host,
      port: parsed.port || undefined,
      database: database ?? decodeURIComponent(parsed.username),
    }),
  };
}

function fromUrl(
  url: string,
  source: ConnectionTarget['source'],
  env: NodeJS.ProcessEnv,
): ConnectionTarget {
  const { config, label } = parseDatabaseUrl(url, source, env);
  return { config: withPasswordFile(config, env), label, source };
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
  return {
    config: withPasswordFile(
      { host, port, user, database, ...(ssl === undefined ? {} : { ssl }) },
      env,
    ),
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
  if (flagUrl) return fromUrl(flagUrl, 'flag', env);
  if (env.DATABASE_URL) return fromUrl(env.DATABASE_URL, 'DATABASE_URL', env);
  if (LIBPQ_VARS.some((v) => env[v])) return fromLibpqEnv(env);
  const dev = await devUrl();
  if (dev) return fromUrl(dev, 'dev database', env);
  throw new UsageError('no database configured', {
    code: 'no-database',
  });
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
  const sqlstate = sqlstateOf(err);
  if (sqlstate && SERVER_REASONS[sqlstate])
    return fail(SERVER_REASONS[sqlstate], (err as Error).message);
  const nodeCode = (err as { code?: unknown } | null)?.code;
  if (typeof nodeCode === 'string' && NODE_REASONS[nodeCode]) {
    const [code, reason] = NODE_REASONS[nodeCode];
    return fail(code, reason);
  }
  const msg = (err as Error)?.message ?? '';
  for (const [re, code, reason] of DRIVER_REASONS) if (re.test(msg)) return fail(code, reason);
  if (/password|SASL|authentication/i.test(msg)) return fail('connect-auth-failed', msg);
  return err;
}
