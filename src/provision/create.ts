import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError, TenantctlError, type SqlDiagnostics } from '../shared/errors.js';
import { parseSlugs, tenantRoleName, type TenantName } from '../shared/names.js';
import { loadTemplate, runTemplateFiles, type Template } from './template.js';
import {
  loadMigrations,
  refuseTransactionControl,
  type MigrationFile,
} from '../control/migration-files.js';
import { applyInTransaction, enterTenantTransaction } from '../migrate/apply.js';
import { migrateOneTenant } from '../migrate/tenant.js';
import { assertAppliedUnchanged } from '../control/migration-state.js';
import { fanOut, fanOutError, tally } from '../control/fanout.js';
import { fitConcurrency } from '../control/budget.js';
import { SqlFileError, findSqlDiagnostics } from '../pg/sql-error.js';
import { withClient } from '../pg/tx.js';
import { underNewTenantLock } from '../control/tenant-frame.js';
import {
  requireControlSchema,
  roleTag,
  insertTenant,
  highestAppliedMigration,
} from '../control/registry.js';
import {
  createSchemaSql,
  createRolesSql,
  createRoles,
  tenantDefaultPrivilegesSql,
  type TenantRoles,
} from './tenant-ddl.js';
import { writeAudit, writeAuditQuietly } from '../control/audit.js';

export interface CreateOptions {
  slugs: string[];
  template?: string;
  displayName?: string;
  concurrency?: number;
  dryRun?: boolean;
}

export interface CreatedTenant {
  slug: string;
  schema: string;
  ok: boolean;
  error?: string;
  /** PostgreSQL's account of a failed template or migration: message, DETAIL, HINT, file, line. */
  sql?: SqlDiagnostics;
  roles?: TenantRoles;
  migrations: number[];
  durationMs: number;
}

export interface CreatePlan {
  slug: string;
  schema: string;
  roles: TenantRoles;
  steps: string[];
}

export interface CreateResult {
  dryRun: boolean;
  template: string;
  tenants: CreatedTenant[];
  plan?: CreatePlan[];
}

/**
 * A new tenant gets its migrations inside the provisioning transaction up to the first one marked
 * disable-transaction (CREATE INDEX CONCURRENTLY cannot run in a transaction); the rest follow
 * right after commit, as `migrate` would apply them.
 */
function inTransaction(migrations: MigrationFile[]): MigrationFile[] {
  const cut = migrations.findIndex((m) => !m.transactional);
  return cut === -1 ? migrations : migrations.slice(0, cut);
}
function afterCommit(migrations: MigrationFile[]): MigrationFile[] {
  return migrations.slice(inTransaction(migrations).length);
}

/** Validates everything that can be checked offline, reporting all problems at once. */
function prepare(ctx: Ctx, opts: CreateOptions): { names: TenantName[]; template: Template } {
  if (opts.slugs.length === 0)
    throw new UsageError('no slug given', { hint: 'usage: tenantctl create <slug...>' });
  const { names, problems } = parseSlugs(opts.slugs, ctx.settings.schemaPrefix);
  let template: Template | undefined;
  try {
    template = loadTemplate(opts.template ?? ctx.settings.template);
  } catch (err) {
    if (err instanceof UsageError) problems.push(...err.problems);
    else throw err;
  }
  if (opts.displayName !== undefined && names.length > 1)
    problems.push('--name applies to one tenant; give a single slug with it');
  if (problems.length) throw new UsageError(problems);
  return { names, template: template! };
}

function planFor(
  name: TenantName,
  roles: TenantRoles,
  template: Template,
  migrations: MigrationFile[],
): CreatePlan {
  return {
    slug: name.slug,
    schema: name.schema,
    roles,
    steps: [
      'BEGIN',
      createSchemaSql(name.schema),
      ...createRolesSql(roles),
      `-- register tenant "${name.slug}"`,
      ...tenantDefaultPrivilegesSql(name.schema, roles),
      ...template.files.map((f) => `-- template ${f.name}`),
      ...inTransaction(migrations).map((m) => `-- migration ${m.fileName}`),
      'COMMIT',
      ...afterCommit(migrations).map(
        (m) =>
          `-- migration ${m.fileName} (${m.transactional ? 'own transaction' : 'disable-transaction'}, after commit)`,
      ),
    ],
  };
}

