import type { Command } from 'commander';
import { examples } from '../help.js';
import { withSession, type Session } from '../session.js';
import { table, formatBytes } from '../output.js';
import { migrationsDirOption } from '../options.js';
import type { FleetStats } from '../../inspect/stats.js';

/** Tenant rows beyond this are summarised; --json always carries them all. */
const MAX_ROWS = 50;

function render(s: Session, r: FleetStats, all: boolean): string[] {
  const { c } = s.out;
  const lines: string[] = [];
  const shown = all ? r.tenants : r.tenants.slice(0, MAX_ROWS);
  if (shown.length) {
    const hasDir = r.migrations.dir !== null;
    lines.push(
      table(
        [
          'SLUG',
          'SCHEMA',
          'STATUS',
          'TABLES',
          r.sizes === 'exact' ? 'SIZE' : 'SIZE~',
          'ROWS~',
          'APPLIED',
          ...(hasDir ? ['PENDING'] : []),
        ],
        shown.map((t) => [
          t.slug,
          t.schemaExists ? t.schema : c.red(`${t.schema} (missing)`),
          t.status === 'active' ? t.status : c.yellow(t.status),
          String(t.tables),
          formatBytes(t.bytes),
          String(t.rowEstimate),
          String(t.applied),
          ...(hasDir ? [t.pending ? c.yellow(String(t.pending)) : '0'] : []),
        ]),
      ),
    );
    if (shown.length < r.tenants.length)
      lines.push(
        c.dim(
          `... ${r.tenants.length - shown.length} more tenants (--all to list them, --json for everything)`,
        ),
      );
    lines.push('');
  }
  const tpt = r.tablesPerTenant;
  const statuses = Object.entries(r.byStatus)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  lines.push(
    `${c.bold(`${r.totals.tenants} tenants`)} (${statuses}); ${r.totals.schemas} schemas with the prefix; ${r.totals.tables} tables` +
      (tpt ? ` (per tenant min ${tpt.min}, median ${tpt.median}, max ${tpt.max})` : '') +
      `; ${formatBytes(r.totals.bytes)}${r.sizes === 'exact' ? '' : ' (estimated)'}; ~${r.totals.rowEstimate} rows`,
  );
  if (r.migrations.dir !== null)
    lines.push(
      `migrations: latest ${r.migrations.latest}; ${r.migrations.upToDate} tenants up to date, ${r.migrations.behind} behind`,
    );
  if (r.orphans.length)
    lines.push(c.yellow(`orphans (schemas the registry does not know): ${r.orphans.join(', ')}`));
  if (r.missing.length)
    lines.push(
      c.red(
        `missing (registered, schema gone): ${r.missing.map((m) => `${m.slug} (${m.schema})`).join(', ')}`,
      ),
    );
  if (r.outliers.length) {
    lines.push(
      c.yellow(
        `table count differs from the majority: ${r.outliers.map((o) => `${o.slug} has ${o.tables}, most have ${o.majority}`).join('; ')}`,
      ),
    );
  }
  return lines;
}

export function register(program: Command): void {
  const cmd = program
    .command('stats')
    .description(
      'schema and table counts, sizes, row estimates, migration versions, orphans and outliers',
    )
    .addOption(migrationsDirOption())
    .option(
      '--exact-sizes',
      'measure every relation on disk (slower on big fleets) instead of the catalog estimate',
    )
    .option('--all', 'list every tenant (the table shows the first 50)')
    .action(async (opts: { exactSizes?: boolean; all?: boolean }, command: Command) =>
      withSession(command, async (s) => {
        const { fleetStats } = await import('../../inspect/stats.js');
        const r = await fleetStats(await s.ctx(1), { exactSizes: opts.exactSizes });
        s.out.result(r, () => render(s, r, !!opts.all));
      }),
    );
  examples(cmd, [
    { cmd: 'tenantctl stats', does: 'the fleet at a glance: counts, sizes, orphans, outliers' },
    {
      cmd: 'tenantctl stats --migrations-dir db/tenant --all',
      does: 'every tenant with its pending migrations',
    },
    { cmd: 'tenantctl stats --json | jq .result.totals', does: 'totals for a dashboard' },
  ]);
}
