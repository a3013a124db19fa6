import { tenantctlVersion } from '../shared/paths.js';

export interface Versions {
  tenantctl: string;
  node: string;
  /** The server's, when a connection is configured (`tenantctl version` only). */
  server?: { version: string; at: string } | null;
}

/** What `--version` knows without connecting anywhere. */
export function offlineVersions(): Versions {
  return { tenantctl: tenantctlVersion(), node: process.version };
}

/** `tenantctl 0.1.0`, `node v20.20.2`, then the server when known; psql-like, one per line. */
export function versionLines(v: Versions): string {
  const lines = [`tenantctl ${v.tenantctl}`, `node ${v.node}`];
  if (v.server) lines.push(`server PostgreSQL ${v.server.version} at ${v.server.at}`);
  return `${lines.join('\n')}\n`;
}