/**
 * One tenant, one transaction: schema, roles, registry row, grants and default privileges, template,
 * every known migration and audit record commit together or not at all.
 */
async function provisionOne(
  ctx: Ctx,
  client: pg.ClientBase,
  name: TenantName,
  roles: TenantRoles,
  template: Template,
  migrations: MigrationFile[],
  displayName: string | undefined,
): Promise<{ id: number; applied: number[] }> {
  const c = ctx.control;
  const frame = {
    command: 'create',
    slug: name.slug,
    schema: name.schema,
    schemaIs: 'absent' as const,
  };
  return underNewTenantLock(ctx, client, frame, async (started) => {
    await client.query(createSchemaSql(name.schema));
    await createRoles(client, roles);
    const id = await insertTenant(client, c, {
      slug: name.slug,
      schema: name.schema,
      displayName,
      template: template.id,
      rwRole: roles.rw,
      roRole: roles.ro,
    });
    // Before the template, so its tables are granted as they are created (see tenantDefaultPrivilegesSql).
    for (const sql of tenantDefaultPrivilegesSql(name.schema, roles)) await client.query(sql);
    const txMark = await enterTenantTransaction(client, name.schema);
    const userSql = async (statementByStatement: boolean) => {
      await runTemplateFiles(client, template, statementByStatement);
      return applyInTransaction(client, c, { id, schema: name.schema }, inTransaction(migrations), {
        txMark,
        statementByStatement,
      });
    };
    // Each file goes as one query (fewest round trips for a fleet of new tenants); when one fails
    // without a position, the same SQL runs again from this savepoint, statement by statement, so
    // the error names its statement too. The transaction is lost either way.
    await client.query('SAVEPOINT tenantctl_user_sql');
    let applied: number[];
    try {
      applied = await userSql(false);
    } catch (err) {
      if (!(err instanceof SqlFileError) || err.sql.statement !== undefined) throw err;
      await client.query('ROLLBACK TO SAVEPOINT tenantctl_user_sql');
      await userSql(true);
      throw err; // it passed the second time (a lock, a race): the first error stands
    }
    await writeAudit(client, c, {
      command: 'create',
      tenant: name.slug,
      outcome: 'ok',
      durationMs: performance.now() - started,
      details: { schema: name.schema, template: template.id, migrations: applied.length },
    });
    return { id, applied };
  });
}

/**
 * Without a migrations directory a new tenant gets the template only. In a fleet whose tenants
 * have migrations applied it would be born behind them, silently: refused (exit 2) instead.
 */
async function refuseBornBehind(client: pg.ClientBase, c: Ctx['control']): Promise<void> {
  const highest = await highestAppliedMigration(client, c);
  if (highest > 0)
    throw new UsageError(
      `no migrations directory, but tenants here have migrations applied (up to ${highest}): a new tenant would be born behind them`,
      { code: 'migrations-behind' },
    );
}

