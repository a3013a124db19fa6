import type { Command } from 'commander';
import { withSession } from '../session.js';

export function register(program: Command): void {
  program
    .command('suspend')
    .description(
      'cut a tenant off at the database: revoke its privileges, set its login roles NOLOGIN, end their sessions',
    )
    .argument('<slug>')
    .option('--reason <text>', 'why, kept in the registry and the audit log')
    .option('--no-terminate', 'leave open sessions alone (they fail at their next statement)')
    .action(async (slug: string, opts: { reason?: string; terminate: boolean }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { suspendTenant } = await import('../../suspend/suspend.js');
        const r = await suspendTenant(await s.ctx(1), {
          slug,
          reason: opts.reason,
          terminate: opts.terminate,
        });
        s.out.result(r, () => {
          if (!r.changed)
            return `${r.slug} is already suspended (since ${r.since.toISOString()}${r.reason ? `: ${r.reason}` : ''})`;
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
}
