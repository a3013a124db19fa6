// The three ways a group of pending migrations reaches one tenant: one call of the control
// schema's migrate_tenant(), one statement per round trip in a transaction (precise errors), or a
// disable-transaction migration statement by statement under the tenant's session lock.
import type { MigrateOptions } from './types.js';
import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import { FailedError, throwIfAborted } from '../shared/errors.js';
import type { MigrationFile } from '../control/migration-files.js';
import type { TenantPlan } from './state.js';
import { applyInTransaction, setTenantSearchPath, newTxMark, MigrationSqlError } from './apply.js';
import { splitStatements, transactionProblem, type Statement } from '../pg/split.js';
import { withTransaction } from '../pg/tx.js';
import { withAdvisoryLock } from '../pg/advisory-lock.js';
import { tenantLock } from '../control/locks.js';
import {
  appliedIds,
  lockAndEnterTenant,
  migrateTenantInOneCall,
  tenantPresent,
  clearFailure,
} from '../control/migration-state.js';
import { qualify, tenantSearchPath } from '../pg/quote.js';
import { invalidIndexes } from '../pg/catalog.js';
import { recordMigration } from '../control/registry.js';

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

export type TenantWork = Pick<TenantPlan, 'id' | 'slug' | 'schema' | 'pending'> & {
  failedBefore?: boolean;
};

export interface Engine {
  ctx: Ctx;
  opts: Required<Pick<MigrateOptions, 'retries'>> & MigrateOptions;
  /** The run's stop: a signal, or the run lock lost (see migrate). */
  signal?: AbortSignal;
}

const droppedMeanwhile = (t: TenantWork) =>
  new FailedError(
    `tenant ${t.slug} was dropped or renamed (or its schema removed) while this run waited for it`,
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
 * run may have been first), apply the rest of the group in order, statement by statement so any
 * error names its statement, record each inside this same transaction, commit. Returns the ids
 * applied.
 */
export async function applyGroupInTransaction(
  e: Engine,
  client: pg.ClientBase,
  t: TenantWork,
  group: MigrationFile[],
): Promise<number[]> {
  const c = e.ctx.control;
  const txMark = newTxMark();
  return withTransaction(
    client,
    async () => {
      const { applied: done, present } = await lockAndEnterTenant(
        client,
        c,
        tenantLock(c.schema, t.schema),
        e.ctx.settings.lockTimeoutMs,
        t,
        tenantSearchPath(t.schema),
        txMark,
      );
      if (!present) throw droppedMeanwhile(t);
      const applied = await applyInTransaction(
        client,
        c,
        t,
        group.filter((m) => !done.has(m.id)),
        { txMark, statementByStatement: true },
      );
      if (t.failedBefore !== false) await clearFailure(client, c, t.id);
      return applied;
    },
    { signal: e.signal },
  );
}

/**
 * Whether a disable-transaction migration ends with the COMMIT (or END) of a transaction it opened
 * itself: then its bookkeeping goes into that transaction, just before the COMMIT, so a crash
 * leaves the tenant before or after the whole block, never between.
 */
export function endsWithOwnCommit(statements: Pick<Statement, 'words'>[]): boolean {
  let open = false;
  for (const [k, st] of statements.entries()) {
    const p = transactionProblem(st);
    if (p?.kind !== 'transaction-control') continue;
    if (p.command === 'BEGIN' || p.command === 'START TRANSACTION') open = true;
    else {
      const closing = open && (p.command === 'COMMIT' || p.command === 'END');
      if (closing && k === statements.length - 1) return true;
      open = false;
    }
  }
  return false;
}

/**
 * CREATE INDEX CONCURRENTLY and friends: one statement at a time under the tenant's session lock,
 * recorded when all succeeded. A failure names the statement; statements that already ran stay
 * (PostgreSQL cannot undo them), so such migrations should be written to be re-runnable. A file
 * wrapped in its own BEGIN ... COMMIT is recorded inside that transaction (endsWithOwnCommit).
 */
export async function applyNonTransactional(
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
      const statements = splitStatements(m.sql);
      const recordInside = endsWithOwnCommit(statements);
      const record = async () => {
        await recordMigration(client, c, t.id, m, Math.round(performance.now() - started));
        await clearFailure(client, c, t.id);
      };
      await setTenantSearchPath(client, t.schema, false);
      try {
        for (const [k, st] of statements.entries()) {
          // Between statements a stop is honoured; those that ran stay (they cannot be undone).
          throwIfAborted(e.signal);
          if (recordInside && k === statements.length - 1) await record();
          try {
            await client.query(st.sql);
          } catch (err) {
            // A transaction the file opened is aborted now; end it so the session is usable.
            await client.query('ROLLBACK').catch(() => {});
            throw new MigrationSqlError(
              err,
              m,
              st,
              `migration ${m.fileName} (statement ${k + 1} of ${statements.length})`,
            );
          }
        }
      } finally {
        await client.query('RESET search_path').catch(() => {});
      }
      // A self-wrapped file (recorded inside its own transaction) cannot hold CREATE INDEX
      // CONCURRENTLY, the one way an index is left INVALID.
      if (!recordInside) {
        await refuseInvalidIndexes(client, t, m);
        await withTransaction(client, record);
      }
      return [m.id];
    },
  );
}

/** Whether the SQL names `ident` as a whole word (quoted or not), the way an index is named in DDL. */
function mentions(sql: string, ident: string): boolean {
  const escaped = ident.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])"?${escaped}"?($|[^A-Za-z0-9_$])`, 'i').test(sql);
}

/**
 * A CREATE INDEX CONCURRENTLY that failed or was interrupted leaves an INVALID index behind, and
 * `IF NOT EXISTS` then skips it on the rerun: the migration would be recorded as applied with a
 * useless index. Any invalid index of the tenant that the migration names fails the tenant (not
 * recorded) with the remedy.
 */
async function refuseInvalidIndexes(
  client: pg.ClientBase,
  t: TenantWork,
  m: MigrationFile,
): Promise<void> {
  const invalid = (await invalidIndexes(client, t.schema)).filter((name) => mentions(m.sql, name));
  if (!invalid.length) return;
  const names = invalid.map((i) => qualify(t.schema, i));
  throw new FailedError(
    `migration ${m.fileName} leaves index ${names.join(', ')} INVALID (a CREATE INDEX CONCURRENTLY that failed or was interrupted; IF NOT EXISTS skips it); not recorded as applied. Remedy: DROP INDEX CONCURRENTLY ${names.join(', ')}; then run migrate again`,
  );
}
