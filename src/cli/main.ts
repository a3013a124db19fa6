import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, TenantctlError, CheckFailedError } from '../shared/errors.js';
import { Output } from './output.js';
import { hintFor } from './hints.js';
import { interruptedBy, exitCodeFor } from './signals.js';

/**
 * The reader of our output went away (`tenantctl list --json | head -c 10`): nothing more can be
 * said to it, and nothing went wrong here, so end quietly with 0, as `cat` does.
 */
function quietOnClosedPipes(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK);
    throw err;
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/**
 * The one place errors become a message and an exit code. Expected failures are one line (plus a
 * hint); anything else is "unexpected" with the stack only under --verbose.
 */
export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipes();
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
  // A signal came but the command finished anyway: its result stands, the exit says it was signalled.
  const sig = interruptedBy();
  if (sig && code === EXIT.OK) code = exitCodeFor(sig);
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
  if (err instanceof TenantctlError) {
    const hint = hintFor(err);
    out.error(err.message, hint);
    if (verbose && err.cause instanceof Error) process.stderr.write(`${err.cause.stack}\n`);
    if (json) {
      const error = { message: err.message, code: err.code, hint, exitCode: err.exitCode };
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
  );
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`);
  if (json)
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: { message: e?.message ?? String(err), exitCode: EXIT.FAILED } })}\n`,
    );
  return EXIT.FAILED;
}
