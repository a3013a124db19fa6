import type { ChalkInstance } from 'chalk';
import type { SqlDiagnostics } from '../shared/errors.js';
import { setResult } from './envelope.js';

/** --color: always, never, or auto (a terminal on both ends); undefined when not given. */
export type ColorWhen = 'always' | 'never' | 'auto';

export interface OutputOptions {
  /** One JSON document on stdout (true as well for --ndjson, whose last line it is). */
  json: boolean;
  /** Per-tenant results as JSON lines on stdout while a fan-out runs. */
  ndjson?: boolean;
  quiet: boolean;
  verbose: boolean;
  /** --color / --no-color as given; undefined leaves it to FORCE_COLOR, NO_COLOR and the terminal. */
  color?: ColorWhen;
}

/**
 * Whether to paint: an explicit --color/--no-color wins; then FORCE_COLOR (as Node and chalk read
 * it: "0" or "false" is never, anything else always), then NO_COLOR (no-color.org: set and not
 * empty), then auto. Auto needs a terminal on both ends: results on stdout are painted with the same
 * palette, and `tenantctl list > file` from a terminal must not write escape codes into the file.
 */
export function colorEnabled(
  when: ColorWhen | undefined,
  env: NodeJS.ProcessEnv,
  terminals: boolean,
): boolean {
  if (when === 'always') return true;
  if (when === 'never') return false;
  if (when === undefined && env.FORCE_COLOR !== undefined)
    return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (when === undefined && env.NO_COLOR) return false;
  return terminals;
}

type Paint = (s: string) => string;
const plain: Paint = (s) => s;

/**
 * Where everything the user sees goes. With --json exactly one JSON document reaches stdout and
 * everything human goes to stderr; without it results go to stdout and messages to stderr.
 */
export class Output {
  readonly json: boolean;
  readonly ndjson: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Prompts, spinners and live progress: only with a terminal on both ends and no --json. */
  readonly interactive: boolean;
  readonly colorOn: boolean;
  private chalk?: ChalkInstance;
  private wroteResult = false;

  constructor(
    opts: OutputOptions,
    private readonly stdout = process.stdout,
    private readonly stderr = process.stderr,
  ) {
    this.ndjson = !!opts.ndjson;
    this.json = opts.json || this.ndjson;
    this.quiet = opts.quiet;
    this.verbose = opts.verbose;
    this.interactive = !this.json && Boolean(process.stdin.isTTY && stderr.isTTY);
    // With --json only stderr carries text, so a terminal there is enough for auto.
    this.colorOn = colorEnabled(
      opts.color,
      process.env,
      Boolean(stderr.isTTY && (this.json || stdout.isTTY)),
    );
  }

  /** Loads chalk only when colour will actually be used. */
  async setup(): Promise<void> {
    if (this.colorOn) {
      const { Chalk } = await import('chalk');
      this.chalk = new Chalk({ level: 1 });
    }
  }

  get c(): { bold: Paint; dim: Paint; red: Paint; green: Paint; yellow: Paint; cyan: Paint } {
    const k = this.chalk;
    return k
      ? { bold: k.bold, dim: k.dim, red: k.red, green: k.green, yellow: k.yellow, cyan: k.cyan }
      : { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  }

  info(message: string): void {
    if (!this.quiet) this.stderr.write(`${message}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`${this.c.yellow('warning:')} ${message}\n`);
  }

  debug(message: string): void {
    if (this.verbose) this.stderr.write(`${this.c.dim(message)}\n`);
  }

  /**
   * An error: one line, then what PostgreSQL said (statement, DETAIL, HINT, CONTEXT) and the
   * error's own detail, indented, then tenantctl's hint.
   */
  error(
    message: string,
    detail?: string | null,
    hint?: string | null,
    sql?: SqlDiagnostics | null,
  ): void {
    this.stderr.write(`${this.c.red('tenantctl:')} ${message}\n`);
    for (const line of sqlErrorLines(sql ?? undefined)) this.stderr.write(`${line}\n`);
    if (detail) this.stderr.write(`${detail.replace(/^/gm, '  ')}\n`);
    if (hint) this.stderr.write(`${this.c.dim(`hint: ${hint}`)}\n`);
  }

  /** One JSON line on stdout (--ndjson): a per-tenant result as it happens. */
  line(doc: unknown): void {
    if (this.ndjson) this.stdout.write(`${JSON.stringify(doc)}\n`);
  }

  /**
   * The command's result: kept for the JSON envelope (main prints it once the command is over),
   * or the human rendering on stdout.
   */
  result(data: unknown, human: () => string | string[]): void {
    if (this.json) {
      if (this.wroteResult) return;
      this.wroteResult = true;
      setResult(data);
      return;
    }
    const text = human();
    const lines = Array.isArray(text) ? text.join('\n') : text;
    if (lines.length) this.stdout.write(`${lines}\n`);
  }
}

/**
 * What PostgreSQL said beyond the one-line message, psql-style, indented under it: the failing
 * statement's first line, DETAIL, HINT and CONTEXT (each may span lines).
 */
export function sqlErrorLines(d: SqlDiagnostics | undefined, indent = '  '): string[] {
  if (!d) return [];
  const out: string[] = [];
  const add = (label: string, text: string | undefined) => {
    if (!text) return;
    const [first, ...rest] = text.split('\n');
    out.push(`${indent}${label}: ${first}`, ...rest.map((l) => `${indent}  ${l}`));
  };
  add('statement', d.statement);
  add('DETAIL', d.detail);
  add('HINT', d.hint);
  add('CONTEXT', d.context);
  return out;
}

/** Left-aligned text table; colour codes do not count toward widths. */
export function table(headers: string[], rows: string[][]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern looks for
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = headers.map((h, i) =>
    Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visible(cell)),
      )
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export { formatTime } from '../shared/duration.js';

/** "1 migration", "3 migrations". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
