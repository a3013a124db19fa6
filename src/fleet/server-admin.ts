import type { Ctx } from '../control/context.js';
import { initControlSchema } from '../control/init.js';
import { writeAudit, writeAuditQuietly } from '../control/audit.js';
import { placementLock } from '../control/locks.js';
import { takeXactLock } from '../pg/advisory-lock.js';
import { withClient, withTransaction } from '../pg/tx.js';
import type { Queryable } from '../pg/pool.js';
import { FailedError, UsageError } from '../shared/errors.js';
import { printable } from '../shared/names.js';
import type { Fleet } from './fleet.js';
import { loadKey, seal, unseal, KEY_ENV, OLD_KEY_ENV, type Sealed } from './secrets.js';
import {
  LOCAL,
  checkServerUrl,
  findServer,
  getServer,
  insertServer,
  listServers,
  redactUrl,
  resealServer,
  serverNameProblem,
  viewOf,
  type PasswordSource,
  type ServerView,
} from './servers.js';
import { controlFacts, factsProblems, registeredSlugs, serverFacts } from './probe.js';
import { placementsHolding, resolveIntents } from './placement-store.js';

/**
 * `server add`, `drain`, `remove` and `rotate-key`: every change to the registry of servers is
 * one transaction in the control database with its audit record (who, what, when); a failure
 * after the input was accepted leaves a failed record.
 */

export interface AddServerOptions {
  name: string;
  url: string;
  region?: string;
  dedicated?: boolean;
  maxTenants?: number;
  /** The password comes from this environment variable (its name is stored). */
  passwordEnv?: string;
  /** A password to store encrypted under the current secret key. */
  password?: string;
}

