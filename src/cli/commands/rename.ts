import type { Command } from 'commander';
import { withSession } from '../session.js';
import { examples } from '../help.js';
import { FailedError, UsageError } from '../../shared/errors.js';

export function register(program: Command): void {
  const cmd = program
    .command('rename')
    .description(
      'rename a tenant: schema, group roles, registry and the search_path settings naming the schema, in one transaction',
    )
    .argument('<slug>', 'the tenant to rename')
    .argument('<new-slug>', 'its new slug (the schema becomes prefix + new slug)')
    .option(
      '--force',
      'rename even when function bodies name the schema (they keep the old name and must be fixed)',
    )
    .action(async (slug: string, newSlug: string, opts: { force?: boolean }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { renameTenant, validateRename } = await import('../../rename/rename.js');
        const ctx = await s.ctx(1);
        const names = validateRename(ctx, { slug, newSlug });
        if (!s.opts.yes) {
          if (!s.out.interactive)
            throw new UsageError(
              `rename ${names.slug} needs confirmation and there is no terminal: pass --yes`,
            );
          const { confirmTyped } = await import('../prompts.js');
          const ok = await confirmTyped(
            s.out,
            `This renames tenant ${names.slug} to ${names.newSlug}, with its schema and roles; applications that name its schema must change.`,
            names.newSlug,
            'pass --yes',
          );
          if (!ok) throw new FailedError('not confirmed; nothing renamed');
        }
        const r = await renameTenant(ctx, { slug, newSlug, force: opts.force });
        s.out.result(r, () => {
          const lines = [
            `renamed ${r.from.slug} -> ${r.to.slug}: schema ${r.from.schema} -> ${r.to.schema}, roles ${r.from.roles.rw}, ${r.from.roles.ro} -> ${r.to.roles.rw}, ${r.to.roles.ro}${r.status === 'suspended' ? ' (still suspended)' : ''}`,
          ];
          if (r.roleSearchPaths.length)
            lines.push(
              `  search_path now ${r.to.schema} for roles: ${r.roleSearchPaths.join(', ')}`,
            );
          if (r.functionSearchPaths.length)
            lines.push(
              `  search_path now ${r.to.schema} for functions: ${r.functionSearchPaths.join(', ')}`,
            );
          return lines;
        });
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl rename acme acme-corp',
      does: 'in a terminal: asks you to type the new slug first',
    },
    {
      cmd: 'tenantctl rename acme acme-corp --yes --json',
      does: 'from a script; applications must then use schema org_acme_corp',
    },
  ]);
}
