import type { Command } from 'commander';
import { withSession } from '../session.js';

export function register(program: Command): void {
  program
    .command('init')
    .description(
      'create or upgrade the control schema (registry, migration bookkeeping, audit log); idempotent',
    )
    .action(async (_opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { initControlSchema } = await import('../../control/init.js');
        const r = await initControlSchema(await s.ctx(1));
        s.out.result(r, () =>
          r.applied.length
            ? `${r.created ? 'created' : 'upgraded'} control schema ${r.controlSchema}: applied ${r.applied.join(', ')}`
            : `control schema ${r.controlSchema} is up to date`,
        );
      }),
    );
}
