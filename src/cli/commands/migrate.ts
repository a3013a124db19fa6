import type { Command } from 'commander';
import { Option, InvalidArgumentError } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import { concurrencyOption, migrationsDirOption } from '../options.js';
import { table } from '../output.js';
import { FailedError } from '../../shared/errors.js';
import { parseDuration, formatDuration } from '../../shared/duration.js';
import type { MigrateResult } from '../../migrate/run.js';
import type { MigrateStatus } from '../../migrate/status.js';

function maxFailures(v: string): number {
  if (v === 'all') return Infinity;
  if (/^\d+$/.test(v) && Number(v) >= 1) return Number(v);
  throw new InvalidArgumentError('expected a whole number >= 1, or "all"');
}

function duration(v: string): number {
  const ms = parseDuration(v);
  if (ms === null || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as 30s, 500ms or 5min');
  return ms;
}

function renderRun(s: Session, r: MigrateResult): string[] {
  const { c } = s.out;
  const lines: string[] = [];
  for (const t of r.tenants) {
    if (t.status === 'planned')
      lines.push(`${t.slug}: would apply ${t.pending.join(', ')} (at ${t.from})`);
    else if (t.status === 'applied')
      lines.push(
        `${c.green('migrated')} ${t.slug}: ${t.from} -> ${t.to} (${formatDuration(t.durationMs)})`,
      );
    else if (t.status === 'failed') lines.push(`${c.red('failed')}   ${t.slug}: ${t.error}`);
    else if (t.status === 'interrupted')
      lines.push(`${c.yellow('interrupted')} ${t.slug}: rolled back (${t.error})`);
    else if (t.status === 'skipped' && s.out.verbose) lines.push(`${c.dim('skipped')}  ${t.slug}`);
  }
  const planned = r.tenants.filter((t) => t.status === 'planned').length;
  lines.push(
    r.dryRun
      ? c.bold(
          `dry run: ${planned} of ${r.tenants.length} tenants would be migrated to ${r.latest}; nothing changed`,
        )
      : c.bold(
          `${r.tenants.filter((t) => t.status === 'applied').length} migrated, ${r.tenants.filter((t) => t.status === 'current').length} already current, ${r.failed} failed, ${r.interrupted ? `${r.interrupted} interrupted, ` : ''}${r.skipped} not started (latest ${r.latest})`,
        ),
  );
  return lines;
}

function renderStatus(s: Session, st: MigrateStatus): string[] {
  const { c } = s.out;
  const lines = [
    `${st.tenants} tenants; latest migration ${st.latest}; ${c.green(`${st.current} current`)}, ${st.behind ? c.yellow(`${st.behind} behind`) : '0 behind'}`,
    '',
    table(
      ['VERSION', 'TENANTS'],
      st.versions.map((v) => [String(v.version), String(v.tenants)]),
    ),
  ];
  if (st.pending.length) {
    const shown = s.out.verbose ? st.pending : st.pending.slice(0, 20);
    lines.push(
      '',
      table(
        ['PENDING IN', 'AT', 'PENDING'],
        shown.map((p) => [p.slug, String(p.version), p.pending.join(',')]),
      ),
    );
    if (shown.length < st.pending.length)
      lines.push(
        c.dim(`... and ${st.pending.length - shown.length} more (--verbose or --json for all)`),
      );
  }
  if (st.failedLastTime.length) {
    lines.push(
      '',
      c.red('failed last time:'),
      ...st.failedLastTime.map(
        (f) => `  ${f.slug} (migration ${f.migrationId ?? '?'}): ${f.error}`,
      ),
    );
  }
  return lines;
}

export function register(program: Command): void {
  const migrate = program
    .command('migrate')
    .description(
      'apply pending migrations to every tenant (or --tenant), one transaction per tenant',
    )
    .option('--tenant <slug...>', 'only these tenants')
    .addOption(migrationsDirOption())
    .addOption(concurrencyOption())
    .option('--dry-run', 'show per tenant what would run; change nothing')
    .addOption(
      new Option(
        '--max-failures <n|all>',
        'stop starting tenants after n failures (default 1)',
      ).argParser(maxFailures),
    )
    .addOption(
      new Option(
        '--statement-timeout <duration>',
        'cancel a tenant whose migration step runs longer (each statement, for disable-transaction migrations)',
      ).argParser(duration),
    )
    .addOption(
      new Option('--recycle-every <n>', 'new connection per worker after n tenants (default 1000)')
        .argParser((v) => maxFailures(v))
        .hideHelp(),
    )
    .action(
      async (
        opts: {
          tenant?: string[];
          dryRun?: boolean;
          maxFailures?: number;
          statementTimeout?: number;
          recycleEvery?: number;
        },
        cmd: Command,
      ) =>
        withSession(cmd, async (s) => {
          const { migrate: run } = await import('../../migrate/run.js');
          const ctx = await s.ctx(2);
          const options = {
            tenants: opts.tenant,
            dryRun: opts.dryRun,
            maxFailures: opts.maxFailures,
            statementTimeoutMs: opts.statementTimeout,
            recycleEvery: opts.recycleEvery,
          };
          await showResult(
            s,
            () => run(ctx, options),
            (r) => renderRun(s, r),
          );
        }),
    );
  migrate
    .command('status')
    .description(
      'tenants per version, pending and failed last time; --check exits 1 when anything is pending',
    )
    .option('--tenant <slug...>', 'only these tenants')
    .option('--check', 'exit 1 when any tenant has pending migrations (a CI gate)')
    .addOption(migrationsDirOption())
    .action(async (opts: { tenant?: string[]; check?: boolean }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { migrateStatus } = await import('../../migrate/status.js');
        const ctx = await s.ctx(1);
        // `migrate` has a --tenant of its own, and commander gives a parent's option the flag
        // wherever it appears: `migrate status --tenant x` lands there.
        const tenants = opts.tenant ?? (cmd.parent?.opts().tenant as string[] | undefined);
        await showResult(
          s,
          async () => {
            const st = await migrateStatus(ctx, { tenants });
            if (opts.check && st.behind > 0) {
              const err = new FailedError(
                `${st.behind} tenant${st.behind === 1 ? ' has' : 's have'} pending migrations`,
                { hint: 'run `tenantctl migrate`' },
              );
              err.result = st;
              throw err;
            }
            return st;
          },
          (st) => renderStatus(s, st),
        );
      }),
    );
}
