import { spawn } from 'node:child_process';
import { BIN_PATH } from './cli.js';

/**
 * The built CLI in a pseudo-terminal, driven like a person at a keyboard: `script` (util-linux,
 * on every Debian/Ubuntu CI image; no native module to build) gives it a terminal on stdin,
 * stdout and stderr, forwards what we write as keystrokes, and with -e exits with its status
 * (128 + n when a signal ended it, as a shell reports it).
 */
export interface Terminal {
  /** Everything the terminal showed so far (stdout and stderr together), escape codes removed. */
  output(): string;
  /** Keystrokes: "acme\r" types and presses Enter, "\x03" is Ctrl-C. */
  type(keys: string): void;
  /** Resolves when the output matches, rejects after timeoutMs with what was shown. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; output: string; ms: number }>;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runInTerminal(args: string[], env: Record<string, string | undefined>): Terminal {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // CI too: ora (through is-interactive) draws no spinner when CI is set, and the spinner's
    // terminal handling is what these tests are about.
    if (v !== undefined && !/^(PG|DATABASE_URL|TENANTCTL_|NO_COLOR|FORCE_COLOR|CI$)/.test(k))
      childEnv[k] = v;
  }
  for (const [k, v] of Object.entries({ TERM: 'xterm-256color', COLUMNS: '120', ...env }))
    if (v !== undefined) childEnv[k] = v;
  // A wide terminal, so prompts are not wrapped mid-word.
  const cmdline = `stty cols 200 rows 50; exec ${[process.execPath, BIN_PATH, ...args].map(shq).join(' ')}`;
  const child = spawn('script', ['-qfec', cmdline, '/dev/null'], {
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what this removes
  const plain = () => raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  let out = '';
  const started = Date.now();
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => {
    raw += d;
    out = plain();
    for (const w of waiters.filter((x) => x.re.test(out))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stderr.on('data', (d) => {
    raw += d;
    out = plain();
  });
  const exited = new Promise<{ code: number | null; output: string; ms: number }>((resolve) =>
    child.on('close', (code) => resolve({ code, output: out, ms: Date.now() - started })),
  );
  return {
    output: () => out,
    type: (keys) => child.stdin.write(keys),
    waitFor(re, timeoutMs = 30_000) {
      if (re.test(out)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(`timed out waiting for ${re}; the terminal ends with:\n${out.slice(-800)}`),
          );
        }, timeoutMs);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    exited,
  };
}
