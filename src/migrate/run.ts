import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import { FailedError, BusyError, TenantctlError } from '../shared/errors.js';
import { requireMigrations, type MigrationFile } from '../control/migration-files.js';
import { loadFleetState, type TenantPlan } from './state.js';
import { selectTenants } from '../control/selection.js';
import { applyInTransaction, MigrationSqlError, setTenantSearchPath } from './apply.js';
import { splitStatements } from '../pg/split.js';
import { fanOut, fanOutError, tally, auditOutcomeOf } from '../control/fanout.js';
import { SqlFileError } from '../pg/sql-error.js';
import { withClient, withDedicatedClient, withTransaction } from '../pg/tx.js';
import { withAdvisoryLock } from '../pg/advisory-lock.js';
import { tenantLock, migrateRunLock } from '../control/locks.js';
import {
  appliedIds,
  lockAndEnterTenant,
  migrateTenantInOneCall,
  tenantPresent,
  recordFailure,
  clearFailure,
} from '../control/migration-state.js';
import { tenantSearchPath } from '../pg/quote.js';
import { recordMigration } from '../control/registry.js';
import {
  writeAudit,
  startAudit,
  finishAudit,
  markInterrupted,
  type AuditEntry,
} from '../control/audit.js';
import { isLockTimeout, isQueryCanceled } from '../pg/sqlstate.js';

export interface MigrateOptions {
  tenants?: string[];
  dryRun?: boolean;
  /** Stop starting tenants after this many failures; Infinity for "all". */
  maxFailures?: number;
  statementTimeoutMs?: number;
  /** Lock-timeout retries per tenant before it counts as failed. */
  retries?: number;
  /** A worker's connection is replaced after this many tenants, so backend catalog caches stay small. */
  recycleEvery?: number;
  /** Transactional groups as one call of migrate_tenant() (default); false: one statement per round trip. */
  oneCall?: boolean;
}

export type TenantStatus = 'applied' | 'current' | 'failed' | 'skipped' | 'planned';

export interface TenantMigrateResult {
  slug: string;
  schema: string;
  status: TenantStatus;
  from: number;
  to: number;
  applied: number[];
  pending: number[];
  error?: string;
  durationMs: number;
}

export interface MigrateResult {
  dryRun: boolean;
  latest: number;
  succeeded: number;
  failed: number;
  skipped: number;
  tenants: TenantMigrateResult[];
}

/** Runs of consecutive transactional migrations share one transaction; a non-transactional one stands alone. */
export function groupMigrations(pending: MigrationFile[]): MigrationFile[][] {
  const groups: MigrationFile[][] = [];
  for (const m of pending) {
    const last = groups[groups.length - 1];
    if (m.transactional && last?.[0].transactional) last.push(m);
    else groups.push([m]);
  }
  return groups;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker slot's connection, replaced every `recycleEvery` tenants. */
class SlotClient {
  private client?: pg.Client;
  private used = 0;
  constructor(
    private readonly ctx: Ctx,
    private readonly recycleEvery: number,
    private readonly statementTimeoutMs?: number,
  ) {}
  async get(): Promise<pg.Client> {
    if (this.client && this.used >= this.recycleEvery) await this.close();
    this.client ??= await this.ctx.db.dedicatedClient({
      statementTimeoutMs: this.statementTimeoutMs,
    });
    this.used++;
    return this.client;
  }
  /** A client that saw an error mid-transaction or mid-statement is not reused. */
  async discard(): Promise<void> {
    await this.close();
  }
  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.used = 0;
    await c?.end().catch(() => {});
  }
}

