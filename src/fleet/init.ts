import { initControlSchema, type InitResult } from '../control/init.js';
import { PartialError } from '../shared/errors.js';
import type { Fleet } from './fleet.js';
import { LOCAL } from './servers.js';

export interface FleetInitResult extends InitResult {
  /** Every other server's control schema, upgraded to this tenantctl's (or why not). */
  servers: { name: string; applied: string[]; error: string | null }[];
}

/**
 * `init`: the control database's control schema, then every registered server's, so that an
 * upgraded tenantctl finds each server's bookkeeping at its own version. A server that cannot be
 * upgraded (down) leaves the run partial (exit 3); a rerun finishes it.
 */
export async function initFleet(fleet: Fleet): Promise<FleetInitResult> {
  const own = await initControlSchema(fleet.control);
  const others = (await fleet.servers()).filter((s) => s.name !== LOCAL);
  const outcomes = await fleet.eachServer((_s, ctx) => initControlSchema(ctx), {
    servers: others,
  });
  const result: FleetInitResult = {
    ...own,
    servers: outcomes.map((o) => ({
      name: o.server,
      applied: o.ok ? o.value.applied : [],
      error: o.ok ? null : (o.error as Error).message,
    })),
  };
  const failed = result.servers.filter((s) => s.error);
  if (failed.length) {
    const err = new PartialError(
      `control schema upgraded here, but not on ${failed.map((s) => `"${s.name}"`).join(', ')}`,
      { hint: 'bring those servers back and run `tenantctl init` again' },
    );
    err.result = result;
    throw err;
  }
  return result;
}
