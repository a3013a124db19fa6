import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, InterruptedError, TenantctlError } from '../shared/errors.js';
import { Output, type ColorWhen } from './output.js';
import { describeError, envelope, setResult, setCommand, type ErrorDoc } from './envelope.js';
import { offlineVersions } from './version.js';
import { interruptedBy } from './signals.js';

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

/** The flags main needs before commander has parsed anything (to report commander's own errors). */
function earlyFlags(argv: string[]) {
  let color: ColorWhen | undefined;
  argv.forEach((a, i) => {
    if (a === '--no-color') color = 'never';
    else if (a.startsWith('--color=')) color = a.slice(8) as ColorWhen;
    else if (a === '--color') color = argv[i + 1] as ColorWhen;
  });
  return {
    json: argv.includes('--json') || argv.includes('--ndjson'),
    ndjson: argv.includes('--ndjson'),
    verbose: argv.includes('-v') || argv.includes('--verbose'),
    color: color && ['always', 'never', 'auto'].includes(color) ? color : undefined,
  };
}

/**
 * The one place errors become a message, an exit code and the JSON envelope (envelope.ts).
 * Expected failures are one line (plus detail and a hint); anything else is "unexpected", with the
 * stack only under --verbose. With --json exactly one document reaches stdout, also for --help,
 * --version and commander's own usage errors.
 */
export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipes();
  const flags = earlyFlags(argv);
  const out = new Output({ ...flags, quiet: false });
  await out.setup();
  // With --json, help and version text become the envelope's result instead of stdout text.
  let captured = '';
  const program = buildProgram({
    writeOut: flags.json ? (s) => (captured += s) : (s) => process.stdout.write(s),
  });
  let code: number = EXIT.OK;
  let error: ErrorDoc | undefined;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    error = describeError(err);
    if (error) {
      code = error.exitCode;
      reportHuman(err, error, out, flags.verbose);
    } else if (flags.json) {
      noteHelpOrVersion(err as CommanderError, captured);
    }
    if (flags.json) writeEnvelope(envelope(error, err), flags.ndjson);
    process.exitCode = code;
    return;
  }
  // A signal came but the command finished anyway: its result stands, the exit (and the
  // envelope's error) say it was signalled.
  const sig = interruptedBy();
  if (sig) {
    const late = new InterruptedError(
      `${sig} arrived as the command finished; its result stands`,
      sig,
      { hint: '' },
    );
    error = describeError(late)!;
    code = error.exitCode;
    reportHuman(late, error, out, false);
    if (flags.json) writeEnvelope(envelope(error, late), flags.ndjson);
    process.exitCode = code;
    return;
  }
  if (flags.json) writeEnvelope(envelope(undefined), flags.ndjson);
  process.exitCode = code;
}

function writeEnvelope(doc: unknown, compact: boolean): void {
  process.stdout.write(`${compact ? JSON.stringify(doc) : JSON.stringify(doc, null, 2)}\n`);
}

/** --help and --version under --json: their text (or the versions) is the result. */
function noteHelpOrVersion(err: CommanderError, text: string): void {
  if (err.code === 'commander.version') {
    setCommand('version');
    setResult(offlineVersions());
  } else {
    setResult({ help: text });
  }
}

function reportHuman(err: unknown, doc: ErrorDoc, out: Output, verbose: boolean): void {
  // commander has already printed its one-line message (see program.ts outputError)
  if (err instanceof CommanderError) return;
  out.error(doc.message, doc.detail, doc.hint, doc.sql);
  if (!verbose) return;
  const cause = err instanceof TenantctlError ? err.cause : err;
  if (cause instanceof Error && cause.stack) process.stderr.write(`${cause.stack}\n`);
}
