import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../control/context.js';
import { UsageError } from '../shared/errors.js';
import { fanOut, fanOutError, tally } from '../control/fanout.js';
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
}

export interface ExportedTenant {
  slug: string;
  ok: boolean;
  file?: string;
  bytes?: number;
  rows?: number;
  error?: string;
  deleted: string[];
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
  const selection = { include: opts.tenants, exclude: opts.exclude };
  parseSelection(selection, ctx.settings.schemaPrefix);
  const outDir = ensureOutDir(opts.outDir);
  const tenants = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    const slugs = await selectTenants(client, ctx.control, selection, ctx.settings.schemaPrefix);
    return listTenants(client, ctx.control, { slugs });
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
      const r = await exportTenant(ctx, t.slug, { outDir });
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
