import type { ErrorCode } from '../shared/errors.js';

/**
 * What to do about an error, in the CLI's words. The layers below name the kind of failure (an
 * ErrorCode) and leave the remedy to whoever talks to the user; a hint given at the throw site
 * wins over these.
 */
const HINTS: Record<ErrorCode, string> = {
  'control-schema-missing': 'run `tenantctl init` first',
  'control-schema-outdated': 'run `tenantctl init` to upgrade it',
  'tenant-unknown': 'see `tenantctl list`',
  'tenant-schema-missing': 'see `tenantctl info`',
  'lock-busy': 'wait for it or raise --lock-timeout',
  'no-database':
    'set DATABASE_URL (or pass --database-url, or the PG* variables), or start a local one with `tenantctl dev up`',
  'no-migrations-dir':
    'pass --migrations-dir <dir> or set "migrationsDir" in tenantctl.config.json',
  'transaction-pooler':
    'give a direct or session-mode URL with --direct-url <url> or TENANTCTL_DIRECT_URL',
  'connection-lost':
    'see docs/operations.md ("lost connection"); rerun once the server is back: every tenant is either before or after',
  'too-many-connections': 'lower --concurrency, or free connections on the server',
  'connect-timeout':
    'check the host and port; a slower network needs connect_timeout in the URL or PGCONNECT_TIMEOUT',
  'run-lock-lost':
    'see docs/operations.md ("run lock lost"); rerun: tenants not started are picked up',
  interrupted: 'rerun to finish: every tenant is either before or after',
  'insufficient-privilege': 'see docs/operations.md ("managed databases")',
  'statement-timeout': 'raise the timeout for this run with --statement-timeout <duration>',
};

/** The throw site's hint wins; an empty one there means "no hint", not the code's default. */
export function hintFor(err: { hint?: string; code?: ErrorCode }): string | undefined {
  if (err.hint !== undefined) return err.hint || undefined;
  return err.code ? HINTS[err.code] : undefined;
}
