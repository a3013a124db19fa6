import { EXIT, InterruptedError, TenantctlError, type SignalName } from '../shared/errors.js';

/**
 * SIGINT and SIGTERM while a command runs. The first one aborts the command's signal: the core
 * starts no further tenant, the Database cancels the statements running on the server, work rolls
 * back, and the command ends with its summary, its audit record closed and exit 130/143. A second
 * one exits at once.
 */
export interface Interrupts {
  signal: AbortSignal;
  /** An error thrown after the first signal, as the interruption it is (the result kept). */
  explain(err: unknown): unknown;
  dispose(): void;
}

let received: SignalName | undefined;

/** The signal that interrupted this process's command, if one did: main() exits with its code. */
export function interruptedBy(): SignalName | undefined {
  return received;
}

export function exitCodeFor(sig: SignalName): number {
  return sig === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
}

export function watchSignals(say: (message: string) => void): Interrupts {
  const controller = new AbortController();
  const handlers = new Map<SignalName, () => void>();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      if (controller.signal.aborted) {
        process.stderr.write(
          `\ntenantctl: second ${sig}: exiting at once (statements already cancelled roll back on the server; temporary archive files may remain, export --all removes them)\n`,
        );
        process.exit(exitCodeFor(sig));
      }
      received = sig;
      say(
        `${sig === 'SIGINT' ? 'interrupted' : 'terminated'} (${sig}): starting no further tenant, cancelling running statements and waiting for them to roll back; ${sig === 'SIGINT' ? 'press Ctrl-C' : 'send it'} again to exit at once`,
      );
      controller.abort(
        new InterruptedError(`${sig === 'SIGINT' ? 'interrupted' : 'terminated'} by ${sig}`, sig),
      );
    };
    handlers.set(sig, handler);
    process.on(sig, handler);
  }
  return {
    signal: controller.signal,
    explain(err) {
      if (!controller.signal.aborted || err instanceof InterruptedError) return err;
      const reason = controller.signal.reason as InterruptedError;
      const detail = err instanceof Error ? err.message : String(err);
      const wrapped = new InterruptedError(`${reason.message} (${detail})`, reason.signal, {
        cause: err,
      });
      if (err instanceof TenantctlError) wrapped.result = err.result;
      return wrapped;
    },
    dispose() {
      for (const [sig, handler] of handlers) process.off(sig, handler);
    },
  };
}
