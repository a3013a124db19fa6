import type { LockKey } from '../pg/advisory-lock.js';
import type { Database, Queryable } from '../pg/pool.js';
import { withClient } from '../pg/tx.js';
import { BusyError } from '../shared/errors.js';
import { isLockTimeout } from '../pg/sqlstate.js';
import { advisoryLockHolders, relationLockHolders, describeHolders } from '../pg/lock-holders.js';

/** The lock every change to one tenant takes: create, migrate, suspend, export, drop, import. */
export function tenantLock(controlSchema: string, schema: string): LockKey {
  return { namespace: controlSchema, name: `tenant:${schema}`, what: `tenant schema ${schema}` };
}

/** Held for a whole `migrate` run so two CI jobs never interleave. */
export function migrateRunLock(controlSchema: string): LockKey {
  return {
    namespace: controlSchema,
    name: 'migrate-run',
    what: 'the migrate run',
    busy: 'another migrate run is in progress',
  };
}

export function initLock(controlSchema: string): LockKey {
  return { namespace: controlSchema, name: 'init', what: `control schema ${controlSchema}` };
}

/**
 * A lock timeout on a tenant's tables (not on one of our advisory locks) as a BusyError (exit 4)
 * that knows the schema, so whoever reports it can name the tables and who holds them.
 */
export function tableLockBusy(err: unknown, schema: string): unknown {
  if (err instanceof BusyError || !isLockTimeout(err)) return err;
  const busy = new BusyError(
    `a table in ${schema} is locked by another session: ${(err as Error).message}`,
    { cause: err, code: 'lock-busy' },
  );
  busy.lockedSchema = schema;
  return busy;
}

/** Who holds what a BusyError waited for, one line per session; undefined when nobody now. */
export async function lockHoldersOf(
  client: Queryable,
  err: BusyError,
): Promise<string | undefined> {
  if (err.lock) return describeHolders(await advisoryLockHolders(client, err.lock));
  if (err.lockedSchema) return describeHolders(await relationLockHolders(client, err.lockedSchema));
  return undefined;
}

/** lockHoldersOf on a connection of its own (the failed one may be mid-rollback). */
export async function whoHolds(db: Database, err: BusyError): Promise<string | undefined> {
  return withClient(db, (client) => lockHoldersOf(client, err));
}

/** Serialises placement decisions in the control database, so caps (dedicated, max tenants) hold. */
export function placementLock(controlSchema: string): LockKey {
  return { namespace: controlSchema, name: 'placement', what: 'tenant placement' };
}

/**
 * Held (session-level, in the control database) by a run while its placement intents are open:
 * another command that gets it knows the run is dead and may resolve them.
 */
export function placementRunLock(controlSchema: string, runId: string): LockKey {
  return { namespace: controlSchema, name: `run:${runId}`, what: `run ${runId}` };
}
