import type { LockKey } from '../pg/advisory-lock.js';

/** The lock every change to one tenant takes: create, migrate, suspend, export, drop, import. */
export function tenantLock(controlSchema: string, schema: string): LockKey {
  return { namespace: controlSchema, name: `tenant:${schema}`, what: `tenant schema ${schema}` };
}

/** Held for a whole `migrate` run so two CI jobs never interleave. */
export function migrateRunLock(controlSchema: string): LockKey {
  return {
    namespace: controlSchema,
    name: 'migrate-run',
    what: 'migrate (another run is in progress)',
  };
}

export function initLock(controlSchema: string): LockKey {
  return { namespace: controlSchema, name: 'init', what: `control schema ${controlSchema}` };
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
