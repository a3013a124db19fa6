/**
 * A signal that fires when any of the given ones does, with that one's reason (AbortSignal.any
 * arrived in Node 20.3; tenantctl supports 20.0).
 */
export function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  const controller = new AbortController();
  for (const s of given) {
    if (s.aborted) {
      controller.abort(s.reason);
      return controller.signal;
    }
  }
  for (const s of given)
    s.addEventListener('abort', () => controller.abort(s.reason), {
      once: true,
      signal: controller.signal,
    });
  return controller.signal;
}

/** Resolves after ms, or at once when the signal fires. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
