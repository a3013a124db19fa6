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
  'migration-edited': 'restore the applied file as it was, and put the change in a new migration',
  'migration-line-endings':
    "only CRLF/LF line endings differ (git core.autocrlf?): add `*.sql text eol=lf` to .gitattributes, or re-record those files' hashes with `tenantctl migrate --accept-line-endings` (audited; nothing re-runs)",
};

export function hintFor(err: { hint?: string; code?: ErrorCode }): string | undefined {
  return err.hint ?? (err.code ? HINTS[err.code] : undefined);
}
