import type { Command } from 'commander';
import { examples } from '../help.js';
import { showResult, withSession } from '../session.js';

export function register(program: Command): void {
  const cmd = program
    .command('init')
    .description(
      'create or upgrade the control schema (registry, migration bookkeeping, audit log) here and on every server; idempotent',
    )
    .action(async (_opts, command: Command) =>
      withSession(command, async (s) => {
        const { initFleet } = await import('../../fleet/init.js');
        const fleet = await s.fleet(1);
        await showResult(
          s,
          () => initFleet(fleet),
          (r) => [
            r.applied.length
              ? `${r.created ? 'created' : 'upgraded'} control schema ${r.controlSchema}: applied ${r.applied.join(', ')}`
              : `control schema ${r.controlSchema} is up to date`,
            ...r.servers.map((x) =>
              x.error
                ? `server ${x.name}: not upgraded: ${x.error}`
                : `server ${x.name}: ${x.applied.length ? `applied ${x.applied.join(', ')}` : 'up to date'}`,
            ),
          ],
        );
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl init',
      does: 'create the control schema "tenantctl" (again: upgrade it here and on every server, or nothing)',
    },
    {
      cmd: 'tenantctl init --control-schema ops',
      does: 'keep the registry in schema "ops" instead',
    },
  ]);
}
