import type { Ctx } from '../control/context.js';
import { makeCtx } from '../control/context.js';
import { Database } from '../pg/pool.js';
import { withClient } from '../pg/tx.js';
import { requireControlSchema } from '../control/registry.js';
import { FailedError } from '../shared/errors.js';
import { normalizeSlug } from '../shared/names.js';
import { loadKey, unseal, type SecretKey } from './secrets.js';
import {
  LOCAL,
  connectionUrl,
  getServer,
  listServers,
  serverTarget,
  type ServerRow,
} from './servers.js';
import {
  getPlacement,
  resolveIntents,
  unknownInFleet,
  type PlacementRow,
} from './placement-store.js';

export interface FleetOptions {
  /** Where server passwords (env source) and the secret key come from; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface Located {
  server: ServerRow;
  placement: PlacementRow;
  ctx: Ctx;
}

/** One server's result in a fan-out over servers: its value, or why it failed. */
export type ServerOutcome<R> =
  | { server: string; ok: true; value: R }
  | { server: string; ok: false; error: unknown };

/**
 * The fleet as one object: the control database (the Ctx tenantctl was given: registry of servers,
 * placements, fleet-wide audit) and a Ctx per server, opened on first use and closed with the
 * fleet. Every capability runs unchanged against `ctxFor(server)`, because every server carries a
 * complete control schema; the fleet only decides which server (placement) and reaches it.
 *
 * The control Ctx belongs to the caller (the CLI session closes it); the fleet closes the pools
 * it opened.
 */
export class Fleet {
  readonly control: Ctx;
  readonly env: NodeJS.ProcessEnv;
  private readonly ctxs = new Map<string, Promise<Ctx>>();
  private checked?: Promise<void>;
  private key?: { value: SecretKey | undefined };

  constructor(control: Ctx, opts: FleetOptions = {}) {
    this.control = control;
    this.env = opts.env ?? process.env;
  }

  /** Fails with the usual "run tenantctl init" line when the control schema is missing or old. */
  ready(): Promise<void> {
    this.checked ??= withClient(this.control.db, (client) =>
      requireControlSchema(client, this.control.control),
    ).catch((err) => {
      this.checked = undefined;
      throw err;
    });
    return this.checked;
  }

  /** The control connection without its password: the URL of the server `local`. */
  localUrl(): string {
    return connectionUrl(this.control.db.target);
  }

  /** The current secret key (TENANTCTL_SECRET_KEY or _FILE), read once; undefined when unset. */
  secretKey(): SecretKey | undefined {
    this.key ??= { value: loadKey(this.env) };
    return this.key.value;
  }

  async servers(): Promise<ServerRow[]> {
    await this.ready();
    return withClient(this.control.db, (client) => listServers(client, this.control.control));
  }

  async server(name: string): Promise<ServerRow> {
    await this.ready();
    return withClient(this.control.db, (client) => getServer(client, this.control.control, name));
  }

  /**
   * The Ctx of a server: the control Ctx for `local`, otherwise a pool of its own, opened once
   * (connections are made on demand, up to `poolSize` or the configured concurrency + 1, whichever
   * is larger; the first call decides). A password that cannot be had (unset variable, missing or
   * wrong key) fails here, before any connection.
   */
  ctxFor(name: string, poolSize?: number): Promise<Ctx> {
    if (name === LOCAL) return Promise.resolve(this.control);
    let ctx = this.ctxs.get(name);
    if (!ctx) {
      ctx = this.open(name, poolSize);
      this.ctxs.set(name, ctx);
      ctx.catch(() => this.ctxs.delete(name));
    }
    return ctx;
  }

  private async open(name: string, poolSize?: number): Promise<Ctx> {
    const row = await this.server(name);
    return this.ctxOf(row, poolSize);
  }

  /** A Ctx for a server row (also one not registered yet: `server add` checks before recording). */
  ctxOf(
    row: Pick<ServerRow, 'name' | 'url' | 'passwordSource' | 'passwordEnv' | 'sealed'>,
    poolSize?: number,
  ): Ctx {
    const password = this.passwordOf(row);
    const target = serverTarget(row.name, row.url!, () => password, this.env);
    // The command's stop reaches every server: no further work starts, running statements are
    // cancelled there too.
    const signal = this.control.signal;
    const db = new Database(
      target,
      Math.max(poolSize ?? 0, this.control.settings.concurrency + 1),
      { signal },
    );
    return makeCtx(db, this.control.settings, this.control.reporter, signal);
  }

  /** The server's password from its source; undefined leaves it to the libpq password file. */
  private passwordOf(
    row: Pick<ServerRow, 'name' | 'passwordSource' | 'passwordEnv' | 'sealed'>,
  ): string | undefined {
    if (row.passwordSource === 'env') {
      const value = this.env[row.passwordEnv!];
      if (value === undefined)
        throw new FailedError(
          `server "${row.name}": its password comes from the environment variable ${row.passwordEnv}, which is not set`,
          { code: 'server-password-missing' },
        );
      return value;
    }
    if (row.passwordSource === 'encrypted') return unseal(this.secretKey(), row.name, row.sealed!);
    return undefined;
  }

  /**
   * Where a tenant lives, with a Ctx on its server. A creation intent left by a dead run is
   * resolved first; one held by a live run, or that cannot be resolved (its server down), fails.
   */
  async locate(slugInput: string): Promise<Located> {
    const slug = normalizeSlug(slugInput, this.control.settings.schemaPrefix);
    await this.ready();
    await resolveIntents(this, { slug });
    const placement = await withClient(this.control.db, async (client) => {
      const p = await getPlacement(client, this.control.control, slug);
      if (!p) throw await unknownInFleet(client, this.control.control, slug);
      return p;
    });
    if (placement.state === 'creating')
      throw new FailedError(
        `tenant "${slug}" is still being created on server "${placement.server}" (by run ${placement.runId})`,
      );
    const server = await this.server(placement.server);
    return { server, placement, ctx: await this.ctxFor(server.name) };
  }

  /**
   * `fn` on every server (or the named ones) in parallel, each with its Ctx; never rejects: a
   * server that cannot be reached or fails is an outcome beside the others. The base of every
   * fan-out across the fleet.
   */
  async eachServer<R>(
    fn: (server: ServerRow, ctx: Ctx) => Promise<R>,
    opts: { names?: string[]; servers?: ServerRow[]; poolSize?: number } = {},
  ): Promise<ServerOutcome<R>[]> {
    let servers = opts.servers ?? (await this.servers());
    if (opts.names) {
      const known = new Set(servers.map((s) => s.name));
      const unknown = opts.names.filter((n) => !known.has(n));
      if (unknown.length)
        throw new FailedError(
          `no server ${unknown.map((n) => `"${n}"`).join(', ')} in this fleet`,
          {
            code: 'server-unknown',
          },
        );
      servers = servers.filter((s) => opts.names!.includes(s.name));
    }
    return Promise.all(
      servers.map(async (s): Promise<ServerOutcome<R>> => {
        try {
          return {
            server: s.name,
            ok: true,
            value: await fn(s, await this.ctxFor(s.name, opts.poolSize)),
          };
        } catch (error) {
          return { server: s.name, ok: false, error };
        }
      }),
    );
  }

  /** Closes the pools this fleet opened (not the control connection, which is the caller's). */
  async close(): Promise<void> {
    const ctxs = [...this.ctxs.values()];
    this.ctxs.clear();
    await Promise.all(ctxs.map((p) => p.then((ctx) => ctx.db.end()).catch(() => {})));
  }
}
