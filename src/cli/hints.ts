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
  'server-unknown': 'see `tenantctl server list`',
  'server-password-missing':
    'set the variable named in `tenantctl server list` (PASSWORD column) before running tenantctl',
  'secret-key-missing':
    'set TENANTCTL_SECRET_KEY (32 bytes, hex or base64) or TENANTCTL_SECRET_KEY_FILE to the key the passwords were stored with',
  'secret-key-mismatch':
    'use the key the password was stored with; to change keys, put the old one in TENANTCTL_OLD_SECRET_KEY and run `tenantctl server rotate-key`',
  'no-server-available':
    'add a server (`tenantctl server add`), end a drain (`tenantctl server drain <name> --undo`) or name one with --server',
};

export function hintFor(err: { hint?: string; code?: ErrorCode }): string | undefined {
  return err.hint ?? (err.code ? HINTS[err.code] : undefined);
}
