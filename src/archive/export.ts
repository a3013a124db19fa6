import type pg from 'pg';
import { existsSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError, BusyError, throwIfAborted } from '../shared/errors.js';
import { normalizeSlug } from '../shared/names.js';
import { tenantctlVersion } from '../shared/paths.js';
import { withClient, beginSql } from '../pg/tx.js';
import { takeXactLock, lockTimeoutSetting } from '../pg/advisory-lock.js';
import { tenantLock } from '../control/locks.js';
import { requireControlSchema, getTenant, appliedMigrations } from '../control/registry.js';
import {
  namespaceOid,
  lockableRelations,
  lockTablesSql,
  readTenantCatalog,
  sequenceValues,
} from './catalog.js';
import { schemaDdl } from './schema-ddl.js';
import type { Gap } from './catalog/model.js';
import { accessStatements, accessScript, type TenantAccess } from './access-ddl.js';
import { copyOutStream } from './data.js';
import { tenantSearchPath } from '../pg/quote.js';
import { writeAudit, writeAuditQuietly } from '../control/audit.js';
import { failureOutcome } from '../control/fanout.js';
import { isLockTimeout, sqlstateOf, SQLSTATE } from '../pg/sqlstate.js';
import { isConnectionLost } from '../pg/connection.js';
import { ArchiveWriter } from './write.js';
import { restoreScript, readmeText } from './restore-script.js';
import {
  FORMAT,
  FORMAT_VERSION,
  PRE_DATA,
  POST_DATA,
  ACCESS,
  RESTORE,
  README,
  MANIFEST,
  dataFileName,
  type Manifest,
  type ArchiveTable,
} from './manifest.js';

export interface ExportOptions {
  /** Exact file to write. */
  output?: string;
  /** Directory for the default `<slug>-<UTC timestamp>.tar.gz` name. */
  outDir?: string;
  /** Audit command name (drop --backup-to records its export as part of the drop). */
  auditCommand?: string;
  /** Write the archive although some objects cannot be carried, recording them in the manifest. */
  allowIncomplete?: boolean;
}

export interface ExportResult {
  slug: string;
  schema: string;
  file: string;
  bytes: number;
  tables: number;
  rows: number;
  durationMs: number;
  warnings: string[];
  /** What the archive does not carry (only with allowIncomplete; otherwise export fails). */
  gaps: Gap[];
}

/** 20250102T030405.678Z: sortable, one per millisecond, no characters shells or Windows dislike. */
export function archiveTimestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '');
}

export function defaultArchiveName(slug: string, d = new Date()): string {
  return `${slug}-${archiveTimestamp(d)}.tar.gz`;
}

/** Where the archive goes, validated before any connection is made. */
export function resolveOutput(slug: string, opts: ExportOptions): string {
  if (opts.output !== undefined && opts.outDir !== undefined)
    throw new UsageError('give either -o <file> or --out-dir <dir>, not both');
  // `-o /backups/` (an existing directory, or a trailing slash) means "in there, default name", as cp would.
  if (
    opts.output !== undefined &&
    (/[/\\]$/.test(opts.output) || (existsSync(opts.output) && statSync(opts.output).isDirectory()))
  ) {
    // cp's rule too: the directory must exist. A typo in a backup path must not make a new one.
    if (!existsSync(opts.output) || !statSync(opts.output).isDirectory())
      throw new UsageError(`cannot write into ${opts.output}: no such directory`, {
        hint: '-o names an existing directory or a file in one; create it first, or use --out-dir <dir>, which creates it',
      });
    return path.join(path.resolve(opts.output), defaultArchiveName(slug));
  }
  if (opts.output !== undefined) {
    const file = path.resolve(opts.output);
    const dir = path.dirname(file);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UsageError(`cannot write ${opts.output}: directory ${dir} does not exist`, {
        hint: 'create it first, or use --out-dir <dir>, which creates it',
      });
    if (existsSync(file))
      throw new UsageError(`${opts.output} already exists; tenantctl does not overwrite archives`);
    return file;
  }
  return path.join(ensureOutDir(opts.outDir ?? '.'), defaultArchiveName(slug));
}

