import type { Command } from 'commander';
import { showResult, withSession } from '../session.js';

export function register(program: Command): void {
  program
    .command('init')
    .description(
      'create or upgrade the control schema (registry, migration bookkeeping, audit log) here and on every server; idempotent',
    )
    .action(async (_opts, cmd: Command) =>
      withSession(cmd, async (s) => {
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
}