export async function createTenants(ctx: Ctx, opts: CreateOptions): Promise<CreateResult> {
  const { names, template } = prepare(ctx, opts);
  const migrations = await loadMigrations(ctx.settings.migrationsDir);
  // A new tenant runs every migration: none may end its provisioning transaction.
  refuseTransactionControl(migrations);
  const c = ctx.control;
  const { tag, concurrency } = await withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    if (ctx.settings.migrationsDir)
      await assertAppliedUnchanged(client, c, migrations, 'create tenants');
    else await refuseBornBehind(client, c);
    const wanted = Math.min(opts.concurrency ?? ctx.settings.concurrency, names.length);
    return {
      tag: await roleTag(client, c),
      concurrency: opts.dryRun ? wanted : await fitConcurrency(client, ctx.reporter, wanted),
    };
  });
  // Migrations marked disable-transaction run after the commit, under a session lock: refused up
  // front through a transaction pooler (with --direct-url they go there), before any tenant exists.
  const rest = afterCommit(migrations);
  if (!opts.dryRun && rest.some((m) => !m.transactional)) {
    const probe = await ctx.db.sessionClient(
      `migration ${rest.find((m) => !m.transactional)!.fileName} is marked disable-transaction and runs statement by statement under a session lock`,
    );
    await probe.end().catch(() => {});
  }
  const rolesOf = (n: TenantName): TenantRoles => ({
    rw: tenantRoleName(n.schema, 'rw', tag),
    ro: tenantRoleName(n.schema, 'ro', tag),
  });

  if (opts.dryRun) {
    return {
      dryRun: true,
      template: template.id,
      tenants: [],
      plan: names.map((n) => planFor(n, rolesOf(n), template, migrations)),
    };
  }

  const outcomes = await fanOut(
    names,
    {
      concurrency,
      maxFailures: Infinity,
      label: 'creating',
      reporter: ctx.reporter,
      signal: ctx.signal,
    },
    async (name) => {
      const started = performance.now();
      const { id, applied } = await withClient(ctx.db, (client) =>
        provisionOne(ctx, client, name, rolesOf(name), template, migrations, opts.displayName),
      );
      if (rest.length) {
        try {
          const work = { id, slug: name.slug, schema: name.schema, pending: rest };
          applied.push(...(await migrateOneTenant(ctx, work)));
        } catch (err) {
          const failure = new FailedError(
            `created ${name.slug} at migration ${applied[applied.length - 1] ?? 0}, but ${(err as Error).message}`,
            { cause: err, hint: 'fix the migration, then run `tenantctl migrate`' },
          );
          await withClient(ctx.db, (client) =>
            writeAuditQuietly(client, c, {
              command: 'create',
              tenant: name.slug,
              outcome: 'failed',
              durationMs: performance.now() - started,
              details: { error: failure.message },
            }),
          ).catch(() => {});
          throw failure;
        }
      }
      return { applied, durationMs: Math.round(performance.now() - started) };
    },
    {
      slugOf: (n) => n.slug,
      describe: (v) => ({
        status: 'created',
        detail: `at migration ${v.applied.at(-1) ?? 0}`,
      }),
    },
  );

  const tenants = names.map((n, i): CreatedTenant => {
    const o = outcomes[i];
    const base = { slug: n.slug, schema: n.schema };
    if (o.status === 'ok')
      return {
        ...base,
        ok: true,
        roles: rolesOf(n),
        migrations: o.value.applied,
        durationMs: o.value.durationMs,
      };
    const error =
      o.status === 'skipped'
        ? 'not started'
        : o.status === 'interrupted'
          ? `interrupted: ${(o.error as Error).message}`
          : (o.error as Error).message;
    const sql = o.status === 'failed' ? findSqlDiagnostics(o.error) : undefined;
    return { ...base, ok: false, error, ...(sql ? { sql } : {}), migrations: [], durationMs: 0 };
  });
  const result: CreateResult = { dryRun: false, template: template.id, tenants };
  // One tenant asked for: its own error is the run's, with its exit code.
  const only = outcomes.length === 1 ? outcomes[0] : undefined;
  if (only?.status === 'failed' || (only?.status === 'interrupted' && !outcomes.stopped)) {
    const err =
      only.error instanceof TenantctlError
        ? only.error
        : new FailedError(`create ${names[0].slug}: ${(only.error as Error).message}`, {
            cause: only.error,
          });
    err.result = result;
    throw err;
  }
  const t = tally(outcomes);
  const err = fanOutError(
    t,
    {
      done: 'created',
      partial: `${t.failed} of ${names.length} tenants failed; the others were created`,
      failed: `no tenant created: all ${t.failed} failed`,
      busy: `no tenant created: all ${t.failed} were locked by other work`,
    },
    result,
    outcomes.stopped,
  );
  if (err) throw err;
  return result;
}
