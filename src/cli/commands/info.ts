import type { Command } from 'commander';
import { examples } from '../help.js';
import { withSession } from '../session.js';
import { table, formatBytes, formatTime, plural } from '../output.js';

export function register(program: Command): void {
  const cmd = program
    .command('info')
    .description(
      'one tenant in full: schema, roles, grants, sizes, applied migrations, audit history',
    )
    .argument('<slug>', 'the tenant')
    .action(async (slug: string, _opts, command: Command) =>
      withSession(command, async (s) => {
        const { tenantInfo } = await import('../../inspect/info.js');
        const { server, ctx } = await (await s.fleet(1)).locate(slug);
        const i = { server: server.name, ...(await tenantInfo(ctx, slug)) };
        const { c } = s.out;
        s.out.result(i, () => [
          `${c.bold(i.tenant.slug)}${i.tenant.displayName ? ` (${i.tenant.displayName})` : ''}`,
          `  server     ${i.server}`,
          `  schema     ${i.tenant.schema}${i.schemaExists ? '' : c.red(' (missing!)')}`,
          `  status     ${i.tenant.status} since ${formatTime(i.tenant.statusSince)}${i.tenant.statusReason ? ` (${i.tenant.statusReason})` : ''}`,
          `  template   ${i.tenant.template ?? 'none (adopted without --template)'}`,
          `  version    ${i.tenant.version} (${plural(i.migrations.length, 'migration')} applied)`,
          `  size       ${formatBytes(i.totalBytes)} in ${i.relations.length} relations`,
          `  roles      ${i.roles.map((r) => `${r.name} (${r.kind}${r.exists ? '' : ', missing'}${r.members.length ? `; members: ${r.members.join(', ')}` : ''})`).join(', ')}`,
          `  grants     ${i.schemaGrants.map((g) => `${g.grantee}: ${g.privileges.join(',')}`).join('; ') || 'none'}`,
          ...(i.missing.length
            ? [
                c.yellow(
                  `  missing    imported from an incomplete archive; not restored: ${i.missing.map((g) => `${g.object} (${g.reason})`).join('; ')}`,
                ),
              ]
            : []),
          '',
          i.relations.length
            ? table(
                ['RELATION', 'KIND', 'SIZE', 'ROWS~'],
                i.relations.map((r) => [
                  r.name,
                  r.kind,
                  formatBytes(r.bytes),
                  String(r.rowEstimate),
                ]),
              )
            : '',
          '',
          i.migrations.length
            ? table(
                ['MIGRATION', 'NAME', 'APPLIED', 'MS'],
                i.migrations.map((m) => [
                  String(m.id),
                  m.name,
                  formatTime(m.appliedAt),
                  m.baseline ? 'baseline' : String(m.durationMs ?? ''),
                ]),
              )
            : c.dim('no migrations applied'),
          '',
          table(
            ['WHEN', 'COMMAND', 'OUTCOME', 'BY'],
            i.audit.map((a) => [
              formatTime(a.at),
              a.command,
              a.outcome,
              `${a.dbUser}${a.osUser ? ` (${a.osUser})` : ''}`,
            ]),
          ),
        ]);
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl info acme',
      does: 'schema, roles, grants, sizes, migrations and recent audit records',
    },
    {
      cmd: 'tenantctl info acme --json | jq .result.tenant.version',
      does: 'one field for a script',
    },
  ]);
}
