import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError } from '../shared/errors.js';
import { verifyRestore } from './restore-check.js';
import { fanOut, fanOutError, tally } from '../control/fanout.js';
import { fitConcurrency } from '../control/budget.js';
import { withClient } from '../pg/tx.js';
import { requireControlSchema, listTenants } from '../control/registry.js';
import { parseSelection, selectTenants } from '../control/selection.js';
import { exportTenant, ensureOutDir } from './export.js';

export interface ExportAllOptions {
  outDir: string;
  /** Archives to keep per tenant, the new one included; older ones go once the new one is complete. */
  keep?: number;
  concurrency?: number;
  /** Slugs or globs (control/selection.ts); none means every tenant. */
  tenants?: string[];
  exclude?: string[];
  /** Write archives although objects cannot be carried, recording them (export --allow-incomplete). */
  allowIncomplete?: boolean;
  /** Restore each new archive into a rolled-back scratch schema before older ones are pruned. */
  verifyRestore?: boolean;
}

export interface ExportedTenant {
  slug: string;
  ok: boolean;
  file?: string;
  bytes?: number;
  rows?: number;
  error?: string;
  deleted: string[];
  /** What the archive does not carry (with allowIncomplete). */
  gaps?: { object: string; reason: string }[];
  /** With verifyRestore: the archive restored and matched its manifest. */
  restoreVerified?: boolean;
}

export interface ExportAllResult {
  outDir: string;
  tenants: ExportedTenant[];
  /** Temporary files of earlier runs that died before cleaning up, removed by this one. */
  removedStale: string[];
}

/** ArchiveWriter's temporary name: `.<archive>.partial-<pid>-<8 hex>`. */
const PARTIAL = /^\.(.+\.tar\.gz)\.partial-(\d+)-[0-9a-f]{8}$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temporary archives left in `dir` by a tenantctl that was killed (kill -9, a second Ctrl-C, a
 * power cut): files of tenantctl's own naming whose process is gone. A live writer's files (its
 * pid still runs on this host) are left alone. Returns the names removed.
 */
export function removeStalePartials(dir: string): string[] {
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = PARTIAL.exec(f);
    if (!m || Number(m[2]) === process.pid || processAlive(Number(m[2]))) continue;
    try {
      unlinkSync(path.join(dir, f));
      removed.push(f);
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
  return removed;
}

/** Archives of one tenant in a directory, newest first (the timestamp sorts as text). */
export function archivesOf(dir: string, slug: string): string[] {
  const re = new RegExp(
    `^${slug.replace(/[^a-z0-9]/g, (ch) => `\\${ch}`)}-\\d{8}T\\d{6}(\\.\\d{3})?Z\\.tar\\.gz$`,
  );
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .reverse();
}

export function pruneArchives(dir: string, slug: string, keep: number): string[] {
  const old = archivesOf(dir, slug).slice(keep);
  for (const f of old) unlinkSync(path.join(dir, f));
  return old;
}

/** Every tenant to its own archive, each from its own snapshot; a failed tenant does not stop the rest. */
export async function exportAll(ctx: Ctx, opts: ExportAllOptions): Promise<ExportAllResult> {
  if (opts.keep !== undefined && (!Number.isInteger(opts.keep) || opts.keep < 1))
    throw new UsageError(`--keep must be a whole number of at least 1, got ${opts.keep}`);
  const selection = { include: opts.tenants, exclude: opts.exclude };
  parseSelection(selection, ctx.settings.schemaPrefix);
  const outDir = ensureOutDir(opts.outDir);
  const removedStale = removeStalePartials(outDir);
  if (removedStale.length)
    ctx.reporter.info(
      `removed ${removedStale.length} temporary file${removedStale.length === 1 ? '' : 's'} left in ${outDir} by an export that did not finish`,
    );
  const { tenants, concurrency } = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    const slugs = await selectTenants(client, ctx.control, selection, ctx.settings.schemaPrefix);
    const tenants = await listTenants(client, ctx.control, { slugs });
    const wanted = Math.min(opts.concurrency ?? ctx.settings.concurrency, tenants.length || 1);
    return { tenants, concurrency: await fitConcurrency(client, ctx.reporter, wanted) };
  });
  const outcomes = await fanOut(
    tenants,
    {
      concurrency,
      maxFailures: Infinity,
      label: 'exporting',
      reporter: ctx.reporter,
      signal: ctx.signal,
    },
    async (t) => {
      const r = await exportTenant(ctx, t.slug, { outDir, allowIncomplete: opts.allowIncomplete });
      if (opts.verifyRestore) {
        // An archive that does not restore is a failed backup: older ones are not pruned for it.
        const check = await verifyRestore(ctx, r.file);
        if (!check.ok)
          throw new FailedError(
            `archive ${r.file} was written but does not restore: ${check.problems.slice(0, 3).join('; ')}${check.problems.length > 3 ? ` (${check.problems.length} problems)` : ''}`,
          );
      }
      const deleted = opts.keep !== undefined ? pruneArchives(outDir, t.slug, opts.keep) : [];
      return { ...r, deleted };
    },
    {
      slugOf: (t) => t.slug,
      describe: (v) => ({ status: 'exported', detail: v.file }),
    },
  );
  const result: ExportAllResult = {
    outDir,
    removedStale,
    tenants: tenants.map((t, i): ExportedTenant => {
      const o = outcomes[i];
      if (o.status === 'ok')
        return {
          slug: t.slug,
          ok: true,
          file: o.value.file,
          bytes: o.value.bytes,
          rows: o.value.rows,
          deleted: o.value.deleted,
          ...(o.value.gaps.length ? { gaps: o.value.gaps } : {}),
          ...(opts.verifyRestore ? { restoreVerified: true } : {}),
        };
      return {
        slug: t.slug,
        ok: false,
        error:
          o.status === 'skipped'
            ? 'not started'
            : o.status === 'interrupted'
              ? `interrupted: ${(o.error as Error).message}`
              : (o.error as Error).message,
        deleted: [],
      };
    }),
  };
  const n = tally(outcomes);
  const err = fanOutError(
    n,
    {
      done: 'exported',
      partial: `${n.failed} of ${tenants.length} tenants failed to export; the others were exported`,
      failed: `no tenant exported: all ${n.failed} failed`,
      busy: `no tenant exported: all ${n.failed} were locked by other work`,
    },
    result,
    outcomes.stopped,
  );
  if (err) throw err;
  return result;
}
