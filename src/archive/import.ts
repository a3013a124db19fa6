import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import path from 'node:path';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError } from '../shared/errors.js';
import { slugProblem, schemaForSlug, tenantRoleName } from '../shared/names.js';
import { loadMigrations, lineEndingsOnly } from '../control/migration-files.js';
import { recordedMigrationHashes } from '../control/migration-state.js';
import { withClient } from '../pg/tx.js';
import { SqlFileError } from '../pg/sql-error.js';
import { underNewTenantLock } from '../control/tenant-frame.js';
import {
  requireControlSchema,
  roleTag,
  insertTenant,
  recordMigration,
} from '../control/registry.js';
import { createSchemaSql, createRoles, type TenantRoles } from '../provision/tenant-ddl.js';
import { existingRoles, existingPublications } from '../pg/catalog.js';
import { recordImportLineage } from '../control/registry.js';
import type { Gap } from './catalog/model.js';
import { accessStatements } from './access-ddl.js';
import { copyInStream } from './data.js';
import { isConnectionLost } from '../pg/connection.js';
import { quoteIdent, tenantSearchPath } from '../pg/quote.js';
import { writeAudit } from '../control/audit.js';
import { verifyArchive } from './verify.js';
import { archiveEntries, hashing, readAll, requireArchiveFile } from './read.js';
import { PRE_DATA, POST_DATA, type Manifest } from './manifest.js';

export interface ImportOptions {
  /** Restore under this slug (and its schema) instead of the archive's. */
  as?: string;
  /**
   * Import although the archive's migrations do not match, or (under another name) although
   * routines name the source schema in their bodies; they keep pointing there.
   */
  force?: boolean;
}

export interface ImportResult {
  file: string;
  slug: string;
  schema: string;
  from: { slug: string; schema: string; serverVersion: string; createdAt: string };
  roles: TenantRoles;
  tables: number;
  rows: number;
  migrations: number;
  /** Migration problems and routines naming the source schema, overridden with --force. */
  forced: string[];
  /** What the archive did not carry (it was exported with --allow-incomplete). */
  gaps: Gap[];
  warnings: string[];
  durationMs: number;
}

interface MigrationCheck {
  problems: string[];
  /** Said on stderr: what could not be checked. */
  notes: string[];
}

/**
 * The archive's applied migrations must be the ones this database runs, unchanged, or later
 * `migrate` runs go wrong. With a migrations directory they are compared with its files; without
 * one, with the hashes the control schema records for tenants already here (a restore at 3 a.m.
 * should not need a config file to prove what the database knows). A database that knows none of
 * them cannot check anything: the import goes ahead and says so.
 */
async function migrationCheck(
  ctx: Ctx,
  client: pg.ClientBase,
  m: Manifest,
): Promise<MigrationCheck> {
  if (m.migrations.length === 0) return { problems: [], notes: [] };
  const dir = ctx.settings.migrationsDir;
  const problems: string[] = [];
  if (dir !== undefined) {
    const local = new Map((await loadMigrations(dir)).map((f) => [f.id, f]));
    for (const a of m.migrations) {
      const f = local.get(a.id);
      if (!f)
        problems.push(`migration ${a.id} (${a.name}) is applied in the archive but not in ${dir}`);
      else if (f.hash !== a.hash) {
        const endings = lineEndingsOnly(a.hash, f);
        problems.push(
          endings
            ? `migration ${f.fileName} differs from the one applied in the archive only in line endings (${endings.replace('on disk', 'here')})`
            : `migration ${f.fileName} differs from the one applied in the archive (hash ${a.hash.slice(0, 10)} there, ${f.hash.slice(0, 10)} here)`,
        );
      }
    }
    return { problems, notes: [] };
  }
  const recorded = await recordedMigrationHashes(
    client,
    ctx.control,
    m.migrations.map((x) => x.id),
  );
  const unknown: number[] = [];
  for (const a of m.migrations) {
    const hashes = recorded.get(a.id);
    if (!hashes) unknown.push(a.id);
    else if (!hashes.includes(a.hash))
      problems.push(
        `migration ${a.id} (${a.name}) differs from the one this database records as applied (hash ${a.hash.slice(0, 10)} in the archive, ${hashes.map((h) => h.slice(0, 10)).join(', ')} here)`,
      );
  }
  const notes: string[] = [];
  if (unknown.length === m.migrations.length)
    notes.push(
      `no migrations directory, and this database records none of the archive's ${m.migrations.length} migration(s): their hashes were not checked`,
    );
  else if (unknown.length)
    notes.push(
      `migration(s) ${unknown.join(', ')} of the archive are not recorded in this database: their hashes were not checked (the others match)`,
    );
  return { problems, notes };
}

