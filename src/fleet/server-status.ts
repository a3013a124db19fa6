import { withClient } from '../pg/tx.js';
import { CheckFailedError } from '../shared/errors.js';
import type { Fleet } from './fleet.js';
import { viewOf, type ServerRow, type ServerView } from './servers.js';
import {
  controlFacts,
  factsProblems,
  registeredSlugs,
  serverFacts,
  tenantsSize,
  type ServerFacts,
} from './probe.js';
import { placementsOn, resolveIntents } from './placement-store.js';

/** `server list` and `server check`: every server asked in parallel, one slow or down server
 * costing at most its connect timeout. */

export interface ServerStatus extends ServerView {
  reachable: boolean;
  /** Why it could not be reached or read. */
  error: string | null;
  version: string | null;
  /** Tenant data on the server, catalog estimate (as `stats`); null when unknown. */
  bytes: number | null;
}

export interface ServerListResult {
  servers: ServerStatus[];
  total: { servers: number; tenants: number; bytes: number; unreachable: number };
}

export async function serverList(fleet: Fleet): Promise<ServerListResult> {
  await fleet.ready();
  await resolveIntents(fleet);
  const servers = await fleet.servers();
  const outcomes = await fleet.eachServer(
    (_s, ctx) =>
      withClient(ctx.db, async (client) => {
        const facts = await serverFacts(client);
        const size = await tenantsSize(client, ctx.control).catch(() => null);
        return { version: facts.version, bytes: size?.bytes ?? null };
      }),
    { servers },
  );
  const localUrl = fleet.localUrl();
  const rows = servers.map((s, i): ServerStatus => {
    const o = outcomes[i];
    return {
      ...viewOf(s, localUrl),
      reachable: o.ok,
      error: o.ok ? null : (o.error as Error).message,
      version: o.ok ? o.value.version : null,
      bytes: o.ok ? o.value.bytes : null,
    };
  });
  return {
    servers: rows,
    total: {
      servers: rows.length,
      tenants: rows.reduce((n, r) => n + r.tenants, 0),
      bytes: rows.reduce((n, r) => n + (r.bytes ?? 0), 0),
      unreachable: rows.filter((r) => !r.reachable).length,
    },
  };
}

export interface CheckItem {
  check: 'connect' | 'version' | 'privileges' | 'control schema' | 'identity' | 'placements';
  ok: boolean;
  detail: string;
}

export interface ServerCheck {
  name: string;
  url: string;
  ok: boolean;
  checks: CheckItem[];
}

export interface ServerCheckResult {
  ok: boolean;
  servers: ServerCheck[];
}

/**
 * `server check [<name>]`: connect, version, privileges, control schema present and current,
 * identity (the URL still reaches the database that was added: same role tag), and placements
 * agreeing with the server's own registry. Exit 1 when any check fails.
 */
export async function serverCheck(fleet: Fleet, name?: string): Promise<ServerCheckResult> {
  await fleet.ready();
  await resolveIntents(fleet, { server: name });
  const servers = await fleet.servers();
  const outcomes = await fleet.eachServer((s, ctx) => checksOf(fleet, s, ctx), {
    names: name === undefined ? undefined : [name],
    servers,
  });
  const localUrl = fleet.localUrl();
  const checked = outcomes.map((o): ServerCheck => {
    const s = servers.find((x) => x.name === o.server)!;
    const checks: CheckItem[] = o.ok
      ? o.value
      : [{ check: 'connect', ok: false, detail: (o.error as Error).message }];
    return { name: s.name, url: viewOf(s, localUrl).url, ok: checks.every((c) => c.ok), checks };
  });
  const result = { ok: checked.every((s) => s.ok), servers: checked };
  if (!result.ok) {
    const bad = checked.filter((s) => !s.ok).map((s) => s.name);
    throw new CheckFailedError(
      `server check failed on ${bad.map((n) => `"${n}"`).join(', ')}`,
      result as ServerCheckResult & { ok: false },
    );
  }
  return result;
}

async function checksOf(
  fleet: Fleet,
  s: ServerRow,
  ctx: Awaited<ReturnType<Fleet['ctxFor']>>,
): Promise<CheckItem[]> {
  return withClient(ctx.db, async (client) => {
    const facts: ServerFacts = await serverFacts(client);
    const checks: CheckItem[] = [
      { check: 'connect', ok: true, detail: `${facts.user}@${ctx.db.target.label}` },
    ];
    const problems = factsProblems(facts);
    const old = problems.find((p) => p.startsWith('PostgreSQL'));
    checks.push({ check: 'version', ok: !old, detail: old ?? `PostgreSQL ${facts.version}` });
    const priv = problems.filter((p) => p !== old);
    checks.push({
      check: 'privileges',
      ok: priv.length === 0,
      detail: priv.join('; ') || (facts.superuser ? 'superuser' : 'CREATEROLE, CREATE on database'),
    });
    const control = await controlFacts(client, ctx.control);
    checks.push({
      check: 'control schema',
      ok: control.problem === null,
      detail: control.problem ?? `${ctx.control.schema} present and current`,
    });
    checks.push(
      control.roleTag === s.roleTag
        ? { check: 'identity', ok: true, detail: `role tag ${s.roleTag}` }
        : {
            check: 'identity',
            ok: false,
            detail: `the URL now reaches another database (role tag ${control.roleTag ?? 'none'}, added with ${s.roleTag})`,
          },
    );
    if (control.problem === null && control.roleTag === s.roleTag)
      checks.push(await placementCheck(fleet, s.name, client, ctx.control));
    return checks;
  });
}

/** The control database's placements on the server against the server's own registry. */
async function placementCheck(
  fleet: Fleet,
  server: string,
  client: Parameters<typeof registeredSlugs>[0],
  c: Parameters<typeof registeredSlugs>[1],
): Promise<CheckItem> {
  const registered = new Set((await registeredSlugs(client, c)).map((t) => t.slug));
  const placed = await withClient(fleet.control.db, (cc) =>
    placementsOn(cc, fleet.control.control, server),
  );
  const settled = placed.filter((p) => p.state === 'placed');
  const placedSlugs = new Set(placed.map((p) => p.slug));
  const missing = settled.filter((p) => !registered.has(p.slug)).map((p) => p.slug);
  const unplaced = [...registered].filter((slug) => !placedSlugs.has(slug));
  const few = (xs: string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', ...' : '');
  const problems = [
    missing.length ? `${missing.length} placed here but not in its registry: ${few(missing)}` : '',
    unplaced.length
      ? `${unplaced.length} in its registry but not placed here: ${few(unplaced)}`
      : '',
  ].filter(Boolean);
  return {
    check: 'placements',
    ok: problems.length === 0,
    detail: problems.join('; ') || `${settled.length} tenant(s), placements agree`,
  };
}
