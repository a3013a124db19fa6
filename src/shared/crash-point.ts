/**
 * A test hook for crash safety: with TENANTCTL_TEST_CRASH_AT=<step> the process kills itself
 * (SIGKILL: no cleanup, no finally, exactly like `kill -9`) when it reaches that step, so tests
 * can prove that a crash between any two steps of a multi-database operation leaves a state the
 * next command resolves. Steps are named where they are called (e.g. "create:after-intent").
 */
export function crashPoint(step: string): void {
  if (process.env.TENANTCTL_TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
