import type { SqlDiagnostics } from '../shared/errors.js';
import { sqlstateOf, sqlstateName } from './sqlstate.js';
import { splitStatements, type Statement } from './split.js';

/** Line and column (1-based) of a character offset (1-based, as PostgreSQL reports it). */
export function lineCol(text: string, position: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, position - 1));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/** The fields of an ErrorResponse as node-postgres exposes them. */
interface PgErrorFields {
  message?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

/** A PostgreSQL error (node-postgres DatabaseError or the like): it has a severity and a SQLSTATE. */
function isServerError(err: unknown): err is Error & PgErrorFields {
  return !!err && typeof err === 'object' && !!sqlstateOf(err) && 'severity' in err;
}

/** Where the SQL came from, to turn PostgreSQL's character position into file, line and column. */
export interface SqlSource {
  /** The file (or archive member) holding the SQL, as shown to the user. */
  file?: string;
  /** The whole file's text. */
  text: string;
  /** The statement that was sent alone, when the file was run statement by statement. */
  statement?: Pick<Statement, 'sql' | 'offset'>;
}

const firstLine = (s: string) => {
  const line = s.split('\n')[0].trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
};

/**
 * Everything PostgreSQL said, as fields: message, DETAIL, HINT, CONTEXT, SQLSTATE and its name,
 * and, with the source, file, line and column and the failing statement's first line. The
 * position PostgreSQL reports is an offset into the text sent: the whole file, or one statement
 * of it (then shifted by that statement's offset).
 */
export function sqlDiagnostics(err: unknown, src?: SqlSource): SqlDiagnostics {
  const e = (err ?? {}) as PgErrorFields;
  const sqlstate = sqlstateOf(err);
  const d: SqlDiagnostics = { message: e.message ?? String(err) };
  if (sqlstate) {
    d.sqlstate = sqlstate;
    d.sqlstateName = sqlstateName(sqlstate);
  }
  if (e.detail) d.detail = e.detail;
  if (e.hint) d.hint = e.hint;
  if (e.where) d.context = e.where;
  if (!src) return d;
  if (src.file) d.file = src.file;
  const base = src.statement?.offset ?? 0;
  const position = Number(e.position);
  if (e.position && Number.isFinite(position) && position > 0) {
    const at = lineCol(src.text, base + position);
    d.line = at.line;
    d.col = at.col;
    const st =
      src.statement ??
      splitStatements(src.text).find(
        (s) => s.offset <= base + position - 1 && base + position - 1 <= s.offset + s.sql.length,
      );
    if (st) d.statement = firstLine(st.sql);
  } else if (src.statement) {
    d.line = lineCol(src.text, base + 1).line;
    d.statement = firstLine(src.statement.sql);
  }
  return d;
}

/** "file line 3 col 5: message (23503 foreign_key_violation)", the one line an error starts with. */
export function sqlErrorLine(label: string, d: SqlDiagnostics): string {
  const where =
    d.line === undefined ? '' : ` line ${d.line}${d.col === undefined ? '' : ` col ${d.col}`}`;
  const code = d.sqlstate ? ` (${[d.sqlstate, d.sqlstateName].filter(Boolean).join(' ')})` : '';
  return `${label}${where}: ${d.message}${code}`;
}

/** Kept for callers that want the one line only. */
export function describeSqlError(err: unknown, text: string, label: string): string {
  return sqlErrorLine(label, sqlDiagnostics(err, { text }));
}

/**
 * PostgreSQL's account of an error, found on it or on what it wraps: the diagnostics an error
 * carries (SqlFileError, TenantctlError.sql), or those of a server error met along the chain.
 */
export function findSqlDiagnostics(err: unknown): SqlDiagnostics | undefined {
  for (let e = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const own = (e as { sql?: SqlDiagnostics }).sql;
    if (own && typeof own === 'object') return own;
    if (isServerError(e)) return sqlDiagnostics(e);
  }
  return undefined;
}

export interface SqlFileErrorSource extends SqlSource {
  /** How the message names the SQL, e.g. "migration 2_users.sql" or "template basic/01_tables.sql". */
  label: string;
}

/**
 * An error in the user's SQL (template, migration, archive) with file and position in the
 * message, and everything PostgreSQL said in `sql`.
 */
export class SqlFileError extends Error {
  /** PostgreSQL's SQLSTATE, under the same name pg uses, so isLockTimeout() and friends see it. */
  readonly code?: string;
  readonly sql: SqlDiagnostics;
  constructor(err: unknown, src: SqlFileErrorSource) {
    const sql = sqlDiagnostics(err, src);
    super(sqlErrorLine(src.label, sql), { cause: err });
    this.name = 'SqlFileError';
    this.code = sqlstateOf(err);
    this.sql = sql;
  }
}
