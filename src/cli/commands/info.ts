import type { Command } from 'commander';
import { withSession } from '../session.js';
import { table, formatBytes } from '../output.js';

export function register(program: Command): void {
  program
    .command('info')
    .description(
      'one tenant in full: schema, roles, grants, sizes, applied migrations, audit history',
    )
    .argument('<slug>')
    .action(async (slug: string, _opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { tenantInfo } = await import('../../inspect/info.js');
        const i = await tenantInfo(await s.ctx(1), slug);
        const { c } = s.out;
        s.out.result(i, () => [
          `${c.bold(i.tenant.slug)}${i.tenant.displayName ? ` (${i.tenant.displayName})` : ''}`,
          `  schema     ${i.tenant.schema}${i.schemaExists ? '' : c.red(' (missing!)')}`,
          `  status     ${i.tenant.status} since ${i.tenant.statusSince.toISOString()}${i.tenant.statusReason ? ` (${i.tenant.statusReason})` : ''}`,
          `  template   ${i.tenant.template ?? 'none (adopted without --template)'}`,
          `  version    ${i.tenant.version} (${i.migrations.length} migrations applied)`,
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
                  m.appliedAt.toISOString(),
                  m.baseline ? 'baseline' : String(m.durationMs ?? ''),
                ]),
              )
            : c.dim('no migrations applied'),
          '',
          table(
            ['WHEN', 'COMMAND', 'OUTCOME', 'BY'],
            i.audit.map((a) => [
              a.at.toISOString(),
              a.command,
              a.outcome,
              `${a.dbUser}${a.osUser ? ` (${a.osUser})` : ''}`,
            ]),
          ),
        ]);
      }),
    );
}
