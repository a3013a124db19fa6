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

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  progress(state: ProgressState): void;
  /** The long-running part is over; a spinner can go away. */
  finish(): void;
}

export const silentReporter: Reporter = {
  info() {},
  warn() {},
  debug() {},
  progress() {},
  finish() {},
};
