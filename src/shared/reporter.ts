/**
 * How core code tells the outside world what it is doing without touching the terminal.
 * The CLI supplies one that draws spinners or writes lines; tests and library users get the no-op.
 */
export interface ProgressState {
  label: string;
  total: number;
  done: number;
  failed: number;
  running: number;
}

/** One tenant's result in a fan-out, reported the moment it is known. */
export interface TenantEvent {
  slug: string;
  /** What happened: created, applied, current, exported, adopted... or failed. */
  status: string;
  durationMs: number;
  /** A failure's message. */
  error?: string;
  /** A short note beside a success, e.g. "0 -> 3". */
  detail?: string;
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  progress(state: ProgressState): void;
  /** A tenant of a fan-out is done: lines in a log (or JSON lines) as it happens, not at the end. */
  tenant(event: TenantEvent): void;
  /** The long-running part is over; a spinner can go away. */
  finish(): void;
}

export const silentReporter: Reporter = {
  info() {},
  warn() {},
  debug() {},
  progress() {},
  tenant() {},
  finish() {},
};
