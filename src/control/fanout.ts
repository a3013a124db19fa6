import type { Reporter } from '../shared/reporter.js';
import {
  BusyError,
  ConnectionError,
  FailedError,
  InterruptedError,
  PartialError,
  type TenantctlError,
  abortError,
} from '../shared/errors.js';
import { isConnectionLost } from '../pg/connection.js';
import { SQLSTATE, sqlstateOf, isStatementTimeout } from '../pg/sqlstate.js';
import type { Outcome as AuditOutcome } from './audit.js';

export interface FanOutOptions {
  concurrency: number;
  /** Stop starting new items after this many failures (Infinity for all). Running ones finish. */
  maxFailures: number;
  label: string;
  reporter: Reporter;
  /** Once it fires no item starts; items whose work was cancelled end as 'interrupted'. */
  signal?: AbortSignal;
  /**
   * A failure that stops the whole run rather than one item (default: the server went away or
   * refuses connections, see runStopper): no further item starts.
   */
  stopsRun?: (err: unknown) => TenantctlError | undefined;
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
  /** Cut short by what stopped the run (a signal, a lost connection): rolled back, unchanged. */
  | { status: 'interrupted'; error: unknown }
  | { status: 'skipped' };

/** The outcomes in item order, and what stopped the run early, if anything did. */
export type FanOutOutcomes<R> = Outcome<R>[] & { stopped?: TenantctlError };

/** The errors an error was caused by, itself first. */
function* causes(err: unknown): Generator<unknown> {
  for (let e = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++)
    yield e;
}

/**
 * The default run stopper: a connection error (the server went away, refuses connections, or
 * cannot be reached) is the run's problem, not one item's; so is an interruption.
 */
export function runStopper(err: unknown): TenantctlError | undefined {
  for (const e of causes(err)) {
    if (e instanceof InterruptedError) return e;
    if (e instanceof ConnectionError) return e;
  }
  for (const e of causes(err))
    if (isConnectionLost(e))
      return new ConnectionError(
        `lost the connection to the server: ${sqlstateOf(e) ? (e as Error).message : 'the connection closed unexpectedly'}`,
        {
          cause: e,
          code: 'connection-lost',
        },
      );
  return undefined;
}

/** An item's error that is the consequence of the run stopping (cancelled, connection gone). */
export function isInterruption(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e instanceof InterruptedError || e instanceof ConnectionError) return true;
    if (isConnectionLost(e)) return true;
    if (sqlstateOf(e) === SQLSTATE.QUERY_CANCELED && !isStatementTimeout(e)) return true;
  }
  return false;
}

/**
 * The audit outcome of one piece of work that threw: 'interrupted' when it was cut short by a stop
 * (`signal` fired, and the error is its consequence), 'failed' otherwise.
 */
export function failureOutcome(err: unknown, signal?: AbortSignal): 'interrupted' | 'failed' {
  return signal?.aborted && isInterruption(err) ? 'interrupted' : 'failed';
}

/**
 * Bounded parallelism over items in order. `work` receives the worker slot so callers can keep
 * one connection per slot. Never rejects: every item ends as ok, failed, interrupted or skipped.
 */
export async function fanOut<T, R>(
  items: T[],
  opts: FanOutOptions,
  work: (item: T, slot: number) => Promise<R>,
  perTenant?: PerTenant<T, R>,
): Promise<FanOutOutcomes<R>> {
  const results: FanOutOutcomes<R> = items.map((): Outcome<R> => ({ status: 'skipped' }));
  const state = { label: opts.label, total: items.length, done: 0, failed: 0, running: 0 };
  const stopsRun = opts.stopsRun ?? runStopper;
  const stopped = () =>
    results.stopped ?? (opts.signal?.aborted ? abortError(opts.signal) : undefined);
  let next = 0;
  const worker = async (slot: number) => {
    while (next < items.length && state.failed < opts.maxFailures && !stopped()) {
      const i = next++;
      state.running++;
      opts.reporter.progress({ ...state });
      const started = performance.now();
      try {
        results[i] = { status: 'ok', value: await work(items[i], slot) };
      } catch (error) {
        if (!stopped()) results.stopped = stopsRun(error);
        if (stopped() && isInterruption(error)) results[i] = { status: 'interrupted', error };
        else {
          results[i] = { status: 'failed', error };
          state.failed++;
        }
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
  results.stopped ??= stopped();
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
  else if (o.status === 'interrupted')
    reporter.tenant({ slug, status: 'interrupted', durationMs, error: (o.error as Error).message });
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
  /** Tenants never started because the run stopped (too many failures, a signal, a lost server). */
  skipped: number;
  /** Tenants whose work was cut short by what stopped the run, and rolled back. */
  interrupted: number;
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
  const t: Tally = { done: 0, failed: 0, busy: 0, skipped: 0, interrupted: 0 };
  for (const o of outcomes) {
    if (o.status === 'ok') t.done += changed(o.value) ? 1 : 0;
    else if (o.status === 'skipped') t.skipped++;
    else if (o.status === 'interrupted') t.interrupted++;
    else {
      t.failed++;
      if (isBusyFailure(o.error)) t.busy++;
    }
  }
  return t;
}

export interface FanOutWords extends Record<Exclude<Verdict, 'ok'>, string> {
  /** What a done tenant was, for the summary of a stopped run: "migrated", "exported". */
  done?: string;
}

/** "27 migrated, 2 interrupted and rolled back, 171 not started". */
export function stopSummary(t: Tally, done = 'done'): string {
  const parts = [`${t.done} ${done}`];
  if (t.interrupted) parts.push(`${t.interrupted} interrupted and rolled back`);
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.skipped) parts.push(`${t.skipped} not started`);
  return parts.join(', ');
}

/**
 * The error a fan-out ends with, or undefined when it succeeded. The caller words each case;
 * `result` (the per-tenant summary) rides along for --json and the human summary. A run stopped
 * by a signal ends as InterruptedError (exit 130/143); stopped by a lost server, as partial (3)
 * when some tenants were done, failed (1) otherwise.
 */
export function fanOutError(
  t: Tally,
  words: FanOutWords,
  result: unknown,
  stopped?: TenantctlError,
): TenantctlError | undefined {
  if (stopped instanceof InterruptedError) {
    const err = new InterruptedError(
      `${stopped.message}; ${stopSummary(t, words.done)}`,
      stopped.signal,
      { hint: stopped.hint },
    );
    err.result = result;
    return err;
  }
  if (stopped && (t.interrupted || t.skipped || t.failed)) {
    const message = `${stopped.message}; ${stopSummary(t, words.done)}`;
    const opts = { cause: stopped, code: stopped.code, hint: stopped.hint };
    const err = t.done > 0 ? new PartialError(message, opts) : new FailedError(message, opts);
    err.result = result;
    return err;
  }
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

/**
 * The run's audit outcome for a verdict: a run that changed nothing and failed nothing is a no-op;
 * one stopped by a signal is 'interrupted'.
 */
export function auditOutcomeOf(t: Tally, stopped?: TenantctlError): AuditOutcome {
  if (stopped instanceof InterruptedError) return 'interrupted';
  if (stopped && (t.interrupted || t.skipped || t.failed)) return t.done > 0 ? 'partial' : 'failed';
  const verdict = verdictOf(t);
  if (verdict === 'ok') return t.done ? 'ok' : 'noop';
  return verdict === 'partial' ? 'partial' : 'failed';
}
