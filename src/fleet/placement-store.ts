import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import type { Control } from '../control/control.js';
import type { Queryable } from '../pg/pool.js';
import { beginSql, withClient, withDedicatedClient, withTransaction } from '../pg/tx.js';
import { takeXactLock, type LockKey } from '../pg/advisory-lock.js';
import { quoteLiteral } from '../pg/quote.js';
import { placementRunLock, tenantLock } from '../control/locks.js';
import { unknownTenantErrorAmong } from '../control/registry.js';
import type { FailedError } from '../shared/errors.js';

/** What resolving intents needs of the fleet (the Fleet class itself uses this module). */
export interface FleetAccess {
  readonly control: Ctx;
  ctxFor(name: string): Promise<Ctx>;
}

/**
 * Placements in the control database and the intents that make a tenant's creation on another
 * server crash-safe (docs/fleet.md "Crashes"). A tenant and its placement live in two databases,
 * so no transaction covers both: the placement is written first as an intent ('creating',
 * committed), then the tenant is provisioned on its server (one transaction there), then the
 * intent becomes 'placed'. The run holds an advisory lock named after its run id (in a transaction
 * it keeps open, see IntentRun) while its intents are open; whoever can take that lock knows the run is dead and resolves them by asking
 * the server (present -> 'placed', absent -> deleted).
 */

export interface PlacementRow {
  slug: string;
  schema: string;
  server: string;
  state: 'creating' | 'placed' | 'moving';
  runId: string | null;
  since: Date;
}

const PLACEMENT_SELECT = (c: Control) =>
  `SELECT slug, schema_name AS schema, server, state, run_id AS "runId", since FROM ${c.placements}`;

export async function getPlacement(
  client: Queryable,
  c: Control,
  slug: string,
): Promise<PlacementRow | undefined> {
  const { rows } = await client.query(`${PLACEMENT_SELECT(c)} WHERE slug = $1`, [slug]);
  return rows[0];
}

/** "no tenant X in this fleet", with the placed slugs close to it (did you mean...?). */
export async function unknownInFleet(
  client: Queryable,
  c: Control,
  slug: string,
): Promise<FailedError> {
  const { rows } = await client.query(
    `SELECT slug, schema_name AS schema FROM ${c.placements} ORDER BY slug`,
  );
  return unknownTenantErrorAmong(rows, [slug], 'in this fleet');
}

/** Placements that hold any of these slugs or schema names (the fleet-wide uniqueness). */
export async function placementsHolding(
  client: Queryable,
  c: Control,
  slugs: string[],
  schemas: string[],
): Promise<PlacementRow[]> {
  const { rows } = await client.query(
    `${PLACEMENT_SELECT(c)} WHERE slug = ANY($1) OR schema_name = ANY($2)`,
    [slugs, schemas],
  );
  return rows;
}

export async function placementsOn(
  client: Queryable,
  c: Control,
  server: string,
): Promise<PlacementRow[]> {
  const { rows } = await client.query(`${PLACEMENT_SELECT(c)} WHERE server = $1 ORDER BY slug`, [
    server,
  ]);
  return rows;
}

export async function insertIntents(
  client: Queryable,
  c: Control,
  runId: string,
  intents: { slug: string; schema: string; server: string }[],
): Promise<void> {
  if (intents.length === 0) return;
  await client.query(
    `INSERT INTO ${c.placements} (slug, schema_name, server, state, run_id)
     SELECT u.slug, u.schema_name, u.server, 'creating', $4
     FROM unnest($1::text[], $2::text[], $3::text[]) AS u(slug, schema_name, server)`,
    [intents.map((i) => i.slug), intents.map((i) => i.schema), intents.map((i) => i.server), runId],
  );
}

/**
 * The end of a run's intents: 'placed' for tenants that are there, deleted for those that are
 * not. Only the run's own 'creating' rows are touched (two statements whatever the batch size).
 */
export async function settleIntents(
  client: Queryable,
  c: Control,
  runId: string,
  present: string[],
  absent: string[],
): Promise<void> {
  if (present.length)
    await client.query(
      `UPDATE ${c.placements} SET state = 'placed', run_id = NULL, since = now()
       WHERE slug = ANY($1) AND run_id = $2 AND state = 'creating'`,
      [present, runId],
    );
  if (absent.length)
    await client.query(
      `DELETE FROM ${c.placements} WHERE slug = ANY($1) AND run_id = $2 AND state = 'creating'`,
      [absent, runId],
    );
}

/** The run lock as literal SQL (simple protocol: no portal outlives it, see IntentRun). */
function xactLockSql(key: LockKey, tryOnly = false): string {
  return `SELECT pg_${tryOnly ? 'try_' : ''}advisory_xact_lock(hashtext(${quoteLiteral(key.namespace)}), hashtext(${quoteLiteral(key.name)})) AS ok`;
}

/**
 * A run that writes intents: a connection of its own to the control database with a transaction
 * open until `end()`, holding the run's transaction-level lock. A kill -9 closes the connection,
 * which ends the transaction and so releases the lock. Transaction-scoped, not a session lock, so
 * it holds through a transaction pooler too (a pooler keeps one server connection for the whole
 * transaction); the transaction writes nothing and holds no snapshot while idle, and its
 * idle-in-transaction timeout is off (SET LOCAL).
 */
