import type pg from 'pg';
import type { Queryable } from '../pg/pool.js';
import {
  NoPasswordError,
  parseDatabaseUrl,
  passwordFromFile,
  type ConnectionTarget,
} from '../pg/connection.js';
import type { Control } from '../control/control.js';
import { FailedError, UsageError } from '../shared/errors.js';
import { printable } from '../shared/names.js';
import type { Sealed } from './secrets.js';

/** The servers of a fleet, as the control database records them (control migration 7). */

export const LOCAL = 'local';

const NAME_RE = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

export type PasswordSource = 'pgpass' | 'env' | 'encrypted';

export interface ServerRow {
  name: string;
  /** Without a password; null for 'local' (the connection tenantctl was given). */
  url: string | null;
  region: string | null;
  state: 'active' | 'draining';
  dedicated: boolean;
  maxTenants: number | null;
  /** null for 'local', whose password is whatever the control connection uses. */
  passwordSource: PasswordSource | null;
  passwordEnv: string | null;
  sealed: Sealed | null;
  roleTag: string;
  addedAt: Date;
  /** Placements on this server, any state. */
  tenants: number;
}

/** What may be shown of a server: never a password, never the sealed bytes. */
export interface ServerView {
  name: string;
  url: string;
  region: string | null;
  state: 'active' | 'draining';
  dedicated: boolean;
  maxTenants: number | null;
  /** "pgpass", "env:VAR", "encrypted:<key id>" or "connection" (local). */
  password: string;
  tenants: number;
}

export function serverNameProblem(name: string): string | null {
  if (!NAME_RE.test(name) || name.length > 63)
    return `invalid server name ${printable(name)}: use lower-case letters, digits, "-" and "_", starting and ending with a letter or digit, at most 63 characters`;
  return null;
}

function parseUrl(url: string): URL | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? u : undefined;
  } catch {
    return undefined;
  }
}

const SECRET_PARAMS = ['password', 'sslpassword'];

/**
 * A URL to store for a server: a postgres:// URL that carries no password. One that does is
 * refused (never echoed): tenantctl stores no password in clear, and silently dropping it would
 * leave a server that cannot be reached.
 */
export function checkServerUrl(url: string): string {
  const u = parseUrl(url);
  if (!u)
    throw new UsageError(
      'invalid server URL: expected postgres://user@host:port/database (without a password)',
    );
  if (u.password !== '' || SECRET_PARAMS.some((p) => u.searchParams.has(p)))
    throw new UsageError(
      'the server URL carries a password; tenantctl never stores one in clear (the URL was not saved)',
      {
        hint: 'give the URL without it, and the password with --password-env <VAR>, --password-stdin (stored encrypted), or a ~/.pgpass entry',
      },
    );
  return url.trim();
}

/** A URL safe to print: the password and secret parameters removed, whatever it carried. */
export function redactUrl(url: string): string {
  const u = parseUrl(url);
  if (!u) return '(unparsable URL)';
  u.password = '';
  for (const p of SECRET_PARAMS) u.searchParams.delete(p);
  return u.toString();
}

/**
 * The control connection as a URL without its password, for `route` and `server list` of the
 * local server: from the URL it was given, or built from the libpq settings it was resolved to.
 */
export function connectionUrl(target: ConnectionTarget): string {
  const cfg = target.config;
  if (cfg.connectionString) return redactUrl(cfg.connectionString);
  const user = cfg.user ? `${encodeURIComponent(cfg.user)}@` : '';
  const db = encodeURIComponent(cfg.database ?? '');
  const host = cfg.host ?? 'localhost';
  if (host.startsWith('/'))
    return `postgres://${user}/${db}?host=${encodeURIComponent(host)}${cfg.port ? `&port=${cfg.port}` : ''}`;
  return `postgres://${user}${host.includes(':') ? `[${host}]` : host}${cfg.port ? `:${cfg.port}` : ''}/${db}`;
}

/**
 * The connection to a server: its URL read as the control connection's is (libpq's sslmode), and
 * a password function that gives only the server's own password (so PGPASSWORD, meant for the
 * control database, is never sent to another server), else the libpq password file's.
 */
