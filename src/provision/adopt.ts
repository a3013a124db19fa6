import type { Ctx } from '../control/context.js';
import { FailedError, UsageError } from '../shared/errors.js';
import { closeMatches } from '../shared/suggest.js';
import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';
import { slugProblem, tenantRoleName } from '../shared/names.js';
import { loadMigrations } from '../control/migration-files.js';
import { loadTemplate } from './template.js';
import { assertAppliedUnchanged } from '../control/migration-state.js';
import { fanOut, fanOutError, tally } from '../control/fanout.js';
import { withClient } from '../pg/tx.js';
import { underNewTenantLock } from '../control/tenant-frame.js';
import {
  requireControlSchema,
  roleTag,
  insertTenant,
  recordMigration,
  unregisteredSchemas,
  schemaExists,
  findTenantBySchema,
} from '../control/registry.js';
import { createRoles, grantExistingSql, tenantDefaultPrivilegesSql } from './tenant-ddl.js';
import { writeAudit } from '../control/audit.js';

export interface AdoptOptions {
  /** Mark migrations 1..baseline as applied without running them. */
  baseline?: number;
  /** Limit to these schemas (full names); default every unregistered schema with the prefix. */
  schemas?: string[];
  /** The template the schemas were built from; none is recorded without it. */
  template?: string;
  dryRun?: boolean;
}

export interface AdoptResult {
  dryRun: boolean;
  baseline: number;
  adopted: { slug: string; schema: string; ok: boolean; error?: string }[];
  skipped: { schema: string; reason: string }[];
}

/**
 * Schemas named on the command line that adopt cannot take: one error for all of them (exit 1,
 * nothing adopted), each with its reason, as for a tenant that is not there.
 */
async function refuseUnknownSchemas(
  client: Queryable,
  c: Control,
  prefix: string,
  named: string[],
  candidates: string[],
): Promise<void> {
  const problems: string[] = [];
  for (const schema of named.filter((s) => !candidates.includes(s))) {
    const registered = await findTenantBySchema(client, c, schema);
    problems.push(
      registered
        ? `schema ${schema} is already tenant "${registered}"`
        : !schema.startsWith(prefix)
          ? `schema ${schema} does not start with the tenant prefix "${prefix}"`
          : (await schemaExists(client, schema))
            ? `schema ${schema} cannot be adopted`
            : `no schema ${schema} in this database`,
    );
  }
  if (!problems.length) return;
  const suggestions = [
    ...new Set(
      named.flatMap((s) => closeMatches(s, candidates, { alias: (x) => x.slice(prefix.length) })),
    ),
  ].slice(0, 3);
  throw new FailedError(problems.join('; '), { code: 'schema-unknown', suggestions });
}

/**
 * Brown-field databases: registers schemas that match the prefix but are unknown to the registry,
 * gives them tenant roles and grants, and optionally marks migrations up to --baseline applied.
 * The schema's own objects are not changed.
 */
export async function adopt(ctx: Ctx, opts: AdoptOptions): Promise<AdoptResult> {
  const prefix = ctx.settings.schemaPrefix;
  const files = await loadMigrations(ctx.settings.migrationsDir);
  const problems: string[] = [];
  if (opts.baseline !== undefined) {
    if (!ctx.settings.migrationsDir)
      problems.push('--baseline needs a migrations directory (--migrations-dir)');
    else if (opts.baseline > 0 && !files.some((f) => f.id === opts.baseline))
      problems.push(
        `--baseline ${opts.baseline}: no migration with that id (have ${files.length ? `1..${files[files.length - 1].id}` : 'none'})`,
      );
  }
  // An adopted schema was not built from a template unless the operator says so: recording the
  // configured default would make verify compare it with a reference it never followed.
  let templateId: string | null = null;
  if (opts.template !== undefined) {
    try {
      templateId = loadTemplate(opts.template).id;
    } catch (err) {
      if (err instanceof UsageError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new UsageError(problems);
  const baseline = files.filter((f) => f.id <= (opts.baseline ?? 0));
  const c = ctx.control;

  const { candidates, tag } = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    if (ctx.settings.migrationsDir) await assertAppliedUnchanged(client, c, files, 'adopt');
    const candidates = await unregisteredSchemas(client, c, prefix);
    if (opts.schemas) await refuseUnknownSchemas(client, c, prefix, opts.schemas, candidates);
    return { candidates, tag: await roleTag(client, c) };
  });
  const wanted = opts.schemas ? candidates.filter((s) => opts.schemas!.includes(s)) : candidates;
  const skipped: AdoptResult['skipped'] = [];
  const todo: { slug: string; schema: string }[] = [];
  for (const schema of wanted) {
    const slug = schema.slice(prefix.length);
    const problem = slugProblem(slug, prefix);
    if (problem || slug !== slug.toLowerCase())
      skipped.push({ schema, reason: problem ?? 'upper-case letters cannot form a slug' });
    else todo.push({ slug, schema });
  }
  if (opts.dryRun)
    return {
      dryRun: true,
      baseline: opts.baseline ?? 0,
      adopted: todo.map((t) => ({ ...t, ok: true })),
      skipped,
    };

  const outcomes = await fanOut(
    todo,
    {
      concurrency: ctx.settings.concurrency,
      maxFailures: Infinity,
      label: 'adopting',
      reporter: ctx.reporter,
    },
    (t) =>
      withClient(ctx.db, (client) =>
        underNewTenantLock(
          ctx,
          client,
          {
            command: 'adopt',
            slug: t.slug,
            schema: t.schema,
            schemaIs: 'present',
            details: { schema: t.schema },
          },
          async (started) => {
            const roles = {
              rw: tenantRoleName(t.schema, 'rw', tag),
              ro: tenantRoleName(t.schema, 'ro', tag),
            };
            await createRoles(client, roles);
            const id = await insertTenant(client, c, {
              slug: t.slug,
              schema: t.schema,
              template: templateId,
              rwRole: roles.rw,
              roRole: roles.ro,
              adopted: true,
            });
            for (const m of baseline) await recordMigration(client, c, id, m, null, true);
            for (const sql of [
              ...tenantDefaultPrivilegesSql(t.schema, roles),
              ...grantExistingSql(t.schema, roles),
            ])
              await client.query(sql);
            await writeAudit(client, c, {
              command: 'adopt',
              tenant: t.slug,
              outcome: 'ok',
              durationMs: performance.now() - started,
              details: { schema: t.schema, baseline: opts.baseline ?? 0 },
            });
          },
        ),
      ),
    { slugOf: (t) => t.slug, describe: () => ({ status: 'adopted' }) },
  );
  const adopted = todo.map((t, i) => {
    const o = outcomes[i];
    return o.status === 'ok'
      ? { ...t, ok: true }
      : {
          ...t,
          ok: false,
          error: o.status === 'failed' ? (o.error as Error).message : 'not started',
        };
  });
  const result: AdoptResult = { dryRun: false, baseline: opts.baseline ?? 0, adopted, skipped };
  const n = tally(outcomes);
  const err = fanOutError(
    n,
    {
      partial: `${n.failed} of ${adopted.length} schemas could not be adopted`,
      failed: `adopt failed for ${n.failed} schema${n.failed === 1 ? '' : 's'}`,
      busy: `no schema adopted: ${n.failed === 1 ? 'it was' : `all ${n.failed} were`} locked by other work`,
    },
    result,
  );
  if (err) throw err;
  return result;
}
