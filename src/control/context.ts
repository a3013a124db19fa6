import type { Database } from '../pg/pool.js';
import type { Settings } from '../shared/config.js';
import type { Reporter } from '../shared/reporter.js';
import { silentReporter } from '../shared/reporter.js';
import { Control } from './control.js';

/** What every core operation needs: where, how configured, and whom to tell. */
export interface Ctx {
  db: Database;
  settings: Settings;
  control: Control;
  reporter: Reporter;
  /**
   * Fired to stop (SIGINT/SIGTERM in the CLI, or a library caller's AbortController): fan-outs
   * start no further tenant, statements running at that moment are cancelled on the server (the
   * Database listens to the same signal), transactions roll back rather than commit, and the
   * command ends with InterruptedError once everything is rolled back and recorded.
   */
  signal?: AbortSignal;
}

export function makeCtx(
  db: Database,
  settings: Settings,
  reporter: Reporter = silentReporter,
  signal?: AbortSignal,
): Ctx {
  return { db, settings, control: new Control(settings.controlSchema), reporter, signal };
}
