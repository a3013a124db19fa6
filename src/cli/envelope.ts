import { CommanderError } from 'commander';
import {
  EXIT,
  BusyError,
  CancelledError,
  CheckFailedError,
  ConnectionError,
  PartialError,
  TenantctlError,
  UsageError,
  type SqlDiagnostics,
} from '../shared/errors.js';
import { findSqlDiagnostics } from '../pg/sql-error.js';
import { hintFor } from './hints.js';

/**
 * The one JSON document every command prints with --json (and the last line of --ndjson):
 *
 *   {"schemaVersion": 1, "ok": bool, "command": "migrate status", "result": ..., "error": ...}
 *
 * `result` is the command's data (also on failure when there is some, e.g. a fan-out's
 * per-tenant summary or verify's findings), null otherwise; `error` is null on success. The
 * schema is schema/output.schema.json; bump SCHEMA_VERSION when a field changes meaning or
 * disappears (adding fields does not).
 */
export const SCHEMA_VERSION = 1;

export interface ErrorDoc {
  /** Stable, for programs: an ErrorCode, or the class of failure (usage, failed, partial...). */
  code: string;
  /** One line. */
  message: string;
  /** More lines: every problem of a usage error, who holds a lock; null when there is nothing. */
  detail: string | null;
  /** What to do about it. */
  hint: string | null;
  exitCode: number;
  /**
   * What PostgreSQL said when the user's SQL failed (template, migration, archive): SQLSTATE and
   * its name, DETAIL, HINT, CONTEXT, file, line, column, the statement's first line; else null.
   */
  sql: SqlDiagnostics | null;
}

export interface Envelope {
  schemaVersion: typeof SCHEMA_VERSION;
  ok: boolean;
  command: string;
  result: unknown;
  error: ErrorDoc | null;
}

/** One process runs one command: what it is and what it produced so far. */
const run = { command: '', result: null as unknown };

/** The command path as typed, without the program name: "migrate status", "" for none. */
export function setCommand(path: string): void {
  run.command = path;
}

export function currentCommand(): string {
  return run.command;
}

/** The command's data, kept for the envelope (Output.result in JSON mode). */
export function setResult(result: unknown): void {
  run.result = result;
}

/**
 * The classes of failure, for an error without an ErrorCode of its own; with ERROR_CODES, every
 * `error.code` there is (schema/output.schema.json lists both; a unit test keeps them equal).
 */
export const FAILURE_CLASSES = [
  'usage',
  'failed',
  'partial',
  'lock-busy',
  'check-failed',
  'connect-failed',
  'cancelled',
  'unexpected',
] as const;

/** The class of failure when the error carries no ErrorCode of its own. */
function defaultCode(err: TenantctlError): string {
  if (err instanceof UsageError) return 'usage';
  if (err instanceof BusyError) return 'lock-busy';
  if (err instanceof PartialError) return 'partial';
  if (err instanceof CheckFailedError) return 'check-failed';
  if (err instanceof ConnectionError) return 'connect-failed';
  if (err instanceof CancelledError) return 'cancelled';
  return 'failed';
}

/** Commander's own messages for a missing subcommand are "(outputHelp)". */
function commanderMessage(err: CommanderError, command: string): string {
  if (err.code === 'commander.help' || err.message === '(outputHelp)')
    return command ? `${command}: no subcommand given` : 'no command given';
  return err.message.replace(/^error: /, '');
}

/**
 * Any thrown value as the error part of the envelope, which is also what the human error lines
 * are made of. `undefined` for commander's --help and --version (exit 0, not errors).
 */
export function describeError(err: unknown): ErrorDoc | undefined {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return undefined;
    const cmd = run.command;
    return {
      code: 'usage',
      message: commanderMessage(err, cmd),
      detail: null,
      hint: `see \`tenantctl ${cmd ? `${cmd} ` : ''}--help\``,
      exitCode: EXIT.USAGE,
      sql: null,
    };
  }
  if (err instanceof TenantctlError) {
    const problems = err instanceof UsageError && err.problems.length > 1 ? err.problems : null;
    const [first, ...rest] = err.message.split('\n');
    return {
      code: err.code ?? defaultCode(err),
      message: problems ? `${problems.length} problems` : first,
      detail: problems
        ? problems.map((p) => `- ${p}`).join('\n')
        : (err.detail ?? (rest.length ? rest.join('\n') : null)),
      hint: hintFor(err) ?? null,
      exitCode: err.exitCode,
      sql: findSqlDiagnostics(err) ?? null,
    };
  }
  const e = err as Error | undefined;
  return {
    code: 'unexpected',
    message: `unexpected error: ${e?.message ?? String(err)}`,
    detail: null,
    hint: 'run again with --verbose for details',
    exitCode: EXIT.FAILED,
    sql: findSqlDiagnostics(err) ?? null,
  };
}

/** The document for the run: ok when there is no error; the error's result wins over a partial one. */
export function envelope(error: ErrorDoc | undefined, thrown?: unknown): Envelope {
  const errResult = thrown instanceof TenantctlError ? thrown.result : undefined;
  return {
    schemaVersion: SCHEMA_VERSION,
    ok: error === undefined,
    command: run.command,
    result: errResult ?? run.result ?? null,
    error: error ?? null,
  };
}
