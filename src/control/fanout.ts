import type { Reporter } from '../shared/reporter.js';
import { BusyError, FailedError, PartialError, type TenantctlError } from '../shared/errors.js';
import type { Outcome as AuditOutcome } from './audit.js';

export interface FanOutOptions {
  concurrency: number;
  /** Stop starting new items after this many failures (Infinity for all). Running ones finish. */
  maxFailures: number;
  label: string;
  reporter: Reporter;
}

/** How a fan-out over tenants reports each one as it ends (reporter.tenant). */
export interface PerTenant<T, R> {
  slugOf: (item: T) => string;
  /** A success in words (default "ok"). */
  describe?: (value: R) => { status: string; detail?: string };
}

export type Outcome<R> =
  | { status: 'ok'; value: R }
  | { status: 'failed'; error: unknown }
  | { status: 'skipped' };

/**
 * Bounded parallelism over items in order. `work` receives the worker slot so callers can keep
 * one connection per slot. Never rejects: every item ends as ok, failed or skipped.
 */
export async function fanOut<T, R>(
  items: T[],
  opts: FanOutOptions,
  work: (item: T, slot: number) => Promise<R>,
  perTenant?: PerTenant<T, R>,
): Promise<Outcome<R>[]> {
  const results: Outcome<R>[] = items.map(() => ({ status: 'skipped' }));
  const state = { label: opts.label, total: items.length, done: 0, failed: 0, running: 0 };
  let next = 0;
  const worker = async (slot: number) => {
    while (next < items.length && state.failed < opts.maxFailures) {
      const i = next++;
      state.running++;
      opts.reporter.progress({ ...state });
      const started = performance.now();
      try {
        results[i] = { status: 'ok', value: await work(items[i], slot) };
      } catch (error) {
        results[i] = { status: 'failed', error };
        state.failed++;
      }
      if (perTenant)
        report(opts.reporter, perTenant, items[i], results[i], performance.now() - started);
      state.running--;
      state.done++;
      opts.reporter.progress({ ...state });
    }
  };
  const slots = Math.max(1, Math.min(opts.concurrency, items.length));
  await Promise.all(Array.from({ length: slots }, (_, slot) => worker(slot)));
  opts.reporter.finish();
  return results;
}

function report<T, R>(
  reporter: Reporter,
  p: PerTenant<T, R>,
  item: T,
  o: Outcome<R>,
  ms: number,
): void {
  const durationMs = Math.round(ms);
  const slug = p.slugOf(item);
  if (o.status === 'failed')
    reporter.tenant({ slug, status: 'failed', durationMs, error: (o.error as Error).message });
  else if (o.status === 'ok')
    reporter.tenant({ slug, durationMs, ...(p.describe?.(o.value) ?? { status: 'ok' }) });
}

/** How a fan-out ended, by the SPEC's exit codes: 0, 3, 1 or 4. */
export type Verdict = 'ok' | 'partial' | 'failed' | 'busy';

export interface Tally {
  /** Tenants the run changed (created, migrated, exported...). */
  done: number;
  /** Tenants that failed. */
  failed: number;
  /** Of the failures, those that were only a lock held by other work. */
  busy: number;
  /** Tenants never started because the run stopped after too many failures. */
  skipped: number;
}

/**
 * The one rule from per-tenant outcomes to a verdict: nothing failed is ok; failures beside done
 * tenants are partial; failures that were all lock waits, with nothing done, are busy (try again
 * later); other failures with nothing done are failed. Tenants left unstarted follow the failures
 * that stopped the run.
 */
export function verdictOf(t: Tally): Verdict {
  if (t.failed === 0 && t.skipped === 0) return 'ok';
  if (t.done > 0) return 'partial';
  return t.busy === t.failed ? 'busy' : 'failed';
}

/** A failure that only means "locked by other work": BusyError, or an error flagged busy. */
export function isBusyFailure(err: unknown): boolean {
  return err instanceof BusyError || (err as { busy?: unknown } | null)?.busy === true;
}

/** Tally of fanOut outcomes; `changed` says whether an ok outcome changed its tenant. */
export function tally<R>(
  outcomes: Outcome<R>[],
  changed: (value: R) => boolean = () => true,
): Tally {
  const t: Tally = { done: 0, failed: 0, busy: 0, skipped: 0 };
  for (const o of outcomes) {
    if (o.status === 'ok') t.done += changed(o.value) ? 1 : 0;
    else if (o.status === 'skipped') t.skipped++;
    else {
      t.failed++;
      if (isBusyFailure(o.error)) t.busy++;
    }
  }
  return t;
}

/**
 * The error a fan-out ends with, or undefined when it succeeded. The caller words each case;
 * `result` (the per-tenant summary) rides along for --json and the human summary.
 */
export function fanOutError(
  t: Tally,
  words: Record<Exclude<Verdict, 'ok'>, string>,
  result: unknown,
): TenantctlError | undefined {
  const verdict = verdictOf(t);
  if (verdict === 'ok') return undefined;
  const err =
    verdict === 'busy'
      ? new BusyError(words.busy, { code: 'lock-busy' })
      : verdict === 'partial'
        ? new PartialError(words.partial)
        : new FailedError(words.failed);
  err.result = result;
  return err;
}

/** The run's audit outcome for a verdict: a run that changed nothing and failed nothing is a no-op. */
export function auditOutcomeOf(t: Tally): AuditOutcome {
  const verdict = verdictOf(t);
  if (verdict === 'ok') return t.done ? 'ok' : 'noop';
  return verdict === 'partial' ? 'partial' : 'failed';
}
