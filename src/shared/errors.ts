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
export type ErrorCode =
  | 'control-schema-missing'
  | 'control-schema-outdated'
  | 'tenant-unknown'
  | 'tenant-schema-missing'
  | 'lock-busy'
  | 'no-database'
  | 'no-migrations-dir'
  /** Session state does not survive a transaction through this pooler; a session is needed. */
  | 'transaction-pooler'
  /** The server went away mid-command (restart, crash, failover, a terminated backend). */
  | 'connection-lost'
  /** The server refused a connection: max_connections (or a role/database limit) reached. */
  | 'too-many-connections'
  /** No answer within connect_timeout. */
  | 'connect-timeout'
  /** The connection holding a run's lock went away; the run stopped. */
  | 'run-lock-lost'
  /** SIGINT/SIGTERM, Ctrl-C at a prompt, or a library caller's AbortSignal. */
  | 'interrupted'
  /** The role running tenantctl lacks a privilege the command needs (named in the message). */
  | 'insufficient-privilege'
  /** statement_timeout cancelled a statement (the message says where the setting comes from). */
  | 'statement-timeout';

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  code?: ErrorCode;
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
  constructor(message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
    this.code = options?.code;
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
 * The run was stopped on purpose: a signal (exit 130/143), Ctrl-C at a prompt, or a library
 * caller's AbortSignal. Work in flight was cancelled and rolled back before this was thrown.
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
