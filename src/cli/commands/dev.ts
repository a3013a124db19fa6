import type { Command } from 'commander';
import { withSession } from '../session.js';

export function register(program: Command): void {
  const dev = program
    .command('dev')
    .description('a local embedded PostgreSQL for trying tenantctl and for tests');
  dev
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
  dev
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
  dev
    .command('status')
    .description('is the dev database running, where')
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devStatus } = await import('../../dev/dev.js');
        const r = devStatus();
        s.out.result(r, () =>
          r.running
            ? `running: ${r.url} (data ${r.dataDir})`
            : `not running${r.dataDir ? ` (data ${r.dataDir})` : ''}`,
        );
      }),
    );
  dev
    .command('url')
    .description('print the dev database URL (for DATABASE_URL=$(tenantctl dev url))')
    .action(async (_o, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { devStatus } = await import('../../dev/dev.js');
        const { FailedError } = await import('../../shared/errors.js');
        const r = devStatus();
        if (!r.running)
          throw new FailedError('the dev database is not running', {
            hint: 'start it with `tenantctl dev up`',
          });
        s.out.result({ url: r.url }, () => r.url!);
      }),
    );
}
