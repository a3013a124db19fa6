// `migrate`: validate, take the run lock, close an earlier run's record, fan out over the
// tenants, record failures, audit the run and give the fan-out's verdict.
import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../control/context.js';
import {
  requireMigrations,
  refuseTransactionControl,
  type MigrationFile,
} from '../control/migration-files.js';
import { loadFleetState, type TenantPlan } from './state.js';
import { selectTenants } from '../control/selection.js';
import { requireControlSchema } from '../control/registry.js';
import {
  fanOut,
  fanOutError,
  tally,
  auditOutcomeOf,
  type FanOutOutcomes,
} from '../control/fanout.js';
import { fitConcurrency } from '../control/budget.js';
import { withClient } from '../pg/tx.js';
import { APPLICATION_NAME } from '../pg/pool.js';
import { withAdvisoryLock } from '../pg/advisory-lock.js';
import { migrateRunLock } from '../control/locks.js';
import {
  recordFailure,
  appliedIds,
  acceptLineEndings,
  lineEndingChanges,
  type LineEndingsAccepted,
} from '../control/migration-state.js';
import { findSqlDiagnostics } from '../pg/sql-error.js';
import { writeAudit, startAudit, finishAudit, markInterrupted } from '../control/audit.js';
import { FailedError, TenantctlError } from '../shared/errors.js';
import { anySignal, pause } from '../shared/abort.js';

import { SlotClient } from './slot.js';
import { migrateTenant, TenantMigrationError } from './tenant.js';
import type { Engine } from './paths.js';
import type { MigrateOptions, TenantStatus, TenantMigrateResult, MigrateResult } from './types.js';

export type { MigrateOptions, TenantStatus, TenantMigrateResult, MigrateResult } from './types.js';

type Applied = { applied: number[]; from: number; durationMs: number };

/** Per tenant id: the migrations recorded as applied, read back after the fan-out. */
type Committed = Map<number, Set<number>>;

/** The fan-out itself: one session connection per worker slot, tagged with the run's name. */
async function migrateWork(
  e: Engine,
  work: TenantPlan[],
  concurrency: number,
  runTag: string,
): Promise<FanOutOutcomes<Applied>> {
  const { ctx } = e;
  const slots = Array.from(
    { length: concurrency },
    () =>
      new SlotClient(ctx, e.opts.recycleEvery ?? 1000, {
        statementTimeoutMs: e.opts.statementTimeoutMs,
        applicationName: runTag,
      }),
  );
  try {
    return await fanOut(
      work,
      {
        concurrency,
        maxFailures: e.opts.maxFailures ?? 1,
        label: 'migrating',
        reporter: ctx.reporter,
        signal: e.signal,
      },
      async (t, slot) => {
        const t0 = performance.now();
        const applied = await migrateTenant(e, slots[slot], t);
        return { applied, from: t.version, durationMs: Math.round(performance.now() - t0) };
      },
      {
        slugOf: (t) => t.slug,
        describe: (v) =>
          v.applied.length
            ? { status: 'applied', detail: `${v.from} -> ${Math.max(v.from, ...v.applied)}` }
            : { status: 'current' },
      },
    );
  } finally {
    await Promise.all(slots.map((s) => s.close()));
  }
}

/**
 * Per-tenant results in registration order, from the plan and the fan-out's outcomes. For a
 * tenant that failed or was stopped, what committed before (earlier groups, a disable-transaction
 * migration) comes from the bookkeeping read back (`committed`): the report counts only that.
 */
function results(
  all: TenantPlan[],
  work: TenantPlan[],
  outcomes: FanOutOutcomes<Applied>,
  base: (t: TenantPlan, status: TenantStatus) => TenantMigrateResult,
  committed?: Committed,
): TenantMigrateResult[] {
  const byId = new Map(work.map((t, i) => [t.id, outcomes[i]]));
  return all.map((t) => {
    const o = byId.get(t.id);
    if (!o) return base(t, 'current');
    if (o.status === 'skipped') return base(t, 'skipped');
    if (o.status === 'ok') {
      const { applied, durationMs } = o.value;
      return {
        ...base(t, applied.length ? 'applied' : 'current'),
        to: Math.max(t.version, ...applied),
        applied,
        pending: [],
        durationMs,
      };
    }
    const now = committed?.get(t.id);
    const applied = now ? t.pending.filter((m) => now.has(m.id)).map((m) => m.id) : [];
    const sql = o.status === 'failed' ? findSqlDiagnostics(o.error) : undefined;
    return {
      ...base(t, o.status),
      to: Math.max(t.version, ...applied),
      applied,
      pending: t.pending.filter((m) => !now?.has(m.id)).map((m) => m.id),
      error: (o.error as Error).message,
      ...(sql ? { sql } : {}),
    };
  });
}

