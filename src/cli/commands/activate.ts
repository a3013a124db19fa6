import type { Command } from 'commander';
import { examples } from '../help.js';
import { withSession } from '../session.js';

export function register(program: Command): void {
  const cmd = program
    .command('activate')
    .description('give a suspended tenant back exactly the privileges and logins it had')
    .argument('<slug>', 'the suspended tenant')
    .action(async (slug: string, _opts, command: Command) =>
      withSession(command, async (s) => {
        const { activateTenant } = await import('../../suspend/suspend.js');
        const r = await activateTenant(await s.ctx(1), slug);
        s.out.result(r, () => {
          if (!r.changed) return `${r.slug} is already active`;
          const lines = [
            `activated ${r.slug} (schema ${r.schema}): ${r.restoredEntries} privileges restored`,
          ];
          if (r.loginsRestored.length) lines.push(`  LOGIN: ${r.loginsRestored.join(', ')}`);
          if (r.newObjects.length)
            lines.push(
              `  created while suspended, given default privileges: ${r.newObjects.join(', ')}`,
            );
          return lines;
        });
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl activate acme',
      does: 'restore exactly the privileges and logins recorded at suspend',
    },
    {
      cmd: 'tenantctl activate acme --json',
      does: 'the same, reporting what was restored as JSON',
    },
  ]);
}
