import type { Ctx } from '../control/context.js';
import {
  createTenants,
  type CreateOptions,
  type CreatePlan,
  type CreateResult,
  type CreatedTenant,
} from '../provision/create.js';
import { loadTemplate } from '../provision/template.js';
import { withClient, withTransaction } from '../pg/tx.js';
import { takeXactLock } from '../pg/advisory-lock.js';
import { findSqlDiagnostics } from '../pg/sql-error.js';
import { placementLock } from '../control/locks.js';
import { fanOutError, tally, type Outcome } from '../control/fanout.js';
import {
  BusyError,
  FailedError,
  InterruptedError,
  TenantctlError,
  UsageError,
} from '../shared/errors.js';
import { parseSlugs, type TenantName } from '../shared/names.js';
import { crashPoint } from '../shared/crash-point.js';
import { writeAuditQuietly } from '../control/audit.js';
import type { Fleet } from './fleet.js';
import { LOCAL, listServers, type ServerRow } from './servers.js';
import { tenantsSize } from './probe.js';
import { chooseServer, noServerError, placeable, refusalOf, type SizeProbe } from './placement.js';
import {
  IntentRun,
  insertIntents,
  placementsHolding,
  presentOn,
  resolveIntents,
  settleIntents,
} from './placement-store.js';

export interface FleetCreateOptions extends CreateOptions {
  /** Place every tenant on this server; default placement otherwise. */
  server?: string;
}

export interface PlacedTenant extends CreatedTenant {
  /** The server it was created on (or would be, in a dry run); null when never placed. */
  server: string | null;
}

export interface FleetCreateResult extends Omit<CreateResult, 'tenants' | 'plan'> {
  tenants: PlacedTenant[];
  plan?: (CreatePlan & { server: string })[];
}

/**
 * `create` across the fleet: each tenant placed (named server or default placement), its intent
 * committed in the control database, the tenants provisioned on their servers (each server's
 * group through the unchanged createTenants, in parallel), then each intent settled by what is
 * actually there. Crash points: create:after-intent, create:after-provision, create:after-placed.
 */
export async function createPlaced(
  fleet: Fleet,
  opts: FleetCreateOptions,
): Promise<FleetCreateResult> {
  const { names, template } = validate(fleet.control, opts);
  await fleet.ready();
  await resolveIntents(fleet);
  const probe = opts.server ? emptyProbe() : await probeSizes(fleet, await fleet.servers());
  if (opts.dryRun) return dryRun(fleet, opts, names, probe);

  const run = await IntentRun.start(fleet.control);
  try {
    const { placed, refused } = await writeIntents(fleet, run.id, names, opts.server, probe);
    await auditRefusals(fleet, refused);
    crashPoint('create:after-intent');
    const outcomes = new Map<string, Outcome<CreatedTenant>>();
    for (const [slug, error] of refused) outcomes.set(slug, { status: 'failed', error });
    const groups = groupByServer(names, placed);
    const results = await Promise.all(
      [...groups].map(async ([server, group]) => ({
        server,
        ...(await provisionGroup(fleet, server, group, opts)),
      })),
    );
    for (const r of results) for (const [slug, o] of r.outcomes) outcomes.set(slug, o);
    crashPoint('create:after-provision');
    await settle(fleet, run.id, names, placed, outcomes);
    crashPoint('create:after-placed');
    // Every tenant on one server (a fleet of one, or --server): createTenants' own verdict stands
    // (its words, code and exit: partial, interrupted by a signal, a lost connection...), with the
    // fleet's result.
    const only = results.length === 1 && refused.size === 0 ? results[0].error : undefined;
    if (only) {
      only.result = result(names, template, placed, outcomes);
      throw only;
    }
    const stopped = results.find((r) => r.error instanceof InterruptedError)?.error;
    return verdict(names, template, placed, outcomes, stopped);
  } finally {
    await run.end();
  }
}

