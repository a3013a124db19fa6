import pg from 'pg';
import net from 'node:net';
import { createHash } from 'node:crypto';
import type { ConnectionTarget } from './connection.js';
import { describeConnectError } from './connection.js';
import { UsageError, abortError } from '../shared/errors.js';
import { SQLSTATE, sqlstateOf } from './sqlstate.js';

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** What every connection of ours is called in pg_stat_activity. */
export const APPLICATION_NAME = 'tenantctl';

/**
 * Connections whose session lasts as long as they are open (Database.sessionClient): only there
 * may a statement be prepared by name. Through a transaction pooler the next transaction of the
 * same client may land on another server connection, which either lacks the statement or already
 * has one of that name from another client ("prepared statement ... already exists").
 */
const sessionClients = new WeakSet<object>();

/**
 * A statement for the per-tenant hot path of a fan-out: on a session connection it is named, so
 * it is parsed and planned once per connection instead of once per tenant (the name derives from
 * the text: the same statement always maps to the same name, different texts never collide);
 * anywhere else it is sent unnamed, which is correct through any pooler.
 */
export function prepared(client: Queryable, text: string, values: unknown[]): pg.QueryConfig {
  if (!sessionClients.has(client)) return { text, values };
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tc_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}
const statementNames = new Map<string, string>();

export interface DatabaseOptions {
  /** Where work that needs a session goes when the main target is a pooler (--direct-url). */
  direct?: ConnectionTarget;
  /** When it fires, the statements running at that moment are cancelled on the server. */
  signal?: AbortSignal;
}

/**
 * pg leaves the socket of a connection that failed on the client's side of authentication (no
 * password to give) open, and the server closes it only after authentication_timeout (60 s by
 * default): the process would wait that long before exiting. A failed connect ends its client.
 */
class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error | null, c?: pg.Client) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: pg's two overloads, passed through
  override connect(callback?: (err: Error | null, c?: pg.Client) => void): any {
    if (!callback)
      return super.connect().catch((err) => {
        this.end().catch(() => {});
        throw err;
      });
    super.connect(((err: Error | null) => {
      if (err) this.end().catch(() => {});
      callback(err, this);
    }) as (err: Error) => void);
  }
}

export interface SessionOptions {
  /** application_name of this connection (a run tags its connections so the next run sees it alive). */
  applicationName?: string;
  /** statement_timeout for this session (--statement-timeout); otherwise the user's setting stays. */
  statementTimeoutMs?: number;
}

/** "too many clients" and "starting up": retried this long, with backoff, before giving up. */
const CONNECT_RETRY_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Internals = {
  host?: string;
  port?: number;
  processID?: number | null;
  secretKey?: number | null;
  _getActiveQuery?: () => unknown;
  _queryQueue?: unknown[];
};

/** The backend key pid the server (or a pooler) gave the connection at start-up. */
export function backendKeyPid(client: pg.ClientBase): number | null | undefined {
  return (client as unknown as Internals).processID;
}

/** A statement is running or queued on the client (pg keeps no public flag for it). */
function isBusy(client: pg.ClientBase): boolean {
  const c = client as unknown as Internals;
  if (typeof c._getActiveQuery !== 'function') return true;
  return Boolean(c._getActiveQuery()) || (c._queryQueue?.length ?? 0) > 0;
}

/**
 * The protocol's cancel request (what psql sends on Ctrl-C): a fresh socket carrying the backend
 * key of the connection to cancel. Poolers forward it to whichever server runs the statement.
 */
