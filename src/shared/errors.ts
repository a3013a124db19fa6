/** Exit codes are part of the product contract (SPEC "Exit codes"). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, PARTIAL: 3, BUSY: 4 } as const;
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
  | 'archive-incomplete'
  | 'archive-names-source';

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

/** The server could not be reached or refused us. */
export class ConnectionError extends TenantctlError {}

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