/** The same offline checks as createTenants, before any intent is written (exit 2). */
function validate(
  control: Ctx,
  opts: FleetCreateOptions,
): { names: TenantName[]; template: string } {
  if (opts.slugs.length === 0)
    throw new UsageError('no slug given', { hint: 'usage: tenantctl create <slug...>' });
  const { names, problems } = parseSlugs(opts.slugs, control.settings.schemaPrefix);
  let template = '';
  try {
    template = loadTemplate(opts.template ?? control.settings.template).id;
  } catch (err) {
    if (err instanceof UsageError) problems.push(...err.problems);
    else throw err;
  }
  if (opts.displayName !== undefined && names.length > 1)
    problems.push('--name applies to one tenant; give a single slug with it');
  if (problems.length) throw new UsageError(problems);
  return { names, template };
}

/** A tenant refused before any server was touched still leaves its failure audit record. */
async function auditRefusals(fleet: Fleet, refused: Map<string, Error>): Promise<void> {
  if (refused.size === 0) return;
  const { db, control: c } = fleet.control;
  await withClient(db, async (client) => {
    for (const [slug, err] of refused)
      await writeAuditQuietly(client, c, {
        command: 'create',
        tenant: slug,
        outcome: 'failed',
        durationMs: 0,
        details: { error: err.message },
      });
  }).catch(() => {});
}

function emptyProbe(): SizeProbe {
  return { bytes: new Map(), unreachable: new Map() };
}

/**
 * Sizes of the servers default placement may choose, for the tie-break, probed in parallel
 * before the placement lock is taken (a slow server must not hold it). Only when there is a
 * choice to make: a fleet of one pays nothing.
 */
async function probeSizes(fleet: Fleet, servers: ServerRow[]): Promise<SizeProbe> {
  const probe = emptyProbe();
  const candidates = placeable(servers);
  if (candidates.length < 2) return probe;
  const outcomes = await fleet.eachServer(
    (_s, ctx) => withClient(ctx.db, (client) => tenantsSize(client, ctx.control)),
    { servers: candidates },
  );
  for (const o of outcomes) {
    if (o.ok) probe.bytes.set(o.server, o.value.bytes);
    else probe.unreachable.set(o.server, (o.error as Error).message);
  }
  for (const [name, why] of probe.unreachable)
    fleet.control.reporter.warn(`server "${name}" passed over for new tenants: ${why}`);
  return probe;
}

/** slug -> server for each tenant that can be placed; the others with their refusal. */
interface Assignment {
  placed: Map<string, string>;
  refused: Map<string, Error>;
}

function assign(
  servers: ServerRow[],
  names: TenantName[],
  holding: { slug: string; schema: string; server: string; state: string }[],
  named: string | undefined,
  probe: SizeProbe,
): Assignment {
  const placed = new Map<string, string>();
  const refused = new Map<string, Error>();
  const free: TenantName[] = [];
  for (const n of names) {
    const held = holding.find((p) => p.slug === n.slug || p.schema === n.schema);
    if (!held) free.push(n);
    else
      refused.set(
        n.slug,
        new FailedError(
          held.slug !== n.slug
            ? `schema ${n.schema} is taken by tenant "${held.slug}" on server "${held.server}"`
            : held.state === 'creating'
              ? `tenant "${n.slug}" is being created by another run (on server "${held.server}")`
              : `tenant "${n.slug}" already exists${held.server === LOCAL ? '' : ` (on server "${held.server}")`}`,
        ),
      );
  }
  if (named !== undefined) {
    const s = servers.find((x) => x.name === named);
    if (!s) throw new FailedError(`no server "${named}" in this fleet`, { code: 'server-unknown' });
    const refusal = refusalOf(s, free.length);
    if (refusal) throw new FailedError(refusal);
    for (const n of free) placed.set(n.slug, s.name);
    return { placed, refused };
  }
  const counts = servers.map((s) => ({ ...s }));
  for (const n of free) {
    const name = chooseServer(counts, probe);
    if (name === undefined) {
      refused.set(n.slug, noServerError(counts, probe));
      continue;
    }
    counts.find((s) => s.name === name)!.tenants++;
    placed.set(n.slug, name);
  }
  return { placed, refused };
}

