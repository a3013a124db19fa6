import type { Command } from 'commander';
import { examples } from '../help.js';
import { withSession } from '../session.js';
import { plural } from '../output.js';
import { migrationsDirOption } from '../options.js';

export function register(program: Command): void {
  const cmd = program
    .command('import')
    .description(
      'restore a tenant from an export archive, all or nothing (checks every checksum first)',
    )
    .argument('<archive>', 'a .tar.gz written by `tenantctl export`')
    .option('--as <slug>', "restore under this slug and its schema instead of the archive's")
    .option(
      '--force',
      "import even though the archive's applied migrations do not match this database's, or (with --as) its functions name the source schema in their bodies and would keep using it",
    )
    .addOption(migrationsDirOption())
    .action(async (archive: string, opts: { as?: string; force?: boolean }, command: Command) =>
      withSession(command, async (s) => {
        const { importArchive } = await import('../../archive/import.js');
        const ctx = await s.ctx(1);
        const r = await importArchive(ctx, archive, { as: opts.as, force: opts.force });
        for (const f of r.forced) s.out.warn(`--force: ${f}`);
        for (const w of r.warnings) s.out.warn(w);
        if (r.gaps.length)
          s.out.warn(
            `the archive was exported with --allow-incomplete: ${r.gaps.length} object(s) not restored (see \`tenantctl info ${r.slug}\`)`,
          );
        s.out.result(
          r,
          () =>
            `imported ${r.slug} (${r.schema}) from ${r.from.slug} @ ${r.from.createdAt}: ${r.tables} tables, ${r.rows} rows, ${plural(r.migrations, 'migration')}`,
        );
      }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl import /backups/acme-20250131T020000.000Z.tar.gz',
      does: 'restore acme (refused if it exists)',
    },
    {
      cmd: 'tenantctl import acme-20250131T020000.000Z.tar.gz --as acme-copy',
      does: 'restore it beside the original under a new slug',
    },
  ]);
}