async function runSqlFile(client: pg.ClientBase, name: string, sql: string): Promise<void> {
  if (!sql.trim()) return;
  try {
    await client.query(sql);
  } catch (err) {
    // A lost server is not this file's fault: it goes up as such (withClient names the server).
    if (isConnectionLost(err)) throw err;
    // file, line, column and everything PostgreSQL said ride along on the cause (SqlFileError)
    const e = new SqlFileError(err, { label: `restoring ${name}`, file: name, text: sql });
    throw new FailedError(e.message, { cause: e, sql: e.sql });
  }
}

/**
 * Second pass over the (already verified) archive inside the import transaction: pre-data,
 * every data file through COPY FROM STDIN, post-data. Checksums are computed again on the way,
 * so a file changed since the first pass rolls the import back.
 */
async function loadArchive(
  client: pg.ClientBase,
  file: string,
  m: Manifest,
  schema: string,
): Promise<void> {
  const tableOf = new Map<string, Manifest['tables'][number]>();
  for (const t of m.tables) for (const f of t.files) tableOf.set(f.name, t);
  let stage: 'start' | 'data' | 'done' = 'start';
  for await (const e of archiveEntries(file)) {
    const want = m.files[e.name];
    if (!want) continue;
    const h = hashing(e.body);
    if (e.name === PRE_DATA || e.name === POST_DATA) {
      const text = (await readAll(h.chunks)).toString('utf8');
      if (h.digest() !== want.sha256)
        throw new FailedError(`${e.name} changed since it was verified; nothing imported`);
      if (e.name === PRE_DATA) {
        if (stage !== 'start') throw new FailedError(`${file}: ${PRE_DATA} is out of order`);
        await runSqlFile(client, PRE_DATA, text);
        stage = 'data';
      } else {
        if (stage !== 'data') throw new FailedError(`${file}: ${POST_DATA} is out of order`);
        await runSqlFile(client, POST_DATA, text);
        stage = 'done';
      }
      continue;
    }
    const table = tableOf.get(e.name);
    if (!table) {
      for await (const _ of h.chunks) void _;
      continue;
    }
    if (stage !== 'data') throw new FailedError(`${file}: ${e.name} is out of order`);
    try {
      await pipeline(
        Readable.from(h.chunks),
        copyInStream(client, schema, table.name, table.columns),
      );
    } catch (err) {
      if (isConnectionLost(err)) throw err;
      throw new FailedError(
        `loading ${e.name} into table ${table.name} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (h.digest() !== want.sha256)
      throw new FailedError(`${e.name} changed since it was verified; nothing imported`);
  }
  if (stage !== 'done')
    throw new FailedError(
      `${file}: ${POST_DATA} was not found on the second read; nothing imported`,
    );
}

export interface RestoreOutcome {
  warnings: string[];
  /** Roles other than the tenant's own that received grants from the archive. */
  carried: string[];
}

/**
 * Loads a verified archive into `schema` (which must not exist yet) on a client inside a
 * transaction: pre-data, the rows, post-data, then the access statements whose roles exist here
 * (roles passed through mapRole) and publication memberships where the publication exists. What
 * import and `export verify --restore` both do.
 */
export async function restoreArchive(
  client: pg.ClientBase,
  file: string,
  m: Manifest,
  schema: string,
  mapRole: (role: string) => string,
): Promise<RestoreOutcome> {
  await client.query(createSchemaSql(schema));
  // As a pg_dump script does: no statement or idle timeout cuts a restore short.
  await client.query(
    `SELECT set_config('search_path', $1, true), set_config('check_function_bodies', 'false', true),
            set_config('datestyle', 'ISO', true), set_config('intervalstyle', 'postgres', true),
            set_config('statement_timeout', '0', true),
            set_config('idle_in_transaction_session_timeout', '0', true)`,
    [tenantSearchPath(schema)],
  );
  await loadArchive(client, file, m, schema);
  const warnings: string[] = [];
  const statements = accessStatements(m.access, mapRole);
  const present = await existingRoles(client, [...new Set(statements.flatMap((s) => s.roles))]);
  const publications = await existingPublications(client, [
    ...new Set(statements.flatMap((s) => (s.publication ? [s.publication] : []))),
  ]);
  const own = new Set([mapRole(m.roles.rw), mapRole(m.roles.ro)]);
  const carried = new Set<string>();
  for (const st of statements) {
    const missing = st.roles.filter((r) => !present.has(r));
    if (missing.length) {
      warnings.push(`role ${missing.join(', ')} does not exist here: ${st.describe} not restored`);
      continue;
    }
    if (st.publication !== undefined && !publications.has(st.publication)) {
      warnings.push(
        `publication ${st.publication} does not exist here: ${st.describe.replace(/ in publication .*$/, '')} not added to it`,
      );
      continue;
    }
    await runSqlFile(client, `access (${st.describe})`, st.sql(quoteIdent(schema)));
    for (const r of st.roles) if (!own.has(r)) carried.add(r);
  }
  return { warnings, carried: [...carried] };
}

export async function importArchive(
  ctx: Ctx,
  fileInput: string,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const file = path.resolve(fileInput);
  const problems: string[] = [];
  if (opts.as !== undefined) {
    const p = slugProblem(opts.as, ctx.settings.schemaPrefix);
    if (p) problems.push(`--as: ${p}`);
  }
  if (problems.length) throw new UsageError(problems);
  requireArchiveFile(file);
  const started = performance.now();
  const { manifest: m } = await verifyArchive(file);
  const slug = (opts.as ?? m.slug).toLowerCase();
  const slugErr = slugProblem(slug, ctx.settings.schemaPrefix);
  if (slugErr) throw new UsageError(`${slugErr} (slug from the archive; pass --as <slug>)`);
  const schema = schemaForSlug(slug, ctx.settings.schemaPrefix);
  // A copy under another name must not keep reading and writing its source.
  const mentions = schema === m.schema ? [] : (m.schemaMentions ?? []);
  if (mentions.length && !opts.force)
    throw new UsageError(
      mentions.map(
        (x) =>
          `function ${x.routine} names the archive's schema ${m.schema} in its body (line ${x.line}: ${x.text}); restored as ${schema} it would still use ${m.schema}`,
      ),
      { code: 'archive-names-source' },
    );

  const c = ctx.control;
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const check = await migrationCheck(ctx, client, m);
    if (check.problems.length && !opts.force) {
      throw new UsageError(check.problems, {
        hint: "import only into a database whose migrations match; --force imports anyway and records the archive's migrations as applied",
      });
    }
    const tag = await roleTag(client, c);
    const roles: TenantRoles = {
      rw: tenantRoleName(schema, 'rw', tag),
      ro: tenantRoleName(schema, 'ro', tag),
    };
    const gaps = m.gaps ?? [];
    const warnings = [
      ...check.notes,
      ...m.warnings,
      ...gaps.map((g) => `the archive does not carry ${g.object} (${g.reason}): not restored`),
    ];
    const frame = {
      command: 'import',
      slug,
      schema,
      schemaIs: 'absent' as const,
      details: { file },
      conflictHint: 'nothing imported; import under another slug with --as <slug>',
    };
    return underNewTenantLock(ctx, client, frame, async () => {
      await createRoles(client, roles);
      const id = await insertTenant(client, c, {
        slug,
        schema,
        displayName: m.displayName ?? undefined,
        template: m.template,
        rwRole: roles.rw,
        roRole: roles.ro,
      });
      for (const mig of m.migrations) await recordMigration(client, c, id, mig, null);
      // The source tenant's roles become the new tenant's; other roles keep their grants where they exist.
      const mapRole = (r: string) =>
        r === m.roles.rw ? roles.rw : r === m.roles.ro ? roles.ro : r;
      const restored = await restoreArchive(client, file, m, schema, mapRole);
      warnings.push(...restored.warnings);
      await recordImportLineage(client, c, id, m.slug, restored.carried, gaps);
      const rows = m.tables.reduce((n, t) => n + t.rows, 0);
      const durationMs = Math.round(performance.now() - started);
      const forced = opts.force
        ? [
            ...check.problems,
            ...mentions.map((x) => `function ${x.routine} names ${m.schema} (line ${x.line})`),
          ]
        : [];
      await writeAudit(client, c, {
        command: 'import',
        tenant: slug,
        outcome: 'ok',
        durationMs,
        details: {
          schema,
          file,
          from: { slug: m.slug, schema: m.schema, serverVersion: m.serverVersion },
          rows,
          forced: forced.length ? forced : undefined,
          gaps: gaps.length ? gaps : undefined,
        },
      });
      return {
        file,
        slug,
        schema,
        from: {
          slug: m.slug,
          schema: m.schema,
          serverVersion: m.serverVersion,
          createdAt: m.createdAt,
        },
        roles,
        tables: m.tables.length,
        rows,
        migrations: m.migrations.length,
        forced,
        gaps,
        warnings,
        durationMs,
      };
    });
  });
}
