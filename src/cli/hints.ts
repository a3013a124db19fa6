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
  'archive-incomplete':
    'export --allow-incomplete writes the archive anyway and records what is missing in its manifest',
  'archive-names-source':
    'fix the function to use unqualified names (or SET search_path), or import --force to keep it pointing at the source schema',
};

export function hintFor(err: { hint?: string; code?: ErrorCode }): string | undefined {
  return err.hint ?? (err.code ? HINTS[err.code] : undefined);
}