export class TenantMigrationError extends Error {
  constructor(
    message: string,
    readonly migrationId: number | null,
    readonly busy: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type TenantWork = Pick<TenantPlan, 'id' | 'slug' | 'schema' | 'pending'> & {
  failedBefore?: boolean;
};

export interface Engine {
  ctx: Ctx;
  opts: Required<Pick<MigrateOptions, 'retries'>> & MigrateOptions;
}

const droppedMeanwhile = (t: TenantWork) =>
  new FailedError(
    `tenant ${t.slug} was dropped (or its schema removed) while this run waited for it`,
  );

/**
 * The fast path: the whole transaction below as one call of the control schema's migrate_tenant()
 * (one round trip per tenant instead of five). Its errors carry no file position, so a failure
 * sends the tenant to the statement-by-statement path, which reports it precisely.
 */
export async function applyGroupInOneCall(
  e: Engine,
  client: pg.ClientBase,
  t: TenantWork,
  group: MigrationFile[],
): Promise<number[]> {
  const c = e.ctx.control;
  const r = await migrateTenantInOneCall(
    client,
    c,
    tenantLock(c.schema, t.schema),
    e.ctx.settings.lockTimeoutMs,
    { ...t, clearFailure: t.failedBefore !== false },
    tenantSearchPath(t.schema),
    group,
  );
  if (!r.present) throw droppedMeanwhile(t);
  return r.applied;
}

/**
 * The precise path, one statement per round trip: tenant lock, re-read what is applied (another
 * run may have been first), apply the rest of the group in order, record each, commit. Returns the
 * ids applied.
 */
export async function applyGroupInTransaction(
  e: Engine,
  client: pg.ClientBase,
  t: TenantWork,
  group: MigrationFile[],
): Promise<number[]> {
  const c = e.ctx.control;
  return withTransaction(client, async () => {
    const { applied: done, present } = await lockAndEnterTenant(
      client,
      c,
      tenantLock(c.schema, t.schema),
      e.ctx.settings.lockTimeoutMs,
      t,
      tenantSearchPath(t.schema),
    );
    if (!present) throw droppedMeanwhile(t);
    const applied = await applyInTransaction(
      client,
      c,
      t,
      group.filter((m) => !done.has(m.id)),
    );
    if (t.failedBefore !== false) await clearFailure(client, c, t.id);
    return applied;
  });
}

/**
 * CREATE INDEX CONCURRENTLY and friends: one statement at a time under the tenant's session lock,
 * recorded when all succeeded. A failure names the statement; statements that already ran stay
 * (PostgreSQL cannot undo them), so such migrations should be written to be re-runnable.
 */
async function applyNonTransactional(
  e: Engine,
  client: pg.ClientBase,
  t: TenantWork,
  m: MigrationFile,
): Promise<number[]> {
  const c = e.ctx.control;
  return withAdvisoryLock(
    client,
    tenantLock(c.schema, t.schema),
    e.ctx.settings.lockTimeoutMs,
    async () => {
      if (!(await tenantPresent(client, c, t))) throw droppedMeanwhile(t);
      if ((await appliedIds(client, c, t.id)).has(m.id)) return [];
      const started = performance.now();
      await setTenantSearchPath(client, t.schema, false);
      try {
        const statements = splitStatements(m.sql);
        for (const [k, st] of statements.entries()) {
          try {
            await client.query(st.sql);
          } catch (err) {
            throw new SqlFileError(
              err,
              st.sql,
              `migration ${m.fileName} statement ${k + 1} of ${statements.length} (line ${st.line})`,
            );
          }
        }
      } finally {
        await client.query('RESET search_path').catch(() => {});
      }
      await withTransaction(client, async () => {
        await recordMigration(client, c, t.id, m, Math.round(performance.now() - started));
        await clearFailure(client, c, t.id);
      });
      return [m.id];
    },
  );
}

/**
 * All pending groups of one tenant, each retried on lock timeouts with backoff. A transactional
 * group goes through the one-call path; if that fails for any other reason, the group is run again
 * on the precise path (the first attempt left nothing behind), whose error is the one reported.
 */
async function migrateTenant(e: Engine, slot: SlotClient, t: TenantWork): Promise<number[]> {
  const applied: number[] = [];
  for (const group of groupMigrations(t.pending)) {
    // Non-transactional groups have one path only; "precise" says which transactional path is next.
    let precise = !e.opts.oneCall || !group[0].transactional;
    for (let attempt = 0; ; ) {
      const client = await slot.get();
      try {
        const ids = !group[0].transactional
          ? await applyNonTransactional(e, client, t, group[0])
          : await (precise ? applyGroupInTransaction : applyGroupInOneCall)(e, client, t, group);
        applied.push(...ids);
        break;
      } catch (err) {
        const busy = err instanceof BusyError || isLockTimeout(err);
        if (!(err instanceof TenantctlError)) await slot.discard();
        if (!busy && !precise && !(err instanceof TenantctlError) && !isQueryCanceled(err)) {
          e.ctx.reporter.debug(
            `${t.slug}: ${(err as Error).message}; re-running on the statement-by-statement path`,
          );
          precise = true;
          continue;
        }
        if (busy && attempt < e.opts.retries) {
          attempt++;
          e.ctx.reporter.debug(`${t.slug}: lock timeout, retry ${attempt}/${e.opts.retries}`);
          await sleep(Math.min(5000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
          continue;
        }
        const failedId =
          err instanceof MigrationSqlError
            ? err.migrationId
            : (group.find((m) => !applied.includes(m.id))?.id ?? null);
        const message = busy
          ? `could not get a lock within ${e.ctx.settings.lockTimeoutMs}ms after ${attempt + 1} attempts: ${(err as Error).message}`
          : (err as Error).message;
        throw new TenantMigrationError(message, failedId, busy, { cause: err });
      }
    }
  }
  return applied;
}

/**
 * One tenant outside a fan-out: what `create` cannot do inside its transaction (migrations marked
 * disable-transaction), applied right after it commits, with the same locking and bookkeeping.
 */
export async function migrateOneTenant(ctx: Ctx, t: TenantWork): Promise<number[]> {
  const slot = new SlotClient(ctx, Infinity);
  try {
    return await migrateTenant({ ctx, opts: { retries: 3 } }, slot, t);
  } finally {
    await slot.close();
  }
}

/** The fan-out itself and the per-tenant results, failures recorded for `migrate status`. */
async function migrateWork(
  e: Engine,
  lockClient: pg.ClientBase,
  all: TenantPlan[],
  work: TenantPlan[],
  base: (t: TenantPlan, status: TenantStatus) => TenantMigrateResult,
) {
  const { ctx } = e;
  const slots = Array.from(
    { length: ctx.settings.concurrency },
    () => new SlotClient(ctx, e.opts.recycleEvery ?? 1000, e.opts.statementTimeoutMs),
  );
  const outcomes = await fanOut(
    work,
    {
      concurrency: ctx.settings.concurrency,
      maxFailures: e.opts.maxFailures ?? 1,
      label: 'migrating',
      reporter: ctx.reporter,
    },
    async (t, slot) => {
      const t0 = performance.now();
      const applied = await migrateTenant(e, slots[slot], t);
      return { applied, durationMs: Math.round(performance.now() - t0) };
    },
  );
  await Promise.all(slots.map((s) => s.close()));

  const byId = new Map(work.map((t, i) => [t.id, outcomes[i]]));
  const tenants: TenantMigrateResult[] = [];
  for (const t of all) {
    const o = byId.get(t.id);
    if (!o) tenants.push(base(t, 'current'));
    else if (o.status === 'skipped') tenants.push(base(t, 'skipped'));
    else if (o.status === 'ok') {
      const { applied, durationMs } = o.value;
      tenants.push({
        ...base(t, applied.length ? 'applied' : 'current'),
        to: Math.max(t.version, ...applied),
        applied,
        pending: [],
        durationMs,
      });
    } else {
      const error = (o.error as Error).message;
      tenants.push({ ...base(t, 'failed'), error });
      await recordFailure(
        lockClient,
        ctx.control,
        t.id,
        o.error instanceof TenantMigrationError ? o.error.migrationId : null,
        error,
      );
    }
  }
  return { outcomes, tenants };
}

function summarise(dryRun: boolean, latest: number, tenants: TenantMigrateResult[]): MigrateResult {
  const count = (s: TenantStatus[]) => tenants.filter((t) => s.includes(t.status)).length;
  return {
    dryRun,
    latest,
    succeeded: count(['applied', 'current']),
    failed: count(['failed']),
    skipped: count(['skipped']),
    tenants,
  };
}

/**
 * The fan-out: validate everything, take the run lock, then per tenant one transaction (or one
 * statement at a time for non-transactional migrations) with bounded parallelism.
 */
export async function migrate(ctx: Ctx, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const files = await requireMigrations(ctx.settings.migrationsDir);
  const c = ctx.control;
  const e: Engine = { ctx, opts: { retries: 3, oneCall: true, ...opts } };
  const base = (t: TenantPlan, status: TenantStatus): TenantMigrateResult => ({
    slug: t.slug,
    schema: t.schema,
    status,
    from: t.version,
    to: t.version,
    applied: [],
    pending: t.pending.map((m) => m.id),
    durationMs: 0,
  });

  if (opts.dryRun) {
    const state = await withClient(ctx.db, async (client) =>
      loadFleetState(
        client,
        c,
        files,
        await selectTenants(client, c, opts.tenants, ctx.settings.schemaPrefix),
      ),
    );
    return summarise(
      true,
      state.latest,
      state.tenants.map((t) => base(t, t.pending.length ? 'planned' : 'current')),
    );
  }

  const started = performance.now();
  return withDedicatedClient(ctx.db, (lockClient) =>
    withAdvisoryLock(lockClient, migrateRunLock(c.schema), ctx.settings.lockTimeoutMs, async () => {
      // Holding the run lock, no other migrate can be alive: a record still 'running' is a killed run's.
      for (const r of await markInterrupted(lockClient, c, 'migrate')) {
        ctx.reporter.warn(
          `an earlier migrate run (started ${r.at.toISOString()}) did not finish; this run picks up what it left`,
        );
      }
      const state = await loadFleetState(
        lockClient,
        c,
        files,
        await selectTenants(lockClient, c, opts.tenants, ctx.settings.schemaPrefix),
      );
      const work = state.tenants.filter((t) => t.pending.length > 0);
      // With work ahead the record exists from the start, so a run killed midway still leaves one.
      const auditId = work.length
        ? await startAudit(lockClient, c, {
            command: 'migrate',
            details: { latest: state.latest, tenants: work.length },
          })
        : undefined;
      const audit = (entry: Omit<AuditEntry, 'command'>) =>
        auditId === undefined
          ? writeAudit(lockClient, c, { command: 'migrate', ...entry })
          : finishAudit(lockClient, c, auditId, entry);
      let collected: Awaited<ReturnType<typeof migrateWork>>;
      try {
        collected = await migrateWork(e, lockClient, state.tenants, work, base);
      } catch (err) {
        await audit({
          outcome: 'failed',
          durationMs: performance.now() - started,
          details: { latest: state.latest, error: (err as Error).message },
        }).catch(() => {});
        throw err;
      }
      const { outcomes, tenants } = collected;
      const result = summarise(false, state.latest, tenants);
      const n = tally(outcomes, (v) => v.applied.length > 0);
      await audit({
        outcome: auditOutcomeOf(n),
        durationMs: performance.now() - started,
        details: {
          latest: state.latest,
          applied: n.done,
          failed: tenants.filter((t) => t.status === 'failed').map((t) => t.slug),
          skipped: result.skipped,
        },
      });
      const notStarted = result.skipped ? `, ${result.skipped} not started` : '';
      const err = fanOutError(
        n,
        {
          partial: `${n.failed} tenant${n.failed === 1 ? '' : 's'} failed, ${n.done} migrated${notStarted}`,
          failed: `migration failed in ${n.failed} tenant${n.failed === 1 ? '' : 's'}${notStarted.replace(',', ';')}; no tenant was migrated`,
          busy: `${n.failed} tenant${n.failed === 1 ? ' was' : 's were'} locked by other work; nothing migrated there`,
        },
        result,
      );
      if (err) throw err;
      return result;
    }),
  );
}