/** The transactional migrations some selected tenant will run: checked before any is touched. */
function pendingFiles(tenants: TenantPlan[]): MigrationFile[] {
  const byId = new Map<number, MigrationFile>();
  for (const t of tenants) for (const m of t.pending) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function summarise(
  dryRun: boolean,
  latest: number,
  tenants: TenantMigrateResult[],
  lineEndingsAccepted?: LineEndingsAccepted[],
): MigrateResult {
  const count = (s: TenantStatus[]) => tenants.filter((t) => s.includes(t.status)).length;
  return {
    dryRun,
    latest,
    ...(lineEndingsAccepted ? { lineEndingsAccepted } : {}),
    succeeded: count(['applied', 'current']),
    failed: count(['failed']),
    interrupted: count(['interrupted']),
    skipped: count(['skipped']),
    tenants,
  };
}

/**
 * Bookkeeping after the fan-out, on a pooled connection (the run lock's connection may be the
 * one that was lost): what committed for the tenants that failed or were stopped read back, real
 * failures into migration_failures with PostgreSQL's DETAIL and HINT (never a tenant that was only
 * interrupted), then the run's record closed. When the server went away this is retried for a
 * while (a restart takes seconds); if it stays away, the record stays 'running' and the next run
 * marks it interrupted, which is said, and the report counts no part-way migrations.
 */
async function closeRun(
  ctx: Ctx,
  work: TenantPlan[],
  outcomes: FanOutOutcomes<Applied>,
  close: (client: pg.ClientBase, committed: Committed) => Promise<void>,
): Promise<void> {
  const unfinished = work.filter((_, i) => {
    const s = outcomes[i].status;
    return s === 'failed' || s === 'interrupted';
  });
  const failures = work.flatMap((t, i) => {
    const o = outcomes[i];
    return o.status === 'failed' ? [{ t, error: o.error }] : [];
  });
  const deadline = Date.now() + (outcomes.stopped ? 15_000 : 0);
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(ctx.db, async (client) => {
        const committed: Committed = new Map();
        for (const t of unfinished)
          committed.set(t.id, await appliedIds(client, ctx.control, t.id));
        for (const { t, error } of failures) {
          const sql = findSqlDiagnostics(error);
          await recordFailure(
            client,
            ctx.control,
            t.id,
            error instanceof TenantMigrationError ? error.migrationId : null,
            [
              (error as Error).message,
              sql?.detail && `DETAIL: ${sql.detail}`,
              sql?.hint && `HINT: ${sql.hint}`,
            ]
              .filter(Boolean)
              .join('\n'),
          );
        }
        await close(client, committed);
      });
      return;
    } catch (err) {
      if (Date.now() >= deadline) {
        ctx.reporter.warn(
          `could not close this run's audit record (${(err as Error).message}); it stays 'running' until the next migrate marks it interrupted`,
        );
        return;
      }
      await pause(Math.min(2000, 250 * 2 ** attempt));
    }
  }
}

/**
 * The fan-out: validate everything, take the run lock, then per tenant one transaction (or one
 * statement at a time for non-transactional migrations) with bounded parallelism.
 *
 * The run lock is a session advisory lock on a connection of its own (a session: through a
 * transaction pooler the run is refused, see Database.sessionClient). Losing that connection
 * (terminated, server restart, failover) loses the lock; that is noticed at once and the run
 * starts no further tenant. Its connections carry the run's name as application_name, so the next
 * run never closes this one's record as interrupted while it is still connected.
 */