/** One control transaction under the placement lock: decide, and commit the intents. */
async function writeIntents(
  fleet: Fleet,
  runId: string,
  names: TenantName[],
  named: string | undefined,
  probe: SizeProbe,
): Promise<Assignment> {
  const { db, control: c, settings } = fleet.control;
  return withClient(db, (client) =>
    withTransaction(client, async () => {
      await takeXactLock(client, placementLock(c.schema), settings.lockTimeoutMs);
      const servers = await listServers(client, c);
      const holding = await placementsHolding(
        client,
        c,
        names.map((n) => n.slug),
        names.map((n) => n.schema),
      );
      const a = assign(servers, names, holding, named, probe);
      await insertIntents(
        client,
        c,
        runId,
        names
          .filter((n) => a.placed.has(n.slug))
          .map((n) => ({ slug: n.slug, schema: n.schema, server: a.placed.get(n.slug)! })),
      );
      return a;
    }),
  );
}

function groupByServer(names: TenantName[], placed: Map<string, string>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const server = placed.get(n.slug);
    if (server !== undefined) groups.set(server, [...(groups.get(server) ?? []), n.slug]);
  }
  return groups;
}

/**
 * One server's tenants through createTenants on that server's Ctx; its per-tenant results become
 * outcomes (interrupted and not started as such), and its error, when it ended with one, is kept.
 * A failure of the whole group (server down, password missing) fails each tenant.
 */
async function provisionGroup(
  fleet: Fleet,
  server: string,
  slugs: string[],
  opts: FleetCreateOptions,
): Promise<{ outcomes: Map<string, Outcome<CreatedTenant>>; error?: TenantctlError }> {
  const out = new Map<string, Outcome<CreatedTenant>>();
  let result: CreateResult | undefined;
  let groupError: unknown;
  try {
    result = await createTenants(await fleet.ctxFor(server), { ...opts, slugs });
  } catch (err) {
    groupError = err;
    result = (err as TenantctlError).result as CreateResult | undefined;
  }
  for (const slug of slugs) {
    const t = result?.tenants.find((x) => x.slug === slug);
    if (t?.ok) out.set(slug, { status: 'ok', value: t });
    // Refused before anything was touched on that server (exit 2): the same error for each.
    else if (groupError instanceof UsageError)
      out.set(slug, { status: 'failed', error: groupError });
    else if (slugs.length === 1 || !t)
      out.set(slug, {
        status: 'failed',
        error: groupError ?? new FailedError(t?.error ?? 'failed'),
      });
    else if (t.error === 'not started') out.set(slug, { status: 'skipped' });
    else if (groupError instanceof InterruptedError && t.error?.startsWith('interrupted: '))
      out.set(slug, {
        status: 'interrupted',
        error: new InterruptedError(t.error.slice('interrupted: '.length), groupError.signal),
      });
    else
      out.set(slug, {
        status: 'failed',
        error:
          groupError instanceof BusyError
            ? new BusyError(t.error ?? 'locked', { code: 'lock-busy' })
            : new FailedError(t.error ?? 'failed', { sql: t.sql }),
      });
  }
  return {
    outcomes: out,
    error: groupError instanceof TenantctlError ? groupError : undefined,
  };
}

/**
 * Each intent of this run to its end. Created: placed. Failed: the server is asked (a create can
 * fail after its commit, e.g. a non-transactional migration after it), under the tenant's lock.
 * A server that cannot be asked leaves the intent for the next command, said on stderr.
 */
async function settle(
  fleet: Fleet,
  runId: string,
  names: TenantName[],
  placed: Map<string, string>,
  outcomes: Map<string, Outcome<CreatedTenant>>,
): Promise<void> {
  const { db, control: c } = fleet.control;
  const presence = new Map<string, boolean>();
  await Promise.all(
    names.map(async ({ slug, schema }) => {
      const server = placed.get(slug);
      if (server === undefined) return;
      if (outcomes.get(slug)?.status === 'ok') {
        presence.set(slug, true);
        return;
      }
      try {
        presence.set(slug, await presentOn(await fleet.ctxFor(server), slug, schema));
      } catch (err) {
        fleet.control.reporter.warn(
          `tenant "${slug}" on server "${server}": could not tell whether it was created (${(err as Error).message}); the next command resolves it`,
        );
      }
    }),
  );
  const slugs = [...presence.keys()];
  await withClient(db, (client) =>
    settleIntents(
      client,
      c,
      runId,
      slugs.filter((s) => presence.get(s)),
      slugs.filter((s) => !presence.get(s)),
    ),
  );
}

