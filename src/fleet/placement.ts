import { FailedError } from '../shared/errors.js';
import type { ServerRow } from './servers.js';

/**
 * Which server takes a new tenant (docs/fleet.md "Placement"). Named with --server: that one,
 * unless it is draining, full (--max-tenants) or dedicated and already holding its one tenant.
 * Otherwise: among active servers that are not dedicated and not full, the one with the fewest
 * tenants (intents included), ties broken by total size, then by name; a server known to be
 * unreachable is passed over. Pure functions over a snapshot read under the placement lock.
 */

export type Candidate = Pick<ServerRow, 'name' | 'state' | 'dedicated' | 'maxTenants' | 'tenants'>;

export interface SizeProbe {
  /** Bytes of tenant data by server, for the tie-break; absent when not probed. */
  bytes: Map<string, number>;
  /** Servers that could not be reached when probed, with the reason. */
  unreachable: Map<string, string>;
}

/** Why a named server cannot take `adding` more tenants, or null when it can. */
export function refusalOf(s: Candidate, adding = 1): string | null {
  if (s.state === 'draining') return `server "${s.name}" is draining: it takes no new tenants`;
  if (s.dedicated && s.tenants + adding > 1)
    return s.tenants > 0
      ? `server "${s.name}" is dedicated and already holds its one tenant`
      : `server "${s.name}" is dedicated: it takes one tenant`;
  if (s.maxTenants !== null && s.tenants + adding > s.maxTenants)
    return `server "${s.name}" is full: it holds ${s.tenants} of at most ${s.maxTenants} tenants`;
  return null;
}

/** Servers default placement may use at all (before counts): active and not dedicated. */
export function placeable<T extends Candidate>(servers: T[]): T[] {
  return servers.filter((s) => s.state === 'active' && !s.dedicated);
}

/**
 * The server for the next tenant, or undefined when none can take one. `servers` carries the
 * current counts; the caller increments the chosen one's count before asking again.
 */
export function chooseServer(servers: Candidate[], probe: SizeProbe): string | undefined {
  const open = placeable(servers).filter(
    (s) => (s.maxTenants === null || s.tenants < s.maxTenants) && !probe.unreachable.has(s.name),
  );
  const size = (s: Candidate) => probe.bytes.get(s.name) ?? Number.MAX_SAFE_INTEGER;
  open.sort(
    (a, b) =>
      a.tenants - b.tenants ||
      size(a) - size(b) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return open[0]?.name;
}

/** The error when default placement finds no server, naming why each was passed over. */
export function noServerError(servers: Candidate[], probe: SizeProbe): FailedError {
  const why = servers.map((s) => {
    const unreachable = probe.unreachable.get(s.name);
    if (unreachable) return `${s.name}: unreachable (${unreachable})`;
    if (s.dedicated) return `${s.name}: dedicated (only with --server)`;
    return `${s.name}: ${refusalOf(s)?.replace(`server "${s.name}" is `, '') ?? 'available'}`;
  });
  return new FailedError(`no server can take a new tenant (${why.join('; ')})`, {
    code: 'no-server-available',
  });
}
