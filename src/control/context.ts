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
}

export function makeCtx(
  db: Database,
  settings: Settings,
  reporter: Reporter = silentReporter,
): Ctx {
  return { db, settings, control: new Control(settings.controlSchema), reporter };
}