export function serverTarget(
  name: string,
  url: string,
  password: () => Promise<string | undefined> | string | undefined,
  env: NodeJS.ProcessEnv,
): ConnectionTarget {
  const source = `server ${name}` as const;
  // connect_timeout from the URL, else PGCONNECT_TIMEOUT, else 10 s, as for the control database:
  // a server that is down or black-holed fails its own work instead of holding up the fleet.
  const { config: parsed, label, connectTimeout } = parseDatabaseUrl(url, source, env);
  const { password: _inUrl, ...rest } = parsed;
  const config = {
    ...rest,
    password: async (params: pg.ConnectionConfig) => {
      const found = (await password()) ?? (await passwordFromFile(params));
      if (found === undefined)
        throw new NoPasswordError(
          'the server asks for a password and none is configured for it (no --password-env or --password-stdin, no entry in the libpq password file)',
          'add a line for it to the libpq password file (~/.pgpass or PGPASSFILE); a server added with --password-env <VAR> or --password-stdin brings its own',
        );
      return found;
    },
  } as unknown as pg.ClientConfig;
  return { config, label, source, connectTimeout };
}

export function viewOf(s: ServerRow, localUrl: string): ServerView {
  return {
    name: s.name,
    url: s.url === null ? localUrl : redactUrl(s.url),
    region: s.region,
    state: s.state,
    dedicated: s.dedicated,
    maxTenants: s.maxTenants,
    password: passwordLabel(s),
    tenants: s.tenants,
  };
}

export function passwordLabel(s: Pick<ServerRow, 'passwordSource' | 'passwordEnv' | 'sealed'>) {
  switch (s.passwordSource) {
    case null:
      return 'connection';
    case 'env':
      return `env:${s.passwordEnv}`;
    case 'encrypted':
      return `encrypted:${s.sealed?.keyId}`;
    default:
      return 'pgpass';
  }
}

const SERVER_SELECT = (c: Control) => `
SELECT s.name, s.url, s.region, s.state, s.dedicated, s.max_tenants AS "maxTenants",
  s.password_source AS "passwordSource", s.password_env AS "passwordEnv",
  s.password_key_id AS "keyId", s.password_iv AS iv, s.password_tag AS tag,
  s.password_ciphertext AS ciphertext, s.role_tag AS "roleTag", s.added_at AS "addedAt",
  (SELECT count(*)::int FROM ${c.placements} p WHERE p.server = s.name) AS tenants
FROM ${c.servers} s`;

function rowOf(r: Record<string, unknown>): ServerRow {
  const { keyId, iv, tag, ciphertext, ...rest } = r;
  return {
    ...(rest as Omit<ServerRow, 'sealed'>),
    sealed: ciphertext
      ? {
          keyId: keyId as string,
          iv: iv as Buffer,
          tag: tag as Buffer,
          ciphertext: ciphertext as Buffer,
        }
      : null,
  };
}

export async function listServers(client: Queryable, c: Control): Promise<ServerRow[]> {
  const { rows } = await client.query(`${SERVER_SELECT(c)} ORDER BY s.name`);
  return rows.map(rowOf);
}

export async function findServer(
  client: Queryable,
  c: Control,
  name: string,
  forUpdate = false,
): Promise<ServerRow | undefined> {
  const { rows } = await client.query(
    `${SERVER_SELECT(c)} WHERE s.name = $1${forUpdate ? ' FOR UPDATE OF s' : ''}`,
    [name],
  );
  return rows[0] ? rowOf(rows[0]) : undefined;
}

export async function getServer(
  client: Queryable,
  c: Control,
  name: string,
  forUpdate = false,
): Promise<ServerRow> {
  const s = await findServer(client, c, name, forUpdate);
  if (!s) throw new FailedError(`no server "${name}" in this fleet`, { code: 'server-unknown' });
  return s;
}

export interface NewServer {
  name: string;
  url: string;
  region?: string;
  dedicated: boolean;
  maxTenants?: number;
  passwordSource: PasswordSource;
  passwordEnv?: string;
  sealed?: Sealed;
  roleTag: string;
}

export async function insertServer(client: Queryable, c: Control, s: NewServer): Promise<void> {
  await client.query(
    `INSERT INTO ${c.servers} (name, url, region, dedicated, max_tenants, password_source, password_env,
       password_key_id, password_iv, password_tag, password_ciphertext, role_tag)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      s.name,
      s.url,
      s.region ?? null,
      s.dedicated,
      s.maxTenants ?? null,
      s.passwordSource,
      s.passwordEnv ?? null,
      s.sealed?.keyId ?? null,
      s.sealed?.iv ?? null,
      s.sealed?.tag ?? null,
      s.sealed?.ciphertext ?? null,
      s.roleTag,
    ],
  );
}

export async function resealServer(
  client: Queryable,
  c: Control,
  name: string,
  sealed: Sealed,
): Promise<void> {
  await client.query(
    `UPDATE ${c.servers} SET password_key_id = $2, password_iv = $3, password_tag = $4, password_ciphertext = $5
     WHERE name = $1`,
    [name, sealed.keyId, sealed.iv, sealed.tag, sealed.ciphertext],
  );
}
