import type { Command } from 'commander';
import { examples } from '../help.js';
import { withSession } from '../session.js';
import { formatTime } from '../output.js';

export function register(program: Command): void {
  const cmd = program
    .command('suspend')
    .description(
      'cut a tenant off at the database: revoke its privileges, set its login roles NOLOGIN, end their sessions',
    )
    .argument('<slug>', 'the tenant to suspend')
    .option('--reason <text>', 'why, kept in the registry and the audit log')
    .option('--no-terminate', 'leave open sessions alone (they fail at their next statement)')
    .action(async (slug: string, opts: { reason?: string; terminate: boolean }, command: Command) =>
      withSession(command, async (s) => {
        const { suspendTenant } = await import('../../suspend/suspend.js');
        const r = await suspendTenant(await s.ctx(1), {
          slug,
          reason: opts.reason,
          terminate: opts.terminate,
        });
        s.out.result(r, () => {
          if (!r.changed)
            return `${r.slug} is already suspended (since ${formatTime(r.since)}${r.reason ? `: ${r.reason}` : ''})`;
          const lines = [
            `suspended ${r.slug} (schema ${r.schema}): ${r.revokedEntries} privileges revoked`,
          ];
          if (r.loginsDisabled.length)
            lines.push(
              `  NOLOGIN: ${r.loginsDisabled.join(', ')}; sessions ended: ${r.sessionsTerminated}`,
            );
          return lines;
        });
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl suspend acme --reason "unpaid invoice"',
      does: 'revoke, NOLOGIN, end sessions; the reason goes to the registry and audit log',
    },
    {
      cmd: 'tenantctl suspend acme --no-terminate',
      does: 'leave open sessions alone (they fail at their next statement)',
    },
  ]);
}
