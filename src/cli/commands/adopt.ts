import type { Command } from 'commander';
import { Option, InvalidArgumentError } from 'commander';
import { examples } from '../help.js';
import { withSession, showResult, type Session } from '../session.js';
import { migrationsDirOption } from '../options.js';
import type { AdoptResult } from '../../provision/adopt.js';

function render(s: Session, r: AdoptResult): string[] {
  const { c } = s.out;
  return [
    ...r.adopted.map((a) =>
      a.ok
        ? `${r.dryRun ? 'would adopt' : c.green('adopted')} ${a.schema} as ${a.slug}${r.baseline ? ` (baseline ${r.baseline})` : ''}`
        : `${c.red('failed')} ${a.schema}: ${a.error}`,
    ),
    ...r.skipped.map((x) => `${c.yellow('skipped')} ${x.schema}: ${x.reason}`),
    r.adopted.length === 0 && r.skipped.length === 0
      ? c.dim('no unregistered schemas with the prefix')
      : '',
  ].filter(Boolean);
}

export function register(program: Command): void {
  const cmd = program
    .command('adopt')
    .description('register existing schemas that match the prefix (brown-field databases)')
    .argument(
      '[schemas...]',
      'only these schemas (default: every unregistered one with the prefix)',
    )
    .addOption(
      new Option(
        '--baseline <id>',
        'mark migrations up to this id as applied without running them',
      ).argParser((v) => {
        if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a migration id');
        return Number(v);
      }),
    )
    .addOption(migrationsDirOption())
    .option(
      '--template <name|dir>',
      'the template these schemas were built from, so verify compares them with it (none is recorded without it)',
    )
    .option('--dry-run', 'list what would be adopted; change nothing')
    .action(
      async (
        schemas: string[],
        opts: { baseline?: number; template?: string; dryRun?: boolean },
        command: Command,
      ) =>
        withSession(command, async (s) => {
          const { adopt } = await import('../../provision/adopt.js');
          const ctx = await s.ctx();
          await showResult(
            s,
            () =>
              adopt(ctx, {
                baseline: opts.baseline,
                schemas: schemas.length ? schemas : undefined,
                template: opts.template,
                dryRun: opts.dryRun,
              }),
            (r) => render(s, r),
          );
        }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl adopt --dry-run',
      does: 'list the unregistered org_* schemas it would register',
    },
    {
      cmd: 'tenantctl adopt --baseline 12 --migrations-dir db/tenant',
      does: 'register them all, marking migrations 1-12 as applied',
    },
    { cmd: 'tenantctl adopt org_acme org_globex', does: 'only these two schemas' },
  ]);
}
