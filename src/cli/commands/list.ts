import type { Command } from 'commander';
import { Option } from 'commander';
import { examples } from '../help.js';
import { withSession } from '../session.js';
import { table, formatTime } from '../output.js';
import { migrationsDirOption } from '../options.js';

export function register(program: Command): void {
  const cmd = program
    .command('list')
    .description('tenants with status, template and migration state')
    .addOption(
      new Option('--status <status>', 'only tenants with this status').choices([
        'active',
        'suspended',
      ]),
    )
    .option('--template <name>', 'only tenants made from this template')
    .option('--pending', 'only tenants with migrations pending (needs --migrations-dir)')
    .addOption(migrationsDirOption())
    .action(
      async (opts: { status?: string; template?: string; pending?: boolean }, command: Command) =>
        withSession(command, async (s) => {
          const { listTenantsCmd } = await import('../../inspect/list.js');
          const rows = await listTenantsCmd(await s.ctx(1), {
            status: opts.status,
            template: opts.template,
            pending: opts.pending,
          });
          s.out.result({ tenants: rows }, () => {
            if (rows.length === 0) return s.out.c.dim('no tenants');
            const { c } = s.out;
            return table(
              ['SLUG', 'SCHEMA', 'STATUS', 'TEMPLATE', 'VERSION', 'PENDING', 'CREATED'],
              rows.map((t) => [
                t.slug,
                t.schema,
                t.status === 'active' ? c.green(t.status) : c.yellow(t.status),
                t.template ?? '-',
                String(t.version),
                t.pending === null ? '-' : t.pending > 0 ? c.yellow(String(t.pending)) : '0',
                formatTime(t.createdAt),
              ]),
            );
          });
        }),
    );
  examples(cmd, [
    { cmd: 'tenantctl list', does: 'every tenant with status, template and version' },
    {
      cmd: 'tenantctl list --pending --migrations-dir db/tenant',
      does: 'tenants that still lack migrations',
    },
    {
      cmd: "tenantctl list --status suspended --json | jq -r '.result.tenants[].slug'",
      does: 'suspended tenants for a script',
    },
  ]);
}
