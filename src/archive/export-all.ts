import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError } from '../shared/errors.js';
import { verifyRestore } from './restore-check.js';
import { fanOut, fanOutError, tally } from '../control/fanout.js';
import { withClient } from '../pg/tx.js';
import { requireControlSchema, listTenants } from '../control/registry.js';
import { exportTenant, ensureOutDir } from './export.js';

export interface ExportAllOptions {
  outDir: string;
  /** Archives to keep per tenant, the new one included; older ones go once the new one is complete. */
  keep?: number;
  concurrency?: number;
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
  const outDir = ensureOutDir(opts.outDir);
  const tenants = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    return listTenants(client, ctx.control);
  });
  const outcomes = await fanOut(
    tenants,
    {
      concurrency: opts.concurrency ?? ctx.settings.concurrency,
      maxFailures: Infinity,
      label: 'exporting',
      reporter: ctx.reporter,
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
  );
  const result: ExportAllResult = {
    outDir,
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
        error: o.status === 'failed' ? (o.error as Error).message : 'not started',
        deleted: [],
      };
    }),
  };
  const n = tally(outcomes);
  const err = fanOutError(
    n,
    {
      partial: `${n.failed} of ${tenants.length} tenants failed to export; the others were exported`,
      failed: `no tenant exported: all ${n.failed} failed`,
      busy: `no tenant exported: all ${n.failed} were locked by other work`,
    },
    result,
  );
  if (err) throw err;
  return result;
}