export async function migrate(ctx: Ctx, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const files = await requireMigrations(ctx.settings.migrationsDir);
  const c = ctx.control;
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
  const ignoreLineEndings = opts.acceptLineEndings === true;
  const selection = { include: opts.tenants, exclude: opts.exclude };

  if (opts.dryRun) {
    const { state, endings } = await withClient(ctx.db, async (client) => {
      await requireControlSchema(client, c);
      const slugs = await selectTenants(client, c, selection, ctx.settings.schemaPrefix);
      return {
        state: await loadFleetState(client, c, files, slugs, { ignoreLineEndings }),
        endings: ignoreLineEndings ? await lineEndingChanges(client, c, files) : undefined,
      };
    });
    refuseTransactionControl(pendingFiles(state.tenants));
    return summarise(
      true,
      state.latest,
      state.tenants.map((t) => base(t, t.pending.length ? 'planned' : 'current')),
      endings,
    );
  }

  const started = performance.now();
  // Before the run lock and the audit log: a database without `tenantctl init` says so.
  await withClient(ctx.db, (client) => requireControlSchema(client, c));
  const runTag = `${APPLICATION_NAME} migrate ${randomBytes(4).toString('hex')}`;
  const lockClient = await ctx.db.sessionClient('migrate holds its run lock for the whole run', {
    applicationName: runTag,
  });
  const lockLost = new AbortController();
  let finished = false;
  const onLost = (err?: Error) => {
    if (finished || lockLost.signal.aborted) return;
    lockLost.abort(
      new FailedError(
        `lost the run lock: its connection to ${ctx.db.target.label} ended (${err?.message ?? 'closed'}); no tenant was started after that`,
        { code: 'run-lock-lost' },
      ),
    );
  };
  lockClient.on('error', onLost);
  lockClient.on('end', () => onLost());
  const e: Engine = {
    ctx,
    opts: { retries: 3, oneCall: true, ...opts },
    signal: anySignal([ctx.signal, lockLost.signal]),
  };
  try {
    return await withAdvisoryLock(
      lockClient,
      migrateRunLock(c.schema),
      ctx.settings.lockTimeoutMs,
      async () => {
        const plan = await withClient(ctx.db, async (client) => {
          // Holding the run lock, no other migrate can be running: a record still 'running'
          // whose run is not connected any more is a killed run's.
          for (const r of await markInterrupted(client, c, 'migrate')) {
            ctx.reporter.warn(
              `an earlier migrate run (started ${r.at.toISOString()}) did not finish; this run picks up what it left`,
            );
          }
          const slugs = await selectTenants(client, c, selection, ctx.settings.schemaPrefix);
          // Holding the run lock: no tenant is being migrated while the hashes are re-recorded.
          const accepted = ignoreLineEndings
            ? await acceptLineEndings(client, c, files)
            : undefined;
          const state = await loadFleetState(client, c, files, slugs);
          const work = state.tenants.filter((t) => t.pending.length > 0);
          refuseTransactionControl(pendingFiles(work));
          const concurrency = work.length
            ? await fitConcurrency(
                client,
                ctx.reporter,
                Math.min(ctx.settings.concurrency, work.length),
              )
            : 1;
          // With work ahead the record exists from the start, so a run killed midway still leaves one.
          const auditId = work.length
            ? await startAudit(client, c, {
                command: 'migrate',
                details: { latest: state.latest, tenants: work.length, run: runTag },
              })
            : undefined;
          return { state, work, concurrency, auditId, accepted };
        });
        const { state, work, auditId, accepted } = plan;
        if (auditId === undefined) {
          await withClient(ctx.db, (client) =>
            writeAudit(client, c, {
              command: 'migrate',
              outcome: 'noop',
              durationMs: performance.now() - started,
              details: { latest: state.latest, applied: 0, failed: [], skipped: 0 },
            }),
          );
          return summarise(false, state.latest, results(state.tenants, [], [], base), accepted);
        }
        let outcomes: FanOutOutcomes<Applied>;
        try {
          outcomes = await migrateWork(e, work, plan.concurrency, runTag);
        } catch (err) {
          await withClient(ctx.db, (client) =>
            finishAudit(client, c, auditId, {
              outcome: 'failed',
              durationMs: performance.now() - started,
              details: { latest: state.latest, error: (err as Error).message },
            }),
          ).catch(() => {});
          throw err;
        }
        finished = true;
        const stopped = outcomes.stopped;
        const n = tally(outcomes, (v) => v.applied.length > 0);
        let tenants = results(state.tenants, work, outcomes, base);
        // A failed tenant whose earlier migrations committed has changed: the verdict counts it.
        const partWayOf = (list: TenantMigrateResult[]) =>
          list.filter((t) => t.status === 'failed' && t.applied.length > 0).length;
        await closeRun(ctx, work, outcomes, (client, committed) => {
          tenants = results(state.tenants, work, outcomes, base, committed);
          const partWay = partWayOf(tenants);
          return finishAudit(client, c, auditId, {
            outcome: auditOutcomeOf({ ...n, done: n.done + partWay }, stopped),
            durationMs: performance.now() - started,
            details: {
              latest: state.latest,
              applied: n.done + partWay,
              failed: tenants.filter((t) => t.status === 'failed').map((t) => t.slug),
              interrupted: tenants.filter((t) => t.status === 'interrupted').map((t) => t.slug),
              partWay: partWay || undefined,
              skipped: tenants.filter((t) => t.status === 'skipped').length,
              ...(stopped ? { stoppedBy: stopped.message } : {}),
            },
          });
        });
        const result = summarise(false, state.latest, tenants, accepted);
        const partWay = partWayOf(tenants);
        const migrated = n.done;
        n.done += partWay;
        const notStarted = result.skipped ? `, ${result.skipped} not started` : '';
        const s = (k: number) => (k === 1 ? '' : 's');
        const err = fanOutError(
          n,
          {
            done: 'migrated',
            partial: `${n.failed} tenant${s(n.failed)} failed${partWay ? ` (${partWay} part-way: the migrations before the failing one committed)` : ''}, ${migrated} migrated${notStarted}`,
            failed: `migration failed in ${n.failed} tenant${s(n.failed)}${notStarted.replace(',', ';')}; no tenant was migrated`,
            busy: `${n.failed} tenant${n.failed === 1 ? ' was' : 's were'} locked by other work; nothing migrated there`,
          },
          result,
          stopped,
        );
        if (err) throw err;
        return result;
      },
    );
  } catch (err) {
    // The lock connection died while taking or releasing the lock: say so in the run's terms.
    if (lockLost.signal.aborted && !(err instanceof TenantctlError))
      throw lockLost.signal.reason as Error;
    throw err;
  } finally {
    finished = true;
    await lockClient.end().catch(() => {});
  }
}