export interface AddServerResult {
  server: ServerView;
  version: string;
  controlSchema: { created: boolean; applied: string[] };
  /** Tenants the server already held (a tenantctl database joining the fleet), now placed on it. */
  adopted: string[];
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Everything wrong with the input, at once (exit 2), before anything is reached. */
function validateAdd(fleet: Fleet, o: AddServerOptions): { url: string; sealed?: Sealed } {
  const problems: string[] = [];
  const nameProblem = serverNameProblem(o.name);
  if (nameProblem) problems.push(nameProblem);
  else if (o.name === LOCAL)
    problems.push(`"${LOCAL}" is the control database's own server; choose another name`);
  let url = '';
  try {
    url = checkServerUrl(o.url);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (problems.length === 0) throw err;
    problems.push(...err.problems);
  }
  if (o.passwordEnv !== undefined && o.password !== undefined)
    problems.push('give one password source: --password-env or --password-stdin');
  if (o.passwordEnv !== undefined) {
    if (!ENV_NAME_RE.test(o.passwordEnv))
      problems.push(`--password-env ${printable(o.passwordEnv)} is not a variable name`);
    else if (fleet.env[o.passwordEnv] === undefined)
      problems.push(
        `--password-env ${o.passwordEnv}: the variable is not set (it must be, to check the server now)`,
      );
  }
  if (o.password !== undefined && o.password.length === 0)
    problems.push('--password-stdin: the password read is empty');
  if (o.region !== undefined && (!/^[\x20-\x7e]{1,100}$/.test(o.region) || !o.region.trim()))
    problems.push(`--region ${printable(o.region)}: up to 100 printable characters`);
  let sealed: Sealed | undefined;
  if (o.password) {
    const key = fleet.secretKey();
    if (!key)
      problems.push(
        `--password-stdin stores the password encrypted: set ${KEY_ENV} or ${KEY_ENV}_FILE`,
      );
    else if (problems.length === 0) sealed = seal(key, o.name, o.password);
  }
  if (problems.length) throw new UsageError(problems);
  return { url, sealed };
}

export async function addServer(fleet: Fleet, o: AddServerOptions): Promise<AddServerResult> {
  const { url, sealed } = validateAdd(fleet, o);
  await fleet.ready();
  const started = performance.now();
  const passwordSource: PasswordSource = sealed ? 'encrypted' : o.passwordEnv ? 'env' : 'pgpass';
  const details = {
    server: o.name,
    url: redactUrl(url),
    region: o.region ?? null,
    dedicated: !!o.dedicated,
    maxTenants: o.maxTenants ?? null,
    password: passwordSource === 'env' ? `env:${o.passwordEnv}` : passwordSource,
    ...(sealed ? { keyId: sealed.keyId } : {}),
  };
  const c = fleet.control.control;
  if (await withClient(fleet.control.db, (client) => findServer(client, c, o.name)))
    throw new FailedError(`server "${o.name}" already exists`, {
      hint: 'see `tenantctl server list`',
    });
  try {
    const row = {
      name: o.name,
      url,
      passwordSource,
      passwordEnv: o.passwordEnv ?? null,
      sealed: sealed ?? null,
    };
    const ctx = fleet.ctxOf(row, 1);
    let facts: Awaited<ReturnType<typeof inspectNew>>;
    try {
      facts = await inspectNew(fleet, ctx);
    } finally {
      await ctx.db.end().catch(() => {});
    }
    const adopted = facts.tenants.map((t) => t.slug);
    await withClient(fleet.control.db, (client) =>
      withTransaction(client, async () => {
        await takeXactLock(client, placementLock(c.schema), fleet.control.settings.lockTimeoutMs);
        await refuseKnownDatabase(client, fleet, facts.roleTag);
        await refuseTakenTenants(client, fleet, o.name, facts.tenants);
        if (o.dedicated && facts.tenants.length > 1)
          throw new FailedError(
            `server "${o.name}" cannot be dedicated: it already holds ${facts.tenants.length} tenants`,
          );
        await insertServer(client, c, {
          name: o.name,
          url,
          region: o.region,
          dedicated: !!o.dedicated,
          maxTenants: o.maxTenants,
          passwordSource,
          passwordEnv: o.passwordEnv,
          sealed,
          roleTag: facts.roleTag,
        });
        await client.query(
          `INSERT INTO ${c.placements} (slug, schema_name, server)
           SELECT u.slug, u.schema_name, $3 FROM unnest($1::text[], $2::text[]) AS u(slug, schema_name)`,
          [adopted, facts.tenants.map((t) => t.schema), o.name],
        );
        await writeAudit(client, c, {
          command: 'server add',
          outcome: 'ok',
          durationMs: performance.now() - started,
          details: { ...details, version: facts.version, adopted },
        });
      }),
    );
    const server = await fleet.server(o.name);
    return {
      server: viewOf(server, fleet.localUrl()),
      version: facts.version,
      controlSchema: facts.init,
      adopted,
    };
  } catch (err) {
    await auditFailure(fleet, 'server add', started, details, err);
    throw err;
  }
}

/**
 * A server about to join: reachable, PostgreSQL 15+, privileged enough, not a database the fleet
 * already knows (by its control schema's role tag), then its control schema installed or
 * upgraded (the same `init`), and what it already holds.
 */
async function inspectNew(fleet: Fleet, ctx: Ctx) {
  const before = await withClient(ctx.db, async (client) => {
    const f = await serverFacts(client);
    const problems = factsProblems(f);
    if (problems.length)
      throw new FailedError(
        `server ${ctx.db.target.label} cannot hold tenants: ${problems.join('; ')}`,
      );
    return { facts: f, control: await controlFacts(client, ctx.control) };
  });
  if (before.control.roleTag)
    await withClient(fleet.control.db, (client) =>
      refuseKnownDatabase(client, fleet, before.control.roleTag!),
    );
  const init = await initControlSchema(ctx);
  return withClient(ctx.db, async (client) => {
    const after = await controlFacts(client, ctx.control);
    return {
      version: before.facts.version,
      roleTag: after.roleTag!,
      init: { created: init.created, applied: init.applied },
      tenants: await registeredSlugs(client, ctx.control),
    };
  });
}

/** The same database twice (under two names, or the control database itself) is refused. */
async function refuseKnownDatabase(client: Queryable, fleet: Fleet, tag: string): Promise<void> {
  const same = (await listServers(client, fleet.control.control)).find((s) => s.roleTag === tag);
  if (same)
    throw new FailedError(
      same.name === LOCAL
        ? 'that URL reaches the control database itself (server "local")'
        : `that URL reaches the database of server "${same.name}" (same control schema)`,
    );
}

async function refuseTakenTenants(
  client: Queryable,
  fleet: Fleet,
  name: string,
  tenants: { slug: string; schema: string }[],
): Promise<void> {
  if (tenants.length === 0) return;
  const held = await placementsHolding(
    client,
    fleet.control.control,
    tenants.map((t) => t.slug),
    tenants.map((t) => t.schema),
  );
  if (held.length)
    throw new FailedError(
      `server "${name}" holds tenants the fleet already places elsewhere: ${held
        .slice(0, 10)
        .map((p) => `${p.slug} (on ${p.server})`)
        .join(', ')}${held.length > 10 ? `, and ${held.length - 10} more` : ''}`,
    );
}

async function auditFailure(
  fleet: Fleet,
  command: string,
  started: number,
  details: Record<string, unknown>,
  err: unknown,
): Promise<void> {
  await withClient(fleet.control.db, (client) =>
    writeAuditQuietly(client, fleet.control.control, {
      command,
      outcome: 'failed',
      durationMs: performance.now() - started,
      details: { ...details, error: (err as Error).message },
    }),
  ).catch(() => {});
}

export interface DrainResult {
  server: string;
  state: 'active' | 'draining';
  changed: boolean;
}

/** `server drain` (no new tenants) and `--undo`; the tenants it holds stay where they are. */
export async function drainServer(fleet: Fleet, name: string, undo = false): Promise<DrainResult> {
  await fleet.ready();
  const c = fleet.control.control;
  const state = undo ? 'active' : 'draining';
  const started = performance.now();
  return withClient(fleet.control.db, (client) =>
    withTransaction(client, async () => {
      const s = await getServer(client, c, name, true);
      const changed = s.state !== state;
      if (changed)
        await client.query(`UPDATE ${c.servers} SET state = $2 WHERE name = $1`, [name, state]);
      await writeAudit(client, c, {
        command: undo ? 'server drain --undo' : 'server drain',
        outcome: changed ? 'ok' : 'noop',
        durationMs: performance.now() - started,
        details: { server: name, state, was: s.state },
      });
      return { server: name, state, changed };
    }),
  );
}

export interface RemoveResult {
  server: string;
  /** Whether its own registry could be read (and was empty); false when it was unreachable. */
  registryChecked: boolean;
}

/**
 * `server remove`: only a server that holds no tenant, by the placements and (when reachable) by
 * its own registry. Nothing on the server is dropped: its control schema stays.
 */
export async function removeServer(fleet: Fleet, name: string): Promise<RemoveResult> {
  if (name === LOCAL)
    throw new UsageError(`"${LOCAL}" is the control database's own server and cannot be removed`, {
      hint: 'stop placing tenants there with `tenantctl server drain local`',
    });
  await fleet.ready();
  await resolveIntents(fleet, { server: name });
  const started = performance.now();
  const c = fleet.control.control;
  const row = await fleet.server(name);
  let registryChecked = false;
  try {
    const ctx = await fleet.ctxFor(name, 1);
    const held = await withClient(ctx.db, (client) => registeredSlugs(client, ctx.control));
    registryChecked = true;
    if (held.length)
      throw new FailedError(
        `server "${name}" still holds ${held.length} tenant(s) in its registry: ${held
          .slice(0, 10)
          .map((t) => t.slug)
          .join(', ')}`,
      );
  } catch (err) {
    if (registryChecked) throw err;
    fleet.control.reporter.warn(
      `server "${name}" is unreachable (${(err as Error).message}); removing it by its placements alone`,
    );
  }
  return withClient(fleet.control.db, (client) =>
    withTransaction(client, async () => {
      await takeXactLock(client, placementLock(c.schema), fleet.control.settings.lockTimeoutMs);
      const { rows } = await client.query(
        `SELECT slug FROM ${c.placements} WHERE server = $1 ORDER BY slug LIMIT 11`,
        [name],
      );
      if (rows.length)
        throw new FailedError(
          `server "${name}" holds tenants: ${rows
            .slice(0, 10)
            .map((r) => r.slug)
            .join(', ')}${rows.length > 10 ? ', ...' : ''}`,
          { hint: 'it can be removed once it holds none' },
        );
      await client.query(`DELETE FROM ${c.servers} WHERE name = $1`, [name]);
      await writeAudit(client, c, {
        command: 'server remove',
        outcome: 'ok',
        durationMs: performance.now() - started,
        details: { server: name, url: redactUrl(row.url!), registryChecked },
      });
      return { server: name, registryChecked };
    }),
  );
}

export interface RotateResult {
  from: string;
  to: string;
  rotated: string[];
  /** Already under the current key (a rotation interrupted or repeated). */
  current: string[];
}

/**
 * `server rotate-key`: every stored password from the old key (TENANTCTL_OLD_SECRET_KEY or
 * _FILE) to the current one, in one transaction; passwords already under the current key are
 * left as they are, so a repeated rotation is harmless; one under any other key stops it all.
 */
export async function rotateKey(fleet: Fleet): Promise<RotateResult> {
  const to = fleet.secretKey();
  const from = loadKey(fleet.env, 'old');
  const problems: string[] = [];
  if (!to) problems.push(`set the new key in ${KEY_ENV} (or ${KEY_ENV}_FILE)`);
  if (!from) problems.push(`set the old key in ${OLD_KEY_ENV} (or ${OLD_KEY_ENV}_FILE)`);
  if (to && from && to.id === from.id)
    problems.push(`${OLD_KEY_ENV} and ${KEY_ENV} are the same key (${to.id})`);
  if (problems.length) throw new UsageError(problems);
  await fleet.ready();
  const c = fleet.control.control;
  const started = performance.now();
  try {
    return await withClient(fleet.control.db, (client) =>
      withTransaction(client, async () => {
        const { rows } = await client.query(
          `SELECT name FROM ${c.servers} WHERE password_source = 'encrypted' ORDER BY name FOR UPDATE`,
        );
        const servers = await Promise.all(rows.map((r) => getServer(client, c, r.name as string)));
        const foreign = servers.filter(
          (s) => s.sealed!.keyId !== from!.id && s.sealed!.keyId !== to!.id,
        );
        if (foreign.length)
          throw new FailedError(
            `not rotated: ${foreign.map((s) => `server "${s.name}" is under key ${s.sealed!.keyId}`).join(', ')}, neither the old key (${from!.id}) nor the new one (${to!.id})`,
          );
        const rotated: string[] = [];
        const current: string[] = [];
        for (const s of servers) {
          if (s.sealed!.keyId === to!.id) {
            current.push(s.name);
            continue;
          }
          await resealServer(client, c, s.name, seal(to!, s.name, unseal(from, s.name, s.sealed!)));
          rotated.push(s.name);
        }
        await writeAudit(client, c, {
          command: 'server rotate-key',
          outcome: rotated.length ? 'ok' : 'noop',
          durationMs: performance.now() - started,
          details: { from: from!.id, to: to!.id, rotated, current },
        });
        return { from: from!.id, to: to!.id, rotated, current };
      }),
    );
  } catch (err) {
    await auditFailure(fleet, 'server rotate-key', started, { from: from!.id, to: to!.id }, err);
    throw err;
  }
}
