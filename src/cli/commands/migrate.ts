import type { Command } from 'commander';
import { Option, InvalidArgumentError } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import {
  concurrencyOption,
  migrationsDirOption,
  selectionOptions,
  readSelection,
  type SelectionFlags,
} from '../options.js';
import { table, formatTime, sqlErrorLines } from '../output.js';
import { examples } from '../help.js';
import { FailedError } from '../../shared/errors.js';
import { parseDuration, formatDuration } from '../../shared/duration.js';
import type { MigrateResult } from '../../migrate/run.js';
import type { MigrateStatus, RunState } from '../../migrate/status.js';

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
    else if (t.status === 'failed') {
      // what committed before the failure is shown, so the report never hides a changed tenant
      const partWay = t.applied.length ? `${t.from} -> ${t.to} committed, then ` : '';
      lines.push(
        `${c.red('failed')}   ${t.slug}: ${partWay}${t.error}`,
        ...sqlErrorLines(t.sql, '           '),
      );
    } else if (t.status === 'interrupted') {
      const partWay = t.applied.length ? `${t.from} -> ${t.to} committed, then ` : '';
      lines.push(`${c.yellow('interrupted')} ${t.slug}: ${partWay}rolled back (${t.error})`);
    } else if (t.status === 'skipped' && s.out.verbose)
      lines.push(`${c.dim('skipped')}  ${t.slug}`);
  }
  for (const a of r.lineEndingsAccepted ?? [])
    lines.push(
      `${r.dryRun ? 'would re-record' : 're-recorded'} ${a.fileName}: only line endings changed (${a.tenants} tenant${a.tenants === 1 ? '' : 's'})`,
    );
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

/** `migrate running since ... by alice@ci-7 (pid 4242)`, or the run that died. */
function runLine(s: Session, r: RunState): string {
  const who = [
    r.osUser ? `${r.osUser}@${r.clientHost ?? '?'}` : r.clientHost,
    r.dbUser && `as ${r.dbUser}`,
    r.pid !== null && `pid ${r.pid}`,
  ]
    .filter(Boolean)
    .join(', ');
  const at = (word: string) => (r.since ? ` ${word} ${formatTime(r.since)}` : '');
  return r.state === 'running'
    ? s.out.c.cyan(`a migrate run is in progress${at('since')} (${who})`)
    : s.out.c.yellow(
        `a migrate run started${at('at')} (${who}) died before its end; the next run marks it interrupted and picks up what it left`,
      );
}

function renderStatus(s: Session, st: MigrateStatus): string[] {
  const { c } = s.out;
  const lines = [
    ...(st.run ? [runLine(s, st.run)] : []),
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
        ['SLUG', 'VERSION', 'PENDING'],
        shown.map((p) => [p.slug, String(p.version), p.pending.join(', ')]),
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
        (f) =>
          `  ${f.slug} (migration ${f.migrationId ?? '?'}): ${f.error.replace(/\n/g, '\n    ')}`,
      ),
    );
  }
  return lines;
}

/** The selection flags that were given, so an absent one does not hide the other's. */
function given(o: SelectionFlags): SelectionFlags {
  return Object.fromEntries(
    (['tenant', 'exclude', 'tenantsFrom'] as const)
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, o[k]]),
  );
}

export function register(program: Command): void {
  const migrate = program
    .command('migrate')
    .description(
      'apply pending migrations to every tenant (or --tenant), one transaction per tenant',
    )
    .addOption(migrationsDirOption())
    .addOption(concurrencyOption())
    .option('--dry-run', 'show per tenant what would run; change nothing')
    .option(
      '--accept-line-endings',
      're-record the hashes of applied migrations whose files differ only in CRLF/LF line endings (audited; nothing re-runs)',
    )
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
    );
  selectionOptions(migrate);
  migrate.action(
    async (
      opts: SelectionFlags & {
        dryRun?: boolean;
        acceptLineEndings?: boolean;
        maxFailures?: number;
        statementTimeout?: number;
        recycleEvery?: number;
      },
      command: Command,
    ) =>
      withSession(command, async (s) => {
        const { migrate: run } = await import('../../migrate/run.js');
        const selection = await readSelection(opts);
        const ctx = await s.ctx(2);
        const options = {
          ...selection,
          dryRun: opts.dryRun,
          acceptLineEndings: opts.acceptLineEndings,
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
  examples(migrate, [
    {
      cmd: 'tenantctl migrate --migrations-dir db/tenant --dry-run',
      does: 'per tenant, what would run; nothing changes',
    },
    {
      cmd: 'tenantctl migrate --migrations-dir db/tenant --max-failures all --ndjson',
      does: 'CI: every tenant, a JSON line per tenant as it finishes (exit 3 when some failed)',
    },
    {
      cmd: "tenantctl migrate --tenant 'beta-*' --exclude beta-big",
      does: 'only the beta tenants, one left out',
    },
  ]);
  const status = migrate
    .command('status')
    .description(
      'tenants per version, pending and failed last time, a run in progress or one that died; --check exits 1 when anything is pending',
    )
    .option('--check', 'exit 1 when any tenant has pending migrations (a CI gate)')
    .addOption(migrationsDirOption());
  selectionOptions(status);
  status.action(async (opts: SelectionFlags & { check?: boolean }, command: Command) =>
    withSession(command, async (s) => {
      const { migrateStatus } = await import('../../migrate/status.js');
      // Commander gives `migrate status --tenant x` to `migrate`, which has the same flags (only
      // the program's options are global): the selection is read from both.
      const selection = await readSelection({ ...opts, ...given(command.parent!.opts()) });
      const ctx = await s.ctx(1);
      await showResult(
        s,
        async () => {
          const st = await migrateStatus(ctx, selection);
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
  examples(status, [
    {
      cmd: 'tenantctl migrate status --migrations-dir db/tenant',
      does: 'versions, pending tenants, last failures, a run in progress',
    },
    {
      cmd: 'tenantctl migrate status --check --migrations-dir db/tenant',
      does: 'CI gate: exit 1 while any tenant has pending migrations',
    },
  ]);
}
