// `migrate`: validate, take the run lock, close an earlier run's record, fan out over the
// tenants, record failures, audit the run and give the fan-out's verdict.
import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../control/context.js';
import { requireMigrations } from '../control/migration-files.js';
import { loadFleetState, type TenantPlan } from './state.js';
import { selectTenants } from '../control/selection.js';
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
import { recordFailure } from '../control/migration-state.js';
import { writeAudit, startAudit, finishAudit, markInterrupted } from '../control/audit.js';
import { FailedError, TenantctlError } from '../shared/errors.js';
import { anySignal, pause } from '../shared/abort.js';

import { SlotClient } from './slot.js';
import { migrateTenant, TenantMigrationError } from './tenant.js';
import type { Engine } from './paths.js';
import type { MigrateOptions, TenantStatus, TenantMigrateResult, MigrateResult } from './types.js';

export type { MigrateOptions, TenantStatus, TenantMigrateResult, MigrateResult } from './types.js';

type Applied = { applied: number[]; durationMs: number };

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
        return { applied, durationMs: Math.round(performance.now() - t0) };
      },
    );
  } finally {
    await Promise.all(slots.map((s) => s.close()));
  }
}

/** Per-tenant results in registration order, from the plan and the fan-out's outcomes. */
function results(
  all: TenantPlan[],
  work: TenantPlan[],
  outcomes: FanOutOutcomes<Applied>,
  base: (t: TenantPlan, status: TenantStatus) => TenantMigrateResult,
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
    return { ...base(t, o.status), error: (o.error as Error).message };
  });
}

function summarise(dryRun: boolean, latest: number, tenants: TenantMigrateResult[]): MigrateResult {
  const count = (s: TenantStatus[]) => tenants.filter((t) => s.includes(t.status)).length;
  return {
    dryRun,
    latest,
    succeeded: count(['applied', 'current']),
    failed: count(['failed']),
    interrupted: count(['interrupted']),
    skipped: count(['skipped']),
    tenants,
  };
}

/**
 * Bookkeeping after the fan-out, on a pooled connection (the run lock's connection may be the
 * one that was lost): real failures into migration_failures (never a tenant that was only
 * interrupted), then the run's record closed. When the server went away this is retried for a
 * while (a restart takes seconds); if it stays away, the record stays 'running' and the next run
 * marks it interrupted, which is said.
 */
async function closeRun(
  ctx: Ctx,
  work: TenantPlan[],
  outcomes: FanOutOutcomes<Applied>,
  close: (client: pg.ClientBase) => Promise<void>,
): Promise<void> {
  const failures = work.flatMap((t, i) => {
    const o = outcomes[i];
    return o.status === 'failed' ? [{ t, error: o.error }] : [];
  });
  const deadline = Date.now() + (outcomes.stopped ? 15_000 : 0);
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(ctx.db, async (client) => {
        for (const { t, error } of failures)
          await recordFailure(
            client,
            ctx.control,
            t.id,
            error instanceof TenantMigrationError ? error.migrationId : null,
            (error as Error).message,
          );
        await close(client);
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
          const state = await loadFleetState(
            client,
            c,
            files,
            await selectTenants(client, c, opts.tenants, ctx.settings.schemaPrefix),
          );
          const work = state.tenants.filter((t) => t.pending.length > 0);
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
          return { state, work, concurrency, auditId };
        });
        const { state, work, auditId } = plan;
        if (auditId === undefined) {
          await withClient(ctx.db, (client) =>
            writeAudit(client, c, {
              command: 'migrate',
              outcome: 'noop',
              durationMs: performance.now() - started,
              details: { latest: state.latest, applied: 0, failed: [], skipped: 0 },
            }),
          );
          return summarise(false, state.latest, results(state.tenants, [], [], base));
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
        const tenants = results(state.tenants, work, outcomes, base);
        const result = summarise(false, state.latest, tenants);
        const n = tally(outcomes, (v) => v.applied.length > 0);
        const stopped = outcomes.stopped;
        await closeRun(ctx, work, outcomes, (client) =>
          finishAudit(client, c, auditId, {
            outcome: auditOutcomeOf(n, stopped),
            durationMs: performance.now() - started,
            details: {
              latest: state.latest,
              applied: n.done,
              failed: tenants.filter((t) => t.status === 'failed').map((t) => t.slug),
              interrupted: tenants.filter((t) => t.status === 'interrupted').map((t) => t.slug),
              skipped: result.skipped,
              ...(stopped ? { stoppedBy: stopped.message } : {}),
            },
          }),
        );
        const notStarted = result.skipped ? `, ${result.skipped} not started` : '';
        const err = fanOutError(
          n,
          {
            done: 'migrated',
            partial: `${n.failed} tenant${n.failed === 1 ? '' : 's'} failed, ${n.done} migrated${notStarted}`,
            failed: `migration failed in ${n.failed} tenant${n.failed === 1 ? '' : 's'}${notStarted.replace(',', ';')}; no tenant was migrated`,
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
