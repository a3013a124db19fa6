import type { Command } from 'commander';
import { withSession } from '../session.js';
import { examples } from '../help.js';
import { FailedError } from '../../shared/errors.js';

/** `dev status` and `dev url` agree: not running is exit 1, so `tenantctl dev status && ...` works. */
function notRunning(dataDir: string | undefined | null): FailedError {
  return new FailedError(
    `the dev database is not running${dataDir ? ` (data in ${dataDir})` : ''}`,
    { code: 'dev-not-running' },
  );
}

export function register(program: Command): void {
  const dev = program
    .command('dev')
    .description('a local embedded PostgreSQL for trying tenantctl and for tests');
  examples(dev, [
    { cmd: 'tenantctl dev up', does: 'start it (first time: initialise it)' },
    {
      cmd: 'export DATABASE_URL=$(tenantctl dev url)',
      does: 'point this shell (and psql) at it',
    },
    { cmd: 'tenantctl dev down --destroy', does: 'stop it and delete its data' },
  ]);
  const up = dev
    .command('up')
    .description('start the dev database (initialised on first use; data persists)')
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devUp } = await import('../../dev/dev.js');
        if (!s.out.json) s.out.info('starting the dev database...');
        const r = await devUp();
        s.out.result(r, () => [
          `${r.started ? 'started' : 'already running'}: ${r.url}`,
          s.out.c.dim(`data: ${r.dataDir}`),
        ]);
      }),
    );
  examples(up, [
    {
      cmd: 'tenantctl dev up',
      does: 'start it; tenantctl commands use it when nothing else is set',
    },
    { cmd: 'tenantctl dev up --json | jq -r .result.url', does: 'its URL for a script' },
  ]);
  const down = dev
    .command('down')
    .description('stop the dev database')
    .option('--destroy', 'also delete its data')
    .action(async (opts: { destroy?: boolean }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devDown } = await import('../../dev/dev.js');
        const r = await devDown(undefined, { destroy: opts.destroy });
        s.out.result(
          r,
          () => (r.stopped ? 'stopped' : 'not running') + (r.destroyed ? '; data deleted' : ''),
        );
      }),
    );
  examples(down, [
    { cmd: 'tenantctl dev down', does: 'stop it; the data stays for next time' },
    { cmd: 'tenantctl dev down --destroy', does: 'stop it and delete the data' },
  ]);
  const status = dev
    .command('status')
    .description('is the dev database running, where; exit 1 when it is not')
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devStatus } = await import('../../dev/dev.js');
        const r = devStatus();
        if (!r.running) {
          const err = notRunning(r.dataDir);
          err.result = r;
          throw err;
        }
        s.out.result(r, () => `running: ${r.url} (data ${r.dataDir})`);
      }),
    );
  examples(status, [
    { cmd: 'tenantctl dev status', does: 'running, with its URL and data directory, or exit 1' },
    {
      cmd: 'tenantctl dev status >/dev/null 2>&1 || tenantctl dev up',
      does: 'start it only when it is down',
    },
  ]);
  const url = dev
    .command('url')
    .description(
      'print the dev database URL (for DATABASE_URL=$(tenantctl dev url)); exit 1 when it is not running',
    )
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devStatus } = await import('../../dev/dev.js');
        const r = devStatus();
        if (!r.running) throw notRunning(r.dataDir);
        s.out.result({ url: r.url }, () => r.url!);
      }),
    );
  examples(url, [
    { cmd: 'export DATABASE_URL=$(tenantctl dev url)', does: 'for tenantctl, psql and your app' },
    { cmd: 'psql "$(tenantctl dev url)"', does: 'open psql on it' },
  ]);
}
