import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';

/** The registry side of suspend/activate: status, reason, since when, and what was taken away. */

export async function readSuspendedPrivileges(
  client: Queryable,
  c: Control,
  tenantId: number,
): Promise<unknown> {
  const { rows } = await client.query(
    `SELECT suspended_privileges AS s FROM ${c.tenants} WHERE id = $1`,
    [tenantId],
  );
  return rows[0]?.s ?? null;
}

export async function markSuspended(
  client: Queryable,
  c: Control,
  tenantId: number,
  reason: string | null,
  snapshot: unknown,
): Promise<Date> {
  const { rows } = await client.query(
    `UPDATE ${c.tenants} SET status = 'suspended', status_reason = $2, status_since = now(), suspended_privileges = $3
     WHERE id = $1 RETURNING status_since AS since`,
    [tenantId, reason, JSON.stringify(snapshot)],
  );
  return rows[0].since;
}

export async function markActive(client: Queryable, c: Control, tenantId: number): Promise<Date> {
  const { rows } = await client.query(
    `UPDATE ${c.tenants} SET status = 'active', status_reason = NULL, status_since = now(), suspended_privileges = NULL
     WHERE id = $1 RETURNING status_since AS since`,
    [tenantId],
  );
  return rows[0].since;
}
