import type { ErrorCode } from '../shared/errors.js';

/**
 * What to do about an error, in the CLI's words. The layers below name the kind of failure (an
 * ErrorCode) and leave the remedy to whoever talks to the user; a hint given at the throw site
 * wins over these.
 */
const HINTS: Partial<Record<ErrorCode, string>> = {
  'control-schema-missing': 'run `tenantctl init` first',
  'control-schema-outdated': 'run `tenantctl init` to upgrade it',
  'tenant-unknown': 'see `tenantctl list`',
  'tenant-schema-missing': 'see `tenantctl info`',
  'lock-busy': 'wait for it or raise --lock-timeout',
  'no-database':
    'set DATABASE_URL (or pass --database-url, or the PG* variables), or start a local one with `tenantctl dev up`',
  'no-migrations-dir':
    'pass --migrations-dir <dir> or set "migrationsDir" in tenantctl.config.json',
  'migration-edited': 'restore the applied file as it was, and put the change in a new migration',
  'migration-line-endings':
    "only CRLF/LF line endings differ (git core.autocrlf?): add `*.sql text eol=lf` to .gitattributes, or re-record those files' hashes with `tenantctl migrate --accept-line-endings` (audited; nothing re-runs)",
  'migrations-behind':
    'pass --migrations-dir <dir> (or set "migrationsDir" in tenantctl.config.json) so the new tenant gets them',
  'archive-missing': 'give the path of a .tar.gz written by `tenantctl export`',
  'schema-unknown': '`tenantctl stats` lists unregistered schemas with the prefix',
  'dev-not-running': 'start it with `tenantctl dev up`',
  'connect-refused':
    'is the server running on that host and accepting TCP/IP connections? check host and port (--database-url, DATABASE_URL or PGHOST/PGPORT)',
  'connect-host-unknown': 'check the host name (--database-url, DATABASE_URL or PGHOST)',
  'connect-timeout':
    'check host, port and firewall; PGCONNECT_TIMEOUT or ?connect_timeout= sets the wait',
  'connect-no-password':
    'give a password in the URL, in PGPASSWORD, or as a line in ~/.pgpass (or the file PGPASSFILE names)',
  'connect-auth-failed':
    "check the user and password (URL, PGPASSWORD or ~/.pgpass) and the server's pg_hba.conf",
  'connect-ssl-unsupported':
    'connect with sslmode=disable (or without sslmode), or turn on ssl in the server',
  'connect-ssl-verify':
    'sslmode=require encrypts without verifying the certificate; verify-full needs the CA that signed it (sslrootcert= or PGSSLROOTCERT)',
  'connect-database-missing':
    'create it (createdb), or fix the database name (--database-url, DATABASE_URL or PGDATABASE)',
  'connect-closed':
    'is a PostgreSQL server listening there, and not another service? see the server log',
  'connect-starting': 'try again in a moment',
  'server-unknown': 'see `tenantctl server list`',
  'server-password-missing':
    'set the variable named in `tenantctl server list` (PASSWORD column) before running tenantctl',
  'secret-key-missing':
    'set TENANTCTL_SECRET_KEY (32 bytes, hex or base64) or TENANTCTL_SECRET_KEY_FILE to the key the passwords were stored with',
  'secret-key-mismatch':
    'use the key the password was stored with; to change keys, put the old one in TENANTCTL_OLD_SECRET_KEY and run `tenantctl server rotate-key`',
  'no-server-available':
    'add a server (`tenantctl server add`), end a drain (`tenantctl server drain <name> --undo`) or name one with --server',
  'transaction-pooler':
    'give a direct or session-mode URL with --direct-url <url> or TENANTCTL_DIRECT_URL',
  'connection-lost':
    'see docs/operations.md ("lost connection"); rerun once the server is back: every tenant is either before or after',
  'too-many-connections': 'lower --concurrency, or free connections on the server',
  'run-lock-lost':
    'see docs/operations.md ("run lock lost"); rerun: tenants not started are picked up',
  interrupted: 'rerun to finish: every tenant is either before or after',
  'insufficient-privilege': 'see docs/operations.md ("managed databases")',
  'statement-timeout': 'raise the timeout for this run with --statement-timeout <duration>',
  'archive-incomplete':
    'export --allow-incomplete writes the archive anyway and records what is missing in its manifest',
  'archive-names-source':
    'fix the function to use unqualified names (or SET search_path), or import --force to keep it pointing at the source schema',
};

/**
 * The hint for an error: its own, else its code's, led by close matches for an unknown name. An
 * empty hint at the throw site means "no hint", not the code's default.
 */
export function hintFor(err: {
  hint?: string;
  code?: ErrorCode;
  suggestions?: string[];
}): string | undefined {
  const hint =
    err.hint !== undefined ? err.hint || undefined : err.code ? HINTS[err.code] : undefined;
  if (!err.suggestions?.length) return hint;
  const names = err.suggestions.map((s) => `"${s}"`);
  const didYouMean = `did you mean ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`}?`;
  return hint ? `${didYouMean} (${hint})` : didYouMean;
}
