// `migrate`: validate, take the run lock, close an earlier run's record, fan out over the
// tenants, record failures, audit the run and give the fan-out's verdict.
import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import {
  requireMigrations,
  refuseTransactionControl,
  type MigrationFile,
} from '../control/migration-files.js';
import { loadFleetState, type TenantPlan } from './state.js';
import { selectTenants } from '../control/selection.js';
import { requireControlSchema } from '../control/registry.js';
import { fanOut, fanOutError, tally, auditOutcomeOf } from '../control/fanout.js';
import { withClient, withDedicatedClient } from '../pg/tx.js';
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
import {
  writeAudit,
  startAudit,
  finishAudit,
  markInterrupted,
  type AuditEntry,
} from '../control/audit.js';

import { SlotClient } from './slot.js';
import { migrateTenant, TenantMigrationError } from './tenant.js';
import type { Engine } from './paths.js';
import type { MigrateOptions, TenantStatus, TenantMigrateResult, MigrateResult } from './types.js';

export type { MigrateOptions, TenantStatus, TenantMigrateResult, MigrateResult } from './types.js';

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
      const sql = findSqlDiagnostics(o.error);
      const error = (o.error as Error).message;
      // What committed before the failure (earlier groups, a disable-transaction migration) is
      // read back from the bookkeeping: the report counts only that.
      const now = await appliedIds(lockClient, ctx.control, t.id);
      const applied = t.pending.filter((m) => now.has(m.id)).map((m) => m.id);
      tenants.push({
        ...base(t, 'failed'),
        to: Math.max(t.version, ...applied),
        applied,
        pending: t.pending.filter((m) => !now.has(m.id)).map((m) => m.id),
        error,
        ...(sql ? { sql } : {}),
      });
      await recordFailure(
        lockClient,
        ctx.control,
        t.id,
        o.error instanceof TenantMigrationError ? o.error.migrationId : null,
        [error, sql?.detail && `DETAIL: ${sql.detail}`, sql?.hint && `HINT: ${sql.hint}`]
          .filter(Boolean)
          .join('\n'),
      );
    }
  }
  return { outcomes, tenants };
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
  return withDedicatedClient(ctx.db, async (lockClient) => {
    // Before the run lock and the audit log: a database without `tenantctl init` says so.
    await requireControlSchema(lockClient, c);
    return withAdvisoryLock(
      lockClient,
      migrateRunLock(c.schema),
      ctx.settings.lockTimeoutMs,
      async () => {
        // Holding the run lock, no other migrate can be alive: a record still 'running' is a killed run's.
        for (const r of await markInterrupted(lockClient, c, 'migrate')) {
          ctx.reporter.warn(
            `an earlier migrate run (started ${r.at.toISOString()}) did not finish; this run picks up what it left`,
          );
        }
        const slugs = await selectTenants(lockClient, c, selection, ctx.settings.schemaPrefix);
        // Holding the run lock: no tenant is being migrated while the hashes are re-recorded.
        const accepted = ignoreLineEndings
          ? await acceptLineEndings(lockClient, c, files)
          : undefined;
        const state = await loadFleetState(lockClient, c, files, slugs);
        const work = state.tenants.filter((t) => t.pending.length > 0);
        refuseTransactionControl(pendingFiles(work));
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
        const result = summarise(false, state.latest, tenants, accepted);
        const n = tally(outcomes, (v) => v.applied.length > 0);
        // A failed tenant whose earlier migrations committed has changed: the verdict counts it.
        const partWay = tenants.filter((t) => t.status === 'failed' && t.applied.length > 0).length;
        n.done += partWay;
        const migrated = n.done - partWay;
        await audit({
          outcome: auditOutcomeOf(n),
          durationMs: performance.now() - started,
          details: {
            latest: state.latest,
            applied: n.done,
            failed: tenants.filter((t) => t.status === 'failed').map((t) => t.slug),
            partWay: partWay || undefined,
            skipped: result.skipped,
          },
        });
        const notStarted = result.skipped ? `, ${result.skipped} not started` : '';
        const s = (k: number) => (k === 1 ? '' : 's');
        const err = fanOutError(
          n,
          {
            partial: `${n.failed} tenant${s(n.failed)} failed${partWay ? ` (${partWay} part-way: the migrations before the failing one committed)` : ''}, ${migrated} migrated${notStarted}`,
            failed: `migration failed in ${n.failed} tenant${s(n.failed)}${notStarted.replace(',', ';')}; no tenant was migrated`,
            busy: `${n.failed} tenant${n.failed === 1 ? ' was' : 's were'} locked by other work; nothing migrated there`,
          },
          result,
        );
        if (err) throw err;
        return result;
      },
    );
  });
}
