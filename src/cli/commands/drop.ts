import type { Command } from 'commander';
import { withSession } from '../session.js';
import { FailedError, UsageError } from '../../shared/errors.js';

export function register(program: Command): void {
  program
    .command('drop')
    .description('remove a tenant: schema, roles and registry row in one transaction')
    .argument('<slug>')
    .option(
      '--backup-to <dir>',
      'export the tenant into <dir> and verify the archive before dropping',
    )
    .action(async (slug: string, opts: { backupTo?: string }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { dropTenant, validateSlugArg } = await import('../../provision/drop.js');
        const ctx = await s.ctx(1);
        const normalized = validateSlugArg(ctx, slug);
        if (!s.opts.yes) {
          if (!s.out.interactive)
            throw new UsageError(
              `drop ${normalized} needs confirmation and there is no terminal: pass --yes`,
            );
          const { confirmTyped } = await import('../prompts.js');
          const ok = await confirmTyped(
            s.out,
            `This drops tenant ${normalized}, its schema and every row in it.`,
            normalized,
            'pass --yes',
            'cancelled; nothing dropped',
          );
          if (!ok) throw new FailedError('not confirmed; nothing dropped');
        }
        const r = await dropTenant(ctx, normalized, { backupTo: opts.backupTo });
        s.out.result(
          r,
          () =>
            `dropped ${r.slug} (schema ${r.schema}, roles ${r.rolesDropped.join(', ') || 'none'})${r.backup ? `; backup ${r.backup}` : ''}`,
        );
      }),
    );
}
