import type { ChalkInstance } from 'chalk';
import type { SqlDiagnostics } from '../shared/errors.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

type Paint = (s: string) => string;
const plain: Paint = (s) => s;

/**
 * Where everything the user sees goes. With --json exactly one JSON document reaches stdout and
 * everything human goes to stderr; without it results go to stdout and messages to stderr.
 */
export class Output {
  readonly json: boolean;
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
    this.json = opts.json;
    this.quiet = opts.quiet;
    this.verbose = opts.verbose;
    this.interactive = !opts.json && Boolean(process.stdin.isTTY && stderr.isTTY);
    // Results on stdout are painted with the same palette, so both ends must be terminals:
    // `tenantctl list > file` from a terminal must not write escape codes into the file.
    this.colorOn =
      opts.color && !process.env.NO_COLOR && Boolean(stderr.isTTY && stdout.isTTY) && !opts.json;
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

  /** One line, then indented detail lines (PostgreSQL's DETAIL, HINT...), then tenantctl's hint. */
  error(message: string, hint?: string, details: string[] = []): void {
    this.stderr.write(`${this.c.red('tenantctl:')} ${message}\n`);
    for (const d of details) this.stderr.write(`${d}\n`);
    if (hint) this.stderr.write(`${this.c.dim(`hint: ${hint}`)}\n`);
  }

  /** The command's result: JSON on stdout, or the human rendering on stdout. */
  result(data: unknown, human: () => string | string[]): void {
    if (this.json) {
      if (this.wroteResult) return;
      this.wroteResult = true;
      this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
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