/** --out-dir is created when missing (cron's first night); a path that cannot be a directory is a usage error. */
export function ensureOutDir(outDir: string): string {
  const dir = path.resolve(outDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create output directory ${dir}: ${(err as Error).message}`);
  }
  return dir;
}

async function serverVersion(client: pg.ClientBase): Promise<{ text: string; num: number }> {
  const { rows } = await client.query(
    `SELECT current_setting('server_version') AS text, current_setting('server_version_num')::int AS num`,
  );
  return rows[0];
}

/** A deadlock, possibly behind the BusyError takeXactLock makes of it. */
function isDeadlock(err: unknown): boolean {
  return [err, (err as { cause?: unknown })?.cause].some(
    (e) => sqlstateOf(e) === SQLSTATE.DEADLOCK_DETECTED,
  );
}

/**
 * Opens the export's one transaction and takes its snapshot, all of it transaction-scoped (so
 * correct through a transaction pooler): REPEATABLE READ READ ONLY with its settings (SET LOCAL:
 * timeouts off as pg_dump has them, lock_timeout, search_path, output formats), share locks on
 * every table (LOCK is a utility statement, so neither fixes the snapshot), then the tenant's
 * advisory lock, whose SELECT is the first statement to take a snapshot: a migration that
 * committed while we waited is in it, and no table rewritten after it can be read empty. A table
 * created between listing and locking would be missed, so the list is compared and the whole
 * attempt retried when it changed; a deadlock with a migration that held the tenant lock and
 * wanted a table we had locked is retried the same way.
 */
async function beginSnapshot(ctx: Ctx, client: pg.ClientBase, schema: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const nspBefore = await namespaceOid(client, schema);
    if (nspBefore === null)
      throw new FailedError(`schema ${schema} of this tenant does not exist`, {
        hint: 'see `tenantctl verify`',
      });
    const before = await lockableRelations(client, nspBefore);
    await client.query(
      beginSql({
        begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
        noTimeouts: true,
        settings: {
          lock_timeout: lockTimeoutSetting(ctx.settings.lockTimeoutMs),
          datestyle: 'ISO',
          intervalstyle: 'postgres',
          extra_float_digits: '3',
          row_security: 'off',
        },
        searchPath: tenantSearchPath(schema),
      }),
    );
    try {
      const lock = lockTablesSql(schema, before);
      if (lock) await client.query(lock);
      await takeXactLock(client, tenantLock(ctx.control.schema, schema));
      const nsp = await namespaceOid(client, schema);
      const now = nsp === null ? [] : await lockableRelations(client, nsp);
      if (nsp === nspBefore && now.length === before.length && now.every((t, i) => t === before[i]))
        return nsp;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (isDeadlock(err) && attempt < 3) continue;
      if (err instanceof BusyError) throw err;
      if (isLockTimeout(err))
        throw new BusyError(`tables of ${schema} are locked (DDL in progress?)`, {
          cause: err,
          hint: 'retry later or raise --lock-timeout',
        });
      if (sqlstateOf(err) !== SQLSTATE.UNDEFINED_TABLE || attempt >= 3) throw err;
      continue;
    }
    await client.query('ROLLBACK');
    if (attempt >= 3)
      throw new BusyError(`tables of ${schema} keep changing during export`, {
        hint: 'retry when no DDL is running against this tenant',
      });
  }
}

/**
 * One tenant to one archive, from one REPEATABLE READ snapshot. Reads only the tenant's own
 * catalog rows and streams each table through COPY into the archive.
 */
export async function exportTenant(
  ctx: Ctx,
  slugInput: string,
  opts: ExportOptions = {},
): Promise<ExportResult> {
  const slug = normalizeSlug(slugInput, ctx.settings.schemaPrefix);
  const file = resolveOutput(slug, opts);
  const c = ctx.control;
  const started = performance.now();
  const command = opts.auditCommand ?? 'export';
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const t = await getTenant(client, c, slug);
    try {
      const nsp = await beginSnapshot(ctx, client, t.schema);
      const writer = ArchiveWriter.open(file);
      let result: { tables: ArchiveTable[]; warnings: string[]; gaps: Gap[] };
      try {
        // Read in the snapshot, under the tenant lock: the manifest's migrations match its DDL.
        const migrations = (await appliedMigrations(client, c, t.id)).map((m) => ({
          id: m.id,
          name: m.name,
          hash: m.hash,
        }));
        const version = await serverVersion(client);
        const cat = await readTenantCatalog(client, t.schema, nsp);
        if (cat.gaps.length && !opts.allowIncomplete)
          throw new FailedError(
            [
              `${slug}: ${cat.gaps.length} object${cat.gaps.length === 1 ? '' : 's'} cannot be carried by the archive; nothing written`,
              ...cat.gaps.map((g) => `${g.object}: ${g.reason}`),
            ].join('\n  '),
            { code: 'archive-incomplete' },
          );
        const seqs = await sequenceValues(client, t.schema, cat.sequences);
        const ddl = schemaDdl(cat, seqs);
        const access: TenantAccess = cat.access;
        await writer.addFile(PRE_DATA, ddl.preData);
        const tables: ArchiveTable[] = [];
        for (const [i, tbl] of ddl.tables.entries()) {
          throwIfAborted(ctx.signal);
          const stream = copyOutStream(client, t.schema, tbl.name, tbl.columns);
          const files = await writer.addCopyData(stream, (part) => dataFileName(i, part));
          tables.push({
            name: tbl.name,
            columns: tbl.columns,
            rows: files.reduce((n, f) => n + f.rows, 0),
            files,
          });
        }
        await writer.addFile(POST_DATA, ddl.postData);
        await writer.addFile(
          ACCESS,
          accessScript(accessStatements(access), {
            schema: t.schema,
            roles: [t.rwRole, t.roRole],
          }),
        );
        const head = {
          format: FORMAT,
          formatVersion: FORMAT_VERSION,
          tenantctlVersion: tenantctlVersion(),
          serverVersion: version.text,
          serverVersionNum: version.num,
          createdAt: new Date().toISOString(),
          slug: t.slug,
          schema: t.schema,
          displayName: t.displayName,
          template: t.template,
          status: t.status,
          roles: { rw: t.rwRole, ro: t.roRole },
          migrations,
          tables,
        } as const;
        await writer.addFile(RESTORE, restoreScript(head));
        await writer.addFile(README, readmeText(head, path.basename(file)));
        const manifest: Manifest = {
          ...head,
          access,
          warnings: ddl.warnings,
          gaps: cat.gaps,
          description: ddl.description,
          schemaMentions: cat.mentions,
          files: { ...writer.files },
        };
        await writer.addFile(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
        await client.query('COMMIT');
        result = { tables, warnings: ddl.warnings, gaps: cat.gaps };
      } catch (err) {
        await writer.abort();
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      const rows = result.tables.reduce((n, x) => n + x.rows, 0);
      let bytes: number;
      try {
        bytes = await writer.finish();
        throwIfAborted(ctx.signal);
        // The record before the archive appears under its name: no archive without its record.
        // Export changes nothing, so a read-only connection (a hot standby) is fine: a refused
        // write is a warning; a lost connection is not (the archive is removed, export fails).
        await writeAudit(client, c, {
          command,
          tenant: slug,
          outcome: 'ok',
          durationMs: Math.round(performance.now() - started),
          details: {
            schema: t.schema,
            file,
            bytes,
            tables: result.tables.length,
            rows,
            ...(result.gaps.length ? { gaps: result.gaps } : {}),
          },
        }).catch((err) => {
          if (isConnectionLost(err)) throw err;
          result.warnings.push(`audit record not written: ${(err as Error).message}`);
        });
        await writer.publish();
      } catch (err) {
        await writer.abort();
        throw err;
      }
      return {
        slug,
        schema: t.schema,
        file,
        bytes,
        tables: result.tables.length,
        rows,
        durationMs: Math.round(performance.now() - started),
        warnings: result.warnings,
        gaps: result.gaps,
      };
    } catch (err) {
      await writeAuditQuietly(client, c, {
        command,
        tenant: slug,
        outcome: failureOutcome(err, ctx.signal),
        durationMs: performance.now() - started,
        details: { file, error: (err as Error).message },
      });
      if (
        err instanceof Error &&
        'code' in err &&
        typeof (err as NodeJS.ErrnoException).syscall === 'string' &&
        !isConnectionLost(err)
      ) {
        throw new FailedError(`export of ${slug} failed writing ${file}: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  });
}
