import type { Reporter } from '../shared/reporter.js';

export interface FanOutOptions {
  concurrency: number;
  /** Stop starting new items after this many failures (Infinity for all). Running ones finish. */
  maxFailures: number;
  label: string;
  reporter: Reporter;
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
): Promise<Outcome<R>[]> {
  const results: Outcome<R>[] = items.map(() => ({ status: 'skipped' }));
  const state = { label: opts.label, total: items.length, done: 0, failed: 0, running: 0 };
  let next = 0;
  const worker = async (slot: number) => {
    while (next < items.length && state.failed < opts.maxFailures) {
      const i = next++;
      state.running++;
      opts.reporter.progress({ ...state });
      try {
        results[i] = { status: 'ok', value: await work(items[i], slot) };
      } catch (error) {
        results[i] = { status: 'failed', error };
        state.failed++;
      }
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
