import type { Command } from 'commander';
import { Option, InvalidArgumentError } from 'commander';
import { withSession } from '../session.js';
import { table, formatTime } from '../output.js';
import { examples } from '../help.js';
import { positiveInt } from '../options.js';
import { parseDuration, formatDuration } from '../../shared/duration.js';

const OUTCOMES = ['ok', 'failed', 'partial', 'noop', 'running', 'interrupted'];

/** --since: a duration back from now (24h, 7d, 30min) or a date/time (2025-01-31, ISO 8601). */
export function sinceArg(v: string, now = Date.now()): Date {
  const ms = parseDuration(v);
  if (ms !== null && /[a-z]$/i.test(v.trim())) return new Date(now - ms);
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new InvalidArgumentError(
    'expected a duration back from now (24h, 7d, 30min) or a date/time (2025-01-31, 2025-01-31T12:00Z)',
  );
}

interface AuditFlags {
  tenant?: string[];
  command?: string[];
  outcome?: string[];
  since?: Date;
  limit?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('audit')
    .description(
      'the audit log, newest first: who did what to which tenant, when, with what outcome',
    )
    .option('--tenant <slug...>', 'only records about these tenants (dropped ones too)')
    .option('--command <name...>', 'only these commands (create, migrate, drop, ...)')
    .addOption(new Option('--outcome <outcome...>', 'only these outcomes').choices(OUTCOMES))
    .addOption(
      new Option('--since <when>', 'only records since: 24h, 7d, 2025-01-31...').argParser((v) =>
        sinceArg(v),
      ),
    )
    .addOption(
      new Option('--limit <n>', 'at most n records (default 50)').argParser(positiveInt(1_000_000)),
    )
    .action(async (opts: AuditFlags, command: Command) =>
      withSession(command, async (s) => {
        const { auditLog } = await import('../../inspect/audit.js');
        const entries = await auditLog(await s.ctx(1), {
          tenants: opts.tenant?.map((t) => t.toLowerCase()),
          commands: opts.command,
          outcomes: opts.outcome,
          since: opts.since,
          limit: opts.limit ?? 50,
        });
        const { c } = s.out;
        const paint = (o: string) =>
          o === 'ok' || o === 'noop'
            ? o
            : o === 'running'
              ? c.cyan(o)
              : o === 'partial'
                ? c.yellow(o)
                : c.red(o);
        s.out.result({ entries }, () =>
          entries.length === 0
            ? c.dim('no audit records match')
            : table(
                ['WHEN', 'COMMAND', 'TENANT', 'OUTCOME', 'TOOK', 'BY', 'ERROR'],
                entries.map((e) => [
                  formatTime(e.at),
                  e.command,
                  e.tenant ?? '-',
                  paint(e.outcome),
                  e.durationMs === null ? '-' : formatDuration(e.durationMs),
                  `${e.dbUser}${e.osUser ? ` (${e.osUser}@${e.clientHost ?? '?'})` : ''}`,
                  typeof e.details?.error === 'string' ? oneLine(e.details.error) : '',
                ]),
              ),
        );
      }),
    );
  examples(cmd, [
    { cmd: 'tenantctl audit --since 24h', does: 'everything done in the last day' },
    {
      cmd: 'tenantctl audit --tenant acme --outcome failed',
      does: "acme's failures, newest first",
    },
    {
      cmd: 'tenantctl audit --command migrate --limit 5 --json',
      does: 'the last five migrate runs for a monitoring script',
    },
  ]);
}

function oneLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
