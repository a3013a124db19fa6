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
