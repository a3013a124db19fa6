import { SQLSTATE_NAMES } from './sqlstate-names.js';

/** SQLSTATE codes tenantctl reacts to, by name (PostgreSQL Appendix A). */
export const SQLSTATE = {
  INVALID_PASSWORD: '28P01',
  INVALID_AUTHORIZATION: '28000',
  INVALID_CATALOG_NAME: '3D000',
  DUPLICATE_SCHEMA: '42P06',
  DUPLICATE_OBJECT: '42710',
  DUPLICATE_TABLE: '42P07',
  UNDEFINED_TABLE: '42P01',
  INVALID_SCHEMA_NAME: '3F000',
  UNDEFINED_OBJECT: '42704',
  INSUFFICIENT_PRIVILEGE: '42501',
  LOCK_NOT_AVAILABLE: '55P03',
  QUERY_CANCELED: '57014',
  DEADLOCK_DETECTED: '40P01',
  SERIALIZATION_FAILURE: '40001',
  UNIQUE_VIOLATION: '23505',
  CANNOT_CONNECT_NOW: '57P03',
  ADMIN_SHUTDOWN: '57P01',
  CRASH_SHUTDOWN: '57P02',
  IDLE_SESSION_TIMEOUT: '57P05',
  IDLE_IN_TRANSACTION_TIMEOUT: '25P03',
  TOO_MANY_CONNECTIONS: '53300',
  OBJECT_IN_USE: '55006',
  DEPENDENT_OBJECTS_STILL_EXIST: '2BP01',
} as const;

export function sqlstateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** PostgreSQL's condition name for a SQLSTATE (Appendix A), e.g. 23503 -> foreign_key_violation. */
export function sqlstateName(code: string): string | undefined {
  return SQLSTATE_NAMES[code];
}

export function isLockTimeout(err: unknown): boolean {
  const code = sqlstateOf(err);
  return code === SQLSTATE.LOCK_NOT_AVAILABLE || code === SQLSTATE.DEADLOCK_DETECTED;
}

/** A statement cancelled by statement_timeout (rather than by a cancel request). */
export function isStatementTimeout(err: unknown): boolean {
  return (
    sqlstateOf(err) === SQLSTATE.QUERY_CANCELED &&
    /statement timeout/i.test((err as Error)?.message ?? '')
  );
}

/** statement_timeout or a cancel request: re-running the same work would only wait as long again. */
export function isQueryCanceled(err: unknown): boolean {
  return sqlstateOf(err) === SQLSTATE.QUERY_CANCELED;
}