function sendCancelRequest(client: pg.ClientBase): Promise<void> {
  const c = client as unknown as Internals;
  if (c.processID == null || c.secretKey == null || c.port === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const socket = c.host?.startsWith('/')
      ? net.connect(`${c.host}/.s.PGSQL.${c.port}`)
      : net.connect(c.port!, c.host ?? 'localhost');
    const msg = Buffer.alloc(16);
    msg.writeInt32BE(16, 0);
    msg.writeInt32BE(80877102, 4);
    msg.writeInt32BE(c.processID!, 8);
    msg.writeInt32BE(c.secretKey!, 12);
    socket.setTimeout(5000, () => socket.destroy());
    // As libpq does: send, then wait for the other end to close. Closing first (end()) makes a
    // pooler such as PgBouncer drop the request as "client unexpected eof" before forwarding it.
    socket.on('connect', () => socket.write(msg));
    socket.on('data', () => {});
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

/**
 * A pool bound to its target, so connection failures read as one line naming the server. It
 * knows every connection it opened: none may crash the process with an unhandled 'error' event
 * (a server restart, a terminated backend), and all can be cancelled at once.
 */
export class Database {
  readonly pool: pg.Pool;
  /** Every open connection and the target it went to. */
  private readonly live = new Map<pg.ClientBase, ConnectionTarget>();
  /** Per target: checked and found to keep session state across transactions. */
  private readonly sessionChecked = new Map<ConnectionTarget, Promise<boolean>>();

  constructor(
    readonly target: ConnectionTarget,
    max: number,
    readonly options: DatabaseOptions = {},
  ) {
    // connect_timeout bounds connecting, not waiting for a busy pool's next free client (pg-pool
    // reads one option for both): the pool waits as long as it takes, each client it opens not.
    // An application_name in the URL wins, as it did when pg parsed the URL itself.
    const connectTimeoutMs = target.config.connectionTimeoutMillis;
    this.pool = new pg.Pool({
      application_name: APPLICATION_NAME,
      ...target.config,
      connectionTimeoutMillis: 0,
      max,
      Client: class extends ClosingClient {
        constructor(config?: pg.ClientConfig) {
          // pg-pool keeps the password as a hidden (non-enumerable) option, which a spread drops:
          // a password from .pgpass or a fleet server's own source is a function there.
          super({
            ...config,
            password: config?.password,
            connectionTimeoutMillis: connectTimeoutMs,
          });
        }
      },
    });
    // An idle client dying (server restart) must not crash the process; the next checkout reconnects.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => this.track(client, target));
    this.pool.on('remove', (client) => this.live.delete(client));
    options.signal?.addEventListener('abort', () => void this.cancelRunning(), { once: true });
  }

  /**
   * A checked-out client has no listener of the pool's: without ours, a connection dying between
   * two statements would be an unhandled 'error' event. The statement that runs next fails with
   * the reason instead.
   */
  private track(client: pg.ClientBase, target: ConnectionTarget): void {
    client.on('error', () => {});
    this.live.set(client, target);
    client.once('end', () => this.live.delete(client));
  }

  /** The server said "too many clients" or "starting up": wait and try again, for a while. */
  private async retrying<T>(target: ConnectionTarget, connect: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await connect();
      } catch (err) {
        const code = sqlstateOf(err);
        const retryable =
          code === SQLSTATE.TOO_MANY_CONNECTIONS || code === SQLSTATE.CANNOT_CONNECT_NOW;
        if (this.options.signal?.aborted) throw abortError(this.options.signal);
        if (!retryable || Date.now() - started > CONNECT_RETRY_MS)
          throw describeConnectError(err, target);
        await sleep(Math.min(4000, 200 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  async connect(): Promise<pg.PoolClient> {
    return this.retrying(this.target, () => this.pool.connect());
  }

  /** A client outside the pool, for work that must run beside the pool's clients. */
  async dedicatedClient(
    target: ConnectionTarget = this.target,
    applicationName?: string,
  ): Promise<pg.Client> {
    return this.retrying(target, async () => {
      // A run's own name wins (the next run tells a live run by it); else the URL's, else ours.
      const client = new ClosingClient({
        application_name: APPLICATION_NAME,
        ...target.config,
        ...(applicationName ? { application_name: applicationName } : {}),
      });
      this.track(client, target);
      try {
        await client.connect();
      } catch (err) {
        this.live.delete(client);
        await client.end().catch(() => {});
        throw err;
      }
      return client;
    });
  }

  /**
   * A connection whose session state (a session advisory lock, SET, named statements) lasts until
   * it is closed: to --direct-url when one was given, otherwise to the target once it is known not
   * to be a transaction pooler. `purpose` says what needs the session, for the refusal. Idle
   * timeouts are off for it (it may wait idle through a whole run, as pg_dump's does).
   */
  async sessionClient(purpose: string, opts: SessionOptions = {}): Promise<pg.Client> {
    const target = this.options.direct ?? this.target;
    const client = await this.dedicatedClient(target, opts.applicationName);
    try {
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      // PostgreSQL's backend key is the backend's pid: anything else means something in between.
      const direct = rows[0].pid === backendKeyPid(client);
      if (!direct) {
        let checked = this.sessionChecked.get(target);
        if (!checked) {
          checked = this.keepsSessions(client, rows[0].pid, target);
          this.sessionChecked.set(target, checked);
        }
        if (!(await checked)) throw transactionPoolerError(target, purpose);
      }
      await client.query(
        `SELECT set_config(name, '0', false) FROM pg_settings WHERE name IN ('idle_session_timeout', 'idle_in_transaction_session_timeout')`,
      );
      if (opts.statementTimeoutMs !== undefined)
        await client.query(`SELECT set_config('statement_timeout', $1, false)`, [
          `${Math.round(opts.statementTimeoutMs)}ms`,
        ]);
      sessionClients.add(client);
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  /**
   * Whether a connection through a pooler keeps its server connection between transactions: a
   * second client opens a transaction (pinning a server connection), then the first asks for its
   * backend again. A transaction pooler hands the first client's idle server connection to the
   * second (or the first another one); a session pooler never does either.
   */
  private async keepsSessions(
    client: pg.Client,
    firstPid: number,
    target: ConnectionTarget,
  ): Promise<boolean> {
    const other = await this.dedicatedClient(target);
    try {
      await other.query('BEGIN');
      const { rows: o } = await other.query('SELECT pg_backend_pid() AS pid');
      const { rows: again } = await client.query('SELECT pg_backend_pid() AS pid');
      await other.query('COMMIT');
      return o[0].pid !== firstPid && again[0].pid === firstPid;
    } finally {
      await other.end().catch(() => {});
    }
  }

  /**
   * Cancels, on the server, every statement running on this database's connections right now,
   * and returns once the cancellations are sent; the statements then fail with 57014 and their
   * transactions roll back. A connection straight to PostgreSQL is cancelled with
   * pg_cancel_backend() from a fresh connection; through a pooler, whose backend keys are not
   * pids, with the protocol's cancel request, which the pooler forwards.
   */
  async cancelRunning(): Promise<void> {
    const byTarget = new Map<ConnectionTarget, pg.ClientBase[]>();
    for (const [client, target] of this.live) {
      if (!isBusy(client)) continue;
      const list = byTarget.get(target) ?? [];
      list.push(client);
      byTarget.set(target, list);
    }
    await Promise.all(
      [...byTarget].map(async ([target, clients]) => {
        const rest = await this.cancelByPid(target, clients).catch(() => clients);
        await Promise.all(rest.map(sendCancelRequest));
      }),
    );
  }

  /** pg_cancel_backend() for those clients whose key is their backend pid; returns the others. */
  private async cancelByPid(
    target: ConnectionTarget,
    clients: pg.ClientBase[],
  ): Promise<pg.ClientBase[]> {
    const canceller = new pg.Client({
      ...target.config,
      application_name: `${APPLICATION_NAME} cancel`,
      connectionTimeoutMillis: 5000,
    });
    canceller.on('error', () => {});
    try {
      await canceller.connect();
      const { rows } = await canceller.query('SELECT pg_backend_pid() AS pid');
      if (rows[0].pid !== backendKeyPid(canceller)) return clients;
      const pids = clients.map(backendKeyPid).filter(Boolean);
      await canceller.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      return [];
    } finally {
      await canceller.end().catch(() => {});
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** Refusal to do session work through a transaction pooler: a configuration problem (exit 2). */
export function transactionPoolerError(target: ConnectionTarget, purpose: string): UsageError {
  return new UsageError(
    `${target.label} (from ${target.source}) is a transaction pooler (such as PgBouncer in pool_mode=transaction): ${purpose}, and a session does not survive a transaction there`,
    {
      code: 'transaction-pooler',
      hint: 'give a direct or session-mode URL for this with --direct-url <url> or TENANTCTL_DIRECT_URL (the pooler URL stays in use for everything else)',
    },
  );
}
