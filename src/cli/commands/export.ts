import type { Command } from 'commander';
import { Option } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import {
  concurrencyOption,
  positiveInt,
  selectionOptions,
  readSelection,
  type SelectionFlags,
} from '../options.js';
import { examples } from '../help.js';
import { formatBytes } from '../output.js';
import { UsageError, FailedError } from '../../shared/errors.js';
import type { ExportAllResult } from '../../archive/export-all.js';

function renderAll(s: Session, r: ExportAllResult): string[] {
  const { c } = s.out;
  return r.tenants.map((t) =>
    t.ok
      ? `${c.green('exported')} ${t.slug} -> ${t.file} (${formatBytes(t.bytes ?? 0)}, ${t.rows} rows${t.deleted.length ? `, removed ${t.deleted.length} older` : ''})`
      : `${c.red('failed')}   ${t.slug}: ${t.error}`,
  );
}

interface ExportFlags extends SelectionFlags {
  output?: string;
  all?: boolean;
  outDir?: string;
  keep?: number;
  concurrency?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description(
      'write a tenant to a .tar.gz SQL archive (one snapshot; restorable by `import` or plain psql)',
    )
    .argument('[slug]', 'tenant to export')
    .option(
      '-o, --output <file>',
      'archive file, or an existing directory for the default name (default ./<slug>-<UTC timestamp>.tar.gz)',
    )
    .option('--all', 'every tenant (or those --tenant selects), one archive each, for cron')
    .option(
      '--out-dir <dir>',
      'directory for <slug>-<UTC timestamp>.tar.gz archives (created if missing)',
    )
    .addOption(
      new Option(
        '--keep <n>',
        'with --all: keep the newest n archives per tenant, delete older ones after the new one is complete',
      ).argParser(positiveInt(100000)),
    )
    .addOption(concurrencyOption());
  selectionOptions(cmd, 'with --all, only these tenants');
  cmd.action(async (slug: string | undefined, opts: ExportFlags, command: Command) =>
    withSession(command, async (s) => {
      const problems: string[] = [];
      if (opts.all && slug) problems.push('give a slug or --all, not both');
      if (!opts.all && !slug)
        problems.push(
          'no slug given: tenantctl export <slug> [-o file], or export --all --out-dir <dir>',
        );
      if (opts.all && !opts.outDir) problems.push('--all needs --out-dir <dir>');
      if (opts.all && opts.output) problems.push('-o names one file; with --all use --out-dir');
      if (!opts.all && opts.keep !== undefined) problems.push('--keep applies to --all');
      const selecting = opts.tenant || opts.exclude || opts.tenantsFrom;
      if (!opts.all && selecting)
        problems.push('--tenant, --exclude and --tenants-from select among --all');
      if (problems.length) throw new UsageError(problems);
      if (opts.all) {
        const { exportAll } = await import('../../archive/export-all.js');
        const selection = await readSelection(opts);
        const concurrency = opts.concurrency ?? s.settings.concurrency;
        const ctx = await s.ctx(concurrency + 1);
        await showResult(
          s,
          () =>
            exportAll(ctx, { outDir: opts.outDir!, keep: opts.keep, concurrency, ...selection }),
          (r) => renderAll(s, r),
        );
        return;
      }
      const { exportTenant, resolveOutput } = await import('../../archive/export.js');
      const { normalizeSlug } = await import('../../shared/names.js');
      // Slug and output path are checked (exit 2) before any connection is made.
      resolveOutput(normalizeSlug(slug!, s.settings.schemaPrefix), {
        output: opts.output,
        outDir: opts.outDir,
      });
      const ctx = await s.ctx(1);
      const r = await exportTenant(ctx, slug!, { output: opts.output, outDir: opts.outDir });
      for (const w of r.warnings) s.out.warn(w);
      s.out.result(
        r,
        () =>
          `exported ${r.slug} (${r.schema}) -> ${r.file} (${formatBytes(r.bytes)}, ${r.tables} tables, ${r.rows} rows)`,
      );
    }),
  );
  examples(cmd, [
    { cmd: 'tenantctl export acme -o /backups/', does: 'one tenant into an existing directory' },
    {
      cmd: 'tenantctl export --all --out-dir /backups --keep 7',
      does: 'nightly cron: every tenant, keeping the newest seven archives each (exit 3 if some failed)',
    },
    {
      cmd: "tenantctl export --all --tenant 'eu-*' --out-dir /backups/eu",
      does: 'only the tenants whose slug starts with eu-',
    },
  ]);
  const verify = cmd
    .command('verify')
    .description(
      'check an archive without a database: framing, manifest, every checksum and row count',
    )
    .argument('<archive>', 'a .tar.gz written by `tenantctl export`')
    .action(async (archive: string, _opts, command: Command) =>
      withSession(command, async (s) => {
        const { verifyArchive } = await import('../../archive/verify.js');
        const { ArchiveError } = await import('../../archive/read.js');
        try {
          const { result: r } = await verifyArchive(archive);
          s.out.result(
            r,
            () =>
              `ok: ${archive} holds tenant ${r.slug} (${r.schema}), ${r.tables} tables, ${r.rows} rows, ${r.files} files, format ${r.formatVersion}, from PostgreSQL ${r.serverVersion} at ${r.createdAt}`,
          );
        } catch (err) {
          // A damaged archive is what verify is there to find: a failed check (1), not a usage
          // error. A file that is not there is an input error (2), as it is for import.
          if (err instanceof ArchiveError && err.code !== 'archive-missing') {
            const e = new FailedError(err.message, { hint: err.hint });
            e.result = { file: archive, ok: false, problems: err.problems };
            throw e;
          }
          throw err;
        }
      }),
    );
  examples(verify, [
    {
      cmd: 'tenantctl export verify /backups/acme-20250131T020000.000Z.tar.gz',
      does: 'check one archive offline: exit 1 if anything is off',
    },
    {
      cmd: 'for f in /backups/*.tar.gz; do tenantctl export verify "$f" >/dev/null || echo "BAD $f"; done',
      does: 'check every archive in a directory',
    },
  ]);
}
