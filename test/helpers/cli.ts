import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bin',
  'tenantctl',
);

export interface CliResult {
  code: number | null;
  /** The signal that ended it (SIGKILL for a crash test), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The whole JSON envelope on stdout (schemaVersion, ok, command, result, error). */
  json<T = any>(): T;
  /** The envelope's result: the command's data. */
  result<T = any>(): T;
}

/**
 * Runs the built CLI as a subprocess with pipes (no TTY). The environment is scrubbed of
 * connection variables so each test says exactly where to connect.
 */
export function runCli(
  args: string[],
  opts: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    timeoutMs?: number;
    /** Written to the child's stdin (closed after); stdin is /dev/null otherwise. */
    input?: string;
  } = {},
): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/**
 * Like runCli, but returns at once with the child (to signal it, or to wait for something on the
 * server first) and `done`, which resolves when it has exited.
 */
export function spawnCli(
  args: string[],
  opts: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    timeoutMs?: number;
    /** Written to the child's stdin (closed after); stdin is /dev/null otherwise. */
    input?: string;
  } = {},
): { child: ChildProcess; done: Promise<CliResult>; stderr: () => string } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(PG|DATABASE_URL|TENANTCTL_|NO_COLOR|FORCE_COLOR)/.test(k))
      env[k] = v;
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    cwd: opts.cwd ?? process.cwd(),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  let stderrSoFar = '';
  child.stderr!.on('data', (d) => (stderrSoFar += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json() {
          return JSON.parse(stdout);
        },
        result() {
          return JSON.parse(stdout).result;
        },
      });
    });
  });
  return { child, done, stderr: () => stderrSoFar };
}

export const BIN_PATH = BIN;
