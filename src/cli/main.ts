import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, TenantctlError, CheckFailedError } from '../shared/errors.js';
import { Output } from './output.js';
import { hintFor } from './hints.js';
import { sqlErrorLines } from './output.js';
import { findSqlDiagnostics } from '../pg/sql-error.js';

/**
 * The one place errors become a message and an exit code. Expected failures are one line (plus a
 * hint); anything else is "unexpected" with the stack only under --verbose.
 */
export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const out = new Output({ json, quiet: false, verbose, color: !argv.includes('--no-color') });
  const program = buildProgram();
  let code: number = EXIT.OK;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    code = report(err, out, json, verbose);
  }
  process.exitCode = code;
}

function report(err: unknown, out: Output, json: boolean, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return EXIT.OK; // --help, --version
    // commander already printed its one-line message
    if (json)
      process.stdout.write(
        `${JSON.stringify({ ok: false, error: { message: err.message.replace(/^error: /, ''), exitCode: EXIT.USAGE } })}\n`,
      );
    return EXIT.USAGE;
  }
  // PostgreSQL's DETAIL, HINT, SQLSTATE, file and line, when the user's SQL failed
  const sql = findSqlDiagnostics(err);
  if (err instanceof TenantctlError) {
    const hint = hintFor(err);
    out.error(err.message, hint, sqlErrorLines(sql));
    if (verbose && err.cause instanceof Error) process.stderr.write(`${err.cause.stack}\n`);
    if (json) {
      const error = { message: err.message, code: err.code, hint, exitCode: err.exitCode, sql };
      const doc =
        err instanceof CheckFailedError
          ? { ...(err.result as object), error }
          : { ok: false, error, result: err.result };
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    }
    return err.exitCode;
  }
  const e = err as Error;
  out.error(
    `unexpected error: ${e?.message ?? String(err)}`,
    verbose ? undefined : 'run again with --verbose for details',
    sqlErrorLines(sql),
  );
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`);
  if (json)
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: { message: e?.message ?? String(err), exitCode: EXIT.FAILED, sql } })}\n`,
    );
  return EXIT.FAILED;
}
