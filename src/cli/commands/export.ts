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
      ? `${c.green('exported')} ${t.slug} -> ${t.file} (${formatBytes(t.bytes ?? 0)}, ${t.rows} rows${t.restoreVerified ? ', restore verified' : ''}${t.gaps?.length ? `, ${c.yellow(`incomplete: ${t.gaps.map((g) => g.object).join(', ')}`)}` : ''}${t.deleted.length ? `, removed ${t.deleted.length} older` : ''})`
      : `${c.red('failed')}   ${t.slug}: ${t.error}`,
  );
}

interface ExportFlags extends SelectionFlags {
  output?: string;
  all?: boolean;
  outDir?: string;
  keep?: number;
  concurrency?: number;
  allowIncomplete?: boolean;
  verifyRestore?: boolean;
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
    .addOption(concurrencyOption())
    .option(
      '--allow-incomplete',
      'write the archive even when some objects cannot be carried, recording them in the manifest (import, export verify and info then name them)',
    )
    .option(
      '--verify-restore',
      'restore each new archive into a scratch schema in a rolled-back transaction and compare it with the manifest before older archives are pruned (costs about an import per tenant)',
    );
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
            exportAll(ctx, {
              outDir: opts.outDir!,
              keep: opts.keep,
              concurrency,
              ...selection,
              allowIncomplete: opts.allowIncomplete,
              verifyRestore: opts.verifyRestore,
            }),
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
      const r = await exportTenant(ctx, slug!, {
        output: opts.output,
        outDir: opts.outDir,
        allowIncomplete: opts.allowIncomplete,
      });
      for (const w of r.warnings) s.out.warn(w);
      for (const g of r.gaps) s.out.warn(`not in the archive: ${g.object} (${g.reason})`);
      let restore: { ok: boolean; problems: string[]; restoreMs: number } | undefined;
      if (opts.verifyRestore) {
        const { verifyRestore } = await import('../../archive/restore-check.js');
        restore = await verifyRestore(ctx, r.file);
        if (!restore.ok) {
          const e = new FailedError(
            [`${r.file} was written but does not restore:`, ...restore.problems].join('\n  '),
          );
          e.result = { ...r, restore };
          throw e;
        }
      }
      s.out.result(
        restore ? { ...r, restore } : r,
        () =>
          `exported ${r.slug} (${r.schema}) -> ${r.file} (${formatBytes(r.bytes)}, ${r.tables} tables, ${r.rows} rows${restore ? `, restore verified in ${restore.restoreMs} ms` : ''}${r.gaps.length ? `; INCOMPLETE: ${r.gaps.length} object(s) not carried` : ''})`,
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
      'check an archive without a database: framing, manifest, every checksum and row count; with --restore, also restore it into a rolled-back scratch schema and compare',
    )
    .argument('<archive>', 'a .tar.gz written by `tenantctl export`')
    .option(
      '--restore',
      'restore the archive into a scratch schema inside a transaction that is always rolled back and compare the result with the manifest (needs a database; costs about an import)',
    )
    .action(async (archive: string, opts: { restore?: boolean }, command: Command) =>
      withSession(command, async (s) => {
        const { verifyArchive } = await import('../../archive/verify.js');
        const { ArchiveError } = await import('../../archive/read.js');
        try {
          if (opts.restore) {
            const { verifyRestore } = await import('../../archive/restore-check.js');
            const r = await verifyRestore(await s.ctx(1), archive);
            for (const g of r.gaps) s.out.warn(`not in the archive: ${g.object} (${g.reason})`);
            for (const n of r.notes) s.out.warn(n);
            if (!r.ok) {
              const e = new FailedError(
                [`${archive} does not restore as its manifest describes:`, ...r.problems].join(
                  '\n  ',
                ),
              );
              e.result = r;
              throw e;
            }
            s.out.result(
              r,
              () =>
                `ok: ${archive} restores: tenant ${r.slug} (${r.schema}), ${r.tables} tables, ${r.rows} rows, every object as described, in ${r.restoreMs} ms (rolled back)`,
            );
            return;
          }
          const { result: r } = await verifyArchive(archive);
          for (const g of r.gaps) s.out.warn(`not in the archive: ${g.object} (${g.reason})`);
          s.out.result(
            r,
            () =>
              `ok: ${archive} holds tenant ${r.slug} (${r.schema}), ${r.tables} tables, ${r.rows} rows, ${r.files} files, format ${r.formatVersion}, from PostgreSQL ${r.serverVersion} at ${r.createdAt}${r.gaps.length ? `; INCOMPLETE: ${r.gaps.length} object(s) not carried` : ''}`,
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
    {
      cmd: 'tenantctl export verify --restore /backups/acme-20250131T020000.000Z.tar.gz',
      does: 'prove it restores: a rolled-back restore compared with the manifest',
    },
  ]);
}