export class IntentRun {
  private constructor(
    readonly id: string,
    private readonly client: pg.Client,
  ) {}

  static async start(control: Ctx): Promise<IntentRun> {
    const id = randomUUID();
    const client = await control.db.dedicatedClient();
    try {
      // One simple-protocol query: an extended-protocol statement's unnamed portal would keep its
      // snapshot (backend_xmin) for as long as the transaction stays open, and CREATE INDEX
      // CONCURRENTLY in this database (a disable-transaction migration of the tenant being
      // created on 'local') waits for every older snapshot.
      await client.query(
        `${beginSql({ settings: { idle_in_transaction_session_timeout: '0' } })}; ${xactLockSql(placementRunLock(control.control.schema, id))}`,
      );
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return new IntentRun(id, client);
  }

  async end(): Promise<void> {
    await this.client.query('COMMIT').catch(() => {});
    await this.client.end().catch(() => {});
  }
}

/**
 * Whether the tenant is registered on its server, read under the tenant's lock there, so a
 * transaction still finishing (its client killed while COMMIT was on the wire) is waited for.
 */
export async function presentOn(ctx: Ctx, slug: string, schema: string): Promise<boolean> {
  const c = ctx.control;
  return withClient(ctx.db, (client) =>
    withTransaction(client, async () => {
      await takeXactLock(client, tenantLock(c.schema, schema), ctx.settings.lockTimeoutMs);
      const { rows } = await client.query(
        `SELECT EXISTS (SELECT 1 FROM ${c.tenants} WHERE slug = $1) AS present`,
        [slug],
      );
      return rows[0].present as boolean;
    }),
  );
}

export interface IntentReport {
  /** Intents of dead runs found with their tenant: now placed. */
  placed: { slug: string; server: string }[];
  /** Intents of dead runs whose tenant is absent: deleted. */
  removed: { slug: string; server: string }[];
  /** Intents of runs still alive: left to them. */
  live: { slug: string; server: string }[];
  /** Intents of dead runs whose server could not be asked: left for a later command. */
  unresolved: { slug: string; server: string; error: string }[];
}

/**
 * Resolves the creation intents of dead runs (all of them, or one slug's), as the next command
 * touching placements must. Costs one probe of a partial index when there are none.
 */
export async function resolveIntents(
  fleet: FleetAccess,
  opts: { slug?: string; server?: string } = {},
): Promise<IntentReport> {
  const control = fleet.control;
  const c = control.control;
  const report: IntentReport = { placed: [], removed: [], live: [], unresolved: [] };
  const intents = await withClient(control.db, async (client) => {
    const { rows } = await client.query<PlacementRow>(
      `${PLACEMENT_SELECT(c)} WHERE state = 'creating' AND ($1::text IS NULL OR slug = $1)
         AND ($2::text IS NULL OR server = $2) ORDER BY run_id, slug`,
      [opts.slug ?? null, opts.server ?? null],
    );
    return rows;
  });
  if (intents.length === 0) return report;
  const runs = new Map<string, PlacementRow[]>();
  for (const p of intents) runs.set(p.runId!, [...(runs.get(p.runId!) ?? []), p]);
  // A run whose lock can be had is dead; its intents are resolved under that lock, in one
  // transaction of the control database per run (transaction-scoped, so through a pooler too), on
  // a connection outside the pool: asking a server may need a pooled connection of the same
  // database ('local'), and a command's pool may hold only one.
  await withDedicatedClient(control.db, async (client) => {
    for (const [runId, rows] of runs)
      await withTransaction(client, async () => {
        const { rows: got } = await client.query(
          xactLockSql(placementRunLock(c.schema, runId), true),
        );
        if (!got[0].ok) {
          report.live.push(...rows.map((p) => ({ slug: p.slug, server: p.server })));
          return;
        }
        for (const p of rows) await resolveOne(fleet, client, runId, p, report);
      });
  });
  for (const p of report.placed)
    control.reporter.info(
      `an interrupted create of "${p.slug}" finished on server "${p.server}": placed`,
    );
  for (const p of report.removed)
    control.reporter.info(
      `an interrupted create of "${p.slug}" on server "${p.server}" never committed: intent removed`,
    );
  for (const p of report.unresolved)
    control.reporter.warn(
      `an interrupted create of "${p.slug}" on server "${p.server}" is unresolved: ${p.error}`,
    );
  return report;
}

async function resolveOne(
  fleet: FleetAccess,
  controlClient: Queryable,
  runId: string,
  p: PlacementRow,
  report: IntentReport,
): Promise<void> {
  let present: boolean;
  try {
    present = await presentOn(await fleet.ctxFor(p.server), p.slug, p.schema);
  } catch (err) {
    report.unresolved.push({ slug: p.slug, server: p.server, error: (err as Error).message });
    return;
  }
  await settleIntents(
    controlClient,
    fleet.control.control,
    runId,
    present ? [p.slug] : [],
    present ? [] : [p.slug],
  );
  (present ? report.placed : report.removed).push({ slug: p.slug, server: p.server });
}
