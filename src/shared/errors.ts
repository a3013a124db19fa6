/** Exit codes are part of the product contract (SPEC "Exit codes"). */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  PARTIAL: 3,
  BUSY: 4,
  /** 128 + the signal's number, as shells report a process ended by SIGINT or SIGTERM. */
  SIGINT: 130,
  SIGTERM: 143,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * What kind of failure, for programs: stable across versions. The lower layers set it instead of
 * wording a remedy in CLI terms; the CLI turns it into a hint (src/cli/hints.ts).
 */
export const ERROR_CODES = [
  'control-schema-missing',
  'control-schema-outdated',
  'tenant-unknown',
  'tenant-schema-missing',
  'lock-busy',
  'no-database',
  'no-migrations-dir',
  'migration-edited',
  'migration-line-endings',
  'migrations-behind',
  'archive-missing',
  'schema-unknown',
  'dev-not-running',
  // Ctrl-C or Ctrl-D at a prompt, before anything changed (exit 130)
  'cancelled',
  'connect-refused',
  'connect-host-unknown',
  // No answer within connect_timeout.
  'connect-timeout',
  'connect-no-password',
  'connect-auth-failed',
  'connect-ssl-unsupported',
  'connect-ssl-verify',
  'connect-database-missing',
  'connect-closed',
  'connect-starting',
  'connect-failed',
  'server-unknown',
  'server-password-missing',
  'secret-key-missing',
  'secret-key-mismatch',
  'no-server-available',
  // SIGINT/SIGTERM, or a library caller's AbortSignal, stopped a run (exit 130/143)
  'interrupted',
  // Session state does not survive a transaction through this pooler; a session is needed.
  'transaction-pooler',
  // The server went away mid-command (restart, crash, failover, a terminated backend).
  'connection-lost',
  // The server refused a connection: max_connections (or a role/database limit) reached.
  'too-many-connections',
  // The connection holding a run's lock went away; the run stopped.
  'run-lock-lost',
  // The role running tenantctl lacks a privilege the command needs (named in the message).
  'insufficient-privilege',
  // statement_timeout cancelled a statement (the message says where the setting comes from).
  'statement-timeout',
  // Export met objects it cannot carry (exit 1, nothing written; --allow-incomplete records them).
  'archive-incomplete',
  // A function body names the archive's source schema: import --as refuses (exit 2) without --force.
  'archive-names-source',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Everything PostgreSQL said about a failed statement of the user's SQL (a template, a migration,
 * an archive being restored), plus where it was: shown as indented lines and as --json fields.
 */
export interface SqlDiagnostics {
  message: string;
  sqlstate?: string;
  /** The condition name of Appendix A, e.g. foreign_key_violation. */
  sqlstateName?: string;
  detail?: string;
  hint?: string;
  /** PostgreSQL's CONTEXT: where inside a function, trigger or DO block it happened. */
  context?: string;
  /** The file that held the statement (a migration's file name, template/file, an archive member). */
  file?: string;
  line?: number;
  col?: number;
  /** The failing statement's first line. */
  statement?: string;
}

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  code?: ErrorCode;
  sql?: SqlDiagnostics;
  /** More about the failure than the one-line message: who holds a lock, each problem. */
  detail?: string;
  /** Close matches for a name that was not found (did you mean...?). */
  suggestions?: string[];
}

/** Base of every error tenantctl reports on purpose; the CLI turns it into one line and an exit. */
export class TenantctlError extends Error {
  readonly exitCode: ExitCode = EXIT.FAILED;
  /** A second line telling the user what to do about it. */
  hint?: string;
  /** The kind of failure, when a program may want to act on it. */
  readonly code?: ErrorCode;
  /** What was done before the failure (a fan-out's per-tenant summary), for --json and the summary. */
  result?: unknown;
  /** PostgreSQL's own account of the failure, when the user's SQL failed. */
  sql?: SqlDiagnostics;
  /** More than the one-line message (see ErrorOptions.detail); may be added on the way up. */
  detail?: string;
  readonly suggestions?: string[];
  constructor(message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
    this.code = options?.code;
    this.sql = options?.sql;
    this.detail = options?.detail;
    this.suggestions = options?.suggestions;
  }
}

/** Bad input or configuration, found before anything was touched. */
export class UsageError extends TenantctlError {
  override readonly exitCode = EXIT.USAGE;
  /** Every problem found, so the user fixes them all in one go. */
  readonly problems: string[];
  constructor(problems: string | string[], options?: ErrorOptions) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(
      list.length === 1 ? list[0] : `${list.length} problems:\n  - ${list.join('\n  - ')}`,
      options,
    );
    this.problems = list;
  }
}

/** The operation failed; the tenant concerned is unchanged. */
export class FailedError extends TenantctlError {}

/** The server could not be reached or refused us, or went away mid-command. */
export class ConnectionError extends TenantctlError {}

export type SignalName = 'SIGINT' | 'SIGTERM';

/**
 * The run was stopped on purpose: a signal (exit 130/143) or a library caller's AbortSignal. Work
 * in flight was cancelled and rolled back before this was thrown. (Ctrl-C at a prompt, before
 * anything started, is a CancelledError.)
 */
export class InterruptedError extends TenantctlError {
  override readonly exitCode: ExitCode;
  constructor(
    message: string,
    readonly signal: SignalName = 'SIGINT',
    options?: Omit<ErrorOptions, 'code'>,
  ) {
    super(message, { ...options, code: 'interrupted' });
    this.exitCode = signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  }
}

/**
 * Why `signal` was aborted, as an error to throw: its reason when that is an error of ours,
 * otherwise an InterruptedError (a library caller's plain abort()).
 */
export function abortError(signal: AbortSignal): TenantctlError {
  const r = signal.reason;
  if (r instanceof TenantctlError) return r;
  return new InterruptedError(r instanceof Error ? r.message : 'interrupted', 'SIGINT', {
    cause: r,
  });
}

/** Throws the abort reason (see abortError) when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** A lock held by another run could not be had in time. */
export class BusyError extends TenantctlError {
  override readonly exitCode = EXIT.BUSY;
  /** The advisory lock waited for, so whoever reports the error can say who holds it. */
  lock?: { namespace: string; name: string; what: string };
  /** Or the schema whose tables were locked. */
  lockedSchema?: string;
}

/**
 * The user stopped it (Ctrl-C or Ctrl-D at a prompt) before anything was changed: exit 130, as a
 * SIGINT, with only "cancelled; nothing ..." to say (no hint).
 */
export class CancelledError extends TenantctlError {
  override readonly exitCode = EXIT.SIGINT;
  constructor(message = 'cancelled', options?: ErrorOptions) {
    super(message, { code: 'cancelled', ...options });
  }
}

/** A fan-out in which some tenants failed and others were done. */
export class PartialError extends TenantctlError {
  override readonly exitCode = EXIT.PARTIAL;
}

/**
 * A check ran and found problems (verify): exit 1, and with --json its result is the document
 * itself, with the error alongside, rather than nested under "result".
 */
export class CheckFailedError extends FailedError {
  constructor(message: string, result: { ok: false }, options?: { hint?: string }) {
    super(message, options);
    this.result = result;
  }
}
