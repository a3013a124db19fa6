import type { Database } from '../db/pool.js';
import type { Settings } from './config.js';
import type { Reporter } from './reporter.js';
import { silentReporter } from './reporter.js';
import { Control } from '../db/control.js';

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