/** The fleet-wide result: each tenant as createTenants reports it, with its server. */
function result(
  names: TenantName[],
  template: string,
  placed: Map<string, string>,
  outcomes: Map<string, Outcome<CreatedTenant>>,
): FleetCreateResult {
  const tenants = names.map((n): PlacedTenant => {
    const o = outcomes.get(n.slug) ?? { status: 'skipped' as const };
    const server = placed.get(n.slug) ?? null;
    if (o.status === 'ok') return { ...o.value, server };
    const error =
      o.status === 'skipped'
        ? 'not started'
        : o.status === 'interrupted'
          ? `interrupted: ${errorText(o.error)}`
          : errorText(o.error);
    const sql = o.status === 'failed' ? findSqlDiagnostics(o.error) : undefined;
    return {
      slug: n.slug,
      schema: n.schema,
      ok: false,
      error,
      ...(sql ? { sql } : {}),
      migrations: [],
      durationMs: 0,
      server,
    };
  });
  return { dryRun: false, template, tenants };
}

/**
 * The fleet-wide verdict, worded as createTenants words its own; `stopped` when a server's group
 * was interrupted by a signal (exit 130/143 with the summary).
 */
function verdict(
  names: TenantName[],
  template: string,
  placed: Map<string, string>,
  outcomes: Map<string, Outcome<CreatedTenant>>,
  stopped?: TenantctlError,
): FleetCreateResult {
  const ordered = names.map((n) => outcomes.get(n.slug) ?? { status: 'skipped' as const });
  const fleetResult = result(names, template, placed, outcomes);
  // Every tenant refused up front by the same usage error (a disable-transaction migration through
  // a transaction pooler, say): that error, exit 2, as createTenants gives it on one database.
  const first = ordered[0];
  if (
    first?.status === 'failed' &&
    first.error instanceof UsageError &&
    ordered.every((o) => o.status === 'failed' && o.error === first.error)
  ) {
    first.error.result = fleetResult;
    throw first.error;
  }
  const only = ordered.length === 1 ? ordered[0] : undefined;
  if (only?.status === 'failed') {
    const err =
      only.error instanceof TenantctlError
        ? only.error
        : new FailedError(`create ${names[0].slug}: ${errorText(only.error)}`, {
            cause: only.error,
          });
    err.result = fleetResult;
    throw err;
  }
  const t = tally(ordered);
  const err = fanOutError(
    t,
    {
      done: 'created',
      partial: `${t.failed} of ${names.length} tenants failed; the others were created`,
      failed: `no tenant created: all ${t.failed} failed`,
      busy: `no tenant created: all ${t.failed} were locked by other work`,
    },
    fleetResult,
    stopped,
  );
  if (err) throw err;
  return fleetResult;
}

function errorText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** Where each tenant would go, and each server's plan for its group; nothing is written. */
async function dryRun(
  fleet: Fleet,
  opts: FleetCreateOptions,
  names: TenantName[],
  probe: SizeProbe,
): Promise<FleetCreateResult> {
  const { db, control: c } = fleet.control;
  const { placed, refused } = await withClient(db, async (client) =>
    assign(
      await listServers(client, c),
      names,
      await placementsHolding(
        client,
        c,
        names.map((n) => n.slug),
        names.map((n) => n.schema),
      ),
      opts.server,
      probe,
    ),
  );
  const first = refused.values().next();
  if (!first.done) throw first.value;
  const plan: (CreatePlan & { server: string })[] = [];
  let template = '';
  for (const [server, slugs] of groupByServer(names, placed)) {
    const r = await createTenants(await fleet.ctxFor(server), { ...opts, slugs, dryRun: true });
    template = r.template;
    plan.push(...(r.plan ?? []).map((p) => ({ ...p, server })));
  }
  plan.sort(
    (a, b) => names.findIndex((n) => n.slug === a.slug) - names.findIndex((n) => n.slug === b.slug),
  );
  return { dryRun: true, template, tenants: [], plan };
}
