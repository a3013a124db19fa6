import type { Command } from 'commander';
import { examples } from '../help.js';
import { withSession } from '../session.js';

export function register(program: Command): void {
  const cmd = program
    .command('init')
    .description(
      'create or upgrade the control schema (registry, migration bookkeeping, audit log); idempotent',
    )
    .action(async (_opts, command: Command) =>
      withSession(command, async (s) => {
        const { initControlSchema } = await import('../../control/init.js');
        const r = await initControlSchema(await s.ctx(1));
        s.out.result(r, () =>
          r.applied.length
            ? `${r.created ? 'created' : 'upgraded'} control schema ${r.controlSchema}: applied ${r.applied.join(', ')}`
            : `control schema ${r.controlSchema} is up to date`,
        );
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl init',
      does: 'create the control schema "tenantctl" (again: upgrade it, or nothing)',
    },
    {
      cmd: 'tenantctl init --control-schema ops',
      does: 'keep the registry in schema "ops" instead',
    },
  ]);
}
