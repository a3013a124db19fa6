import { withClient } from '../pg/tx.js';
import { tenantSearchPath } from '../pg/quote.js';
import { FailedError } from '../shared/errors.js';
import { normalizeSlug } from '../shared/names.js';
import type { Fleet } from './fleet.js';
import { getPlacement, resolveIntents, unknownInFleet } from './placement-store.js';
import { getServer, redactUrl } from './servers.js';

export interface Route {
  slug: string;
  server: string;
  region: string | null;
  /** The server's URL without any password: applications bring their own credentials. */
  url: string;
  schema: string;
  /** What to SET search_path to (or put in the role's settings) to work inside the tenant. */
  searchPath: string;
  /** 'placed'; 'moving' while a move is under way (writes frozen). */
  state: 'placed' | 'moving';
}

/**
 * Where an application finds a tenant. Read from the control database alone (one placement, one
 * server row): it answers while the tenant's server is down, and costs one round trip.
 */
export async function routeTenant(fleet: Fleet, slugInput: string): Promise<Route> {
  const slug = normalizeSlug(slugInput, fleet.control.settings.schemaPrefix);
  await fleet.ready();
  await resolveIntents(fleet, { slug });
  const c = fleet.control.control;
  return withClient(fleet.control.db, async (client) => {
    const p = await getPlacement(client, c, slug);
    if (!p) throw await unknownInFleet(client, c, slug);
    if (p.state === 'creating')
      throw new FailedError(`tenant "${slug}" is still being created on server "${p.server}"`);
    const s = await getServer(client, c, p.server);
    return {
      slug,
      server: s.name,
      region: s.region,
      url: s.url === null ? fleet.localUrl() : redactUrl(s.url),
      schema: p.schema,
      searchPath: tenantSearchPath(p.schema),
      state: p.state,
    };
  });
}
