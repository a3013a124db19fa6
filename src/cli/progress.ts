import type { Reporter, ProgressState, TenantEvent } from '../shared/reporter.js';
import type { Output } from './output.js';
import { formatDuration } from '../shared/duration.js';
import { currentCommand } from './envelope.js';

const LINE_EVERY_MS = 5000;

function describe(s: ProgressState, startedAt: number): string {
  const elapsed = (Date.now() - startedAt) / 1000;
  const rate = elapsed > 0 ? s.done / elapsed : 0;
  const eta = rate > 0 ? formatDuration(((s.total - s.done) / rate) * 1000) : '?';
  return `${s.label} ${s.done}/${s.total} done, ${s.failed} failed, ${s.running} running, ${rate.toFixed(1)}/s, ETA ${eta}`;
}

/** `migrate acme: applied 0 -> 3 (120ms)`, `export globex: failed: ...`: one line, one tenant. */
export function tenantLine(command: string, e: TenantEvent): string {
  const what =
    e.status === 'failed' || e.status === 'interrupted'
      ? `${e.status}${e.detail ? ` (${e.detail})` : ''}: ${(e.error ?? '').split('\n')[0]}`
      : `${e.status}${e.detail ? ` ${e.detail}` : ''}`;
  return `${command} ${e.slug}: ${what} (${formatDuration(e.durationMs)})`;
}

/**
 * A spinner with live counts in a terminal; without one, a plain line every few seconds so cron
 * and CI logs show a long run is alive; nothing at all with --quiet. Each tenant's result is a
 * line as it happens without a terminal (so a killed CI job still leaves a record of what was
 * done), or a JSON line on stdout with --ndjson; a terminal gets the summary at the end instead.
 */
export async function makeReporter(out: Output): Promise<Reporter> {
  let startedAt = Date.now();
  let last: ProgressState | undefined;
  let lastLine = 0;
  type Spinner = { text: string; start(): Spinner; stop(): Spinner; isSpinning: boolean };
  let spinner: Spinner | undefined;
  const oraMod = out.interactive && !out.quiet ? (await import('ora')).default : undefined;
  return {
    info: (m) => {
      if (spinner?.isSpinning) spinner.stop();
      out.info(m);
    },
    warn: (m) => {
      if (spinner?.isSpinning) spinner.stop();
      out.warn(m);
    },
    debug: (m) => out.debug(m),
    progress(s) {
      if (!last) startedAt = lastLine = Date.now();
      last = s;
      if (out.quiet) return;
      if (oraMod) {
        spinner ??= oraMod({
          stream: process.stderr,
          text: describe(s, startedAt),
          // ora's default puts the terminal in raw mode to swallow keystrokes, and Ctrl-C with it:
          // the terminal must keep turning Ctrl-C into SIGINT while a spinner runs.
          discardStdin: false,
        }) as unknown as Spinner;
        spinner.text = describe(s, startedAt);
        if (!spinner.isSpinning) spinner.start();
      } else if (Date.now() - lastLine >= LINE_EVERY_MS && s.done > 0) {
        lastLine = Date.now();
        out.info(describe(s, startedAt));
      }
    },
    tenant(e) {
      if (out.ndjson) {
        out.line({
          type: 'tenant',
          command: currentCommand(),
          slug: e.slug,
          status: e.status,
          detail: e.detail ?? null,
          durationMs: e.durationMs,
          error: e.error ?? null,
        });
        return;
      }
      if (!out.quiet && !oraMod) out.info(tenantLine(currentCommand(), e));
    },
    finish() {
      spinner?.stop();
      spinner = undefined;
      if (last && !out.quiet && !oraMod && Date.now() - startedAt >= LINE_EVERY_MS)
        out.info(describe(last, startedAt));
      last = undefined;
      lastLine = 0;
    },
  };
}
