import { sqlstateOf } from './sqlstate.js';

/** Line and column (1-based) of a character offset (1-based, as PostgreSQL reports it). */
export function lineCol(text: string, position: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, position - 1));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/**
 * "02_users.sql line 14 col 3: relation "x" does not exist (42P01)". PostgreSQL's error position
 * is an offset into the query text we sent, which is the file's text as is.
 */
export function describeSqlError(err: unknown, text: string, label: string): string {
  const e = err as {
    message?: string;
    position?: string;
    internalPosition?: string;
    where?: string;
  };
  const code = sqlstateOf(err);
  let where = label;
  if (e.position) {
    const { line, col } = lineCol(text, Number(e.position));
    where += ` line ${line} col ${col}`;
  } else {
    const stmt = statementLineFromContext(e.where);
    if (stmt) where += ` (${stmt})`;
  }
  return `${where}: ${e.message ?? String(err)}${code ? ` (${code})` : ''}`;
}

/** For errors raised inside functions/triggers PostgreSQL gives no position, only a context line. */
function statementLineFromContext(where: string | undefined): string | undefined {
  if (!where) return undefined;
  const first = where.split('\n')[0];
  return first.length > 120 ? `${first.slice(0, 117)}...` : first;
}

/** An error in a tenant's SQL (template or migration) with the file and position already in the message. */
export class SqlFileError extends Error {
  /** PostgreSQL's SQLSTATE, under the same name pg uses, so isLockTimeout() and friends see it. */
  readonly code?: string;
  constructor(err: unknown, text: string, label: string) {
    super(describeSqlError(err, text, label), { cause: err });
    this.name = 'SqlFileError';
    this.code = sqlstateOf(err);
  }
}
