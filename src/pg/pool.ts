import pg from 'pg';
import { createHash } from 'node:crypto';
import type { ConnectionTarget } from './connection.js';
import { describeConnectError } from './connection.js';

export type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * A named (prepared) statement for the per-tenant hot path of a fan-out: parsed and planned once
 * per connection instead of once per tenant. The name is derived from the text, so the same
 * statement always maps to the same name and different texts never collide.
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tc_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}
const statementNames = new Map<string, string>();

/**
 * pg.Pool drops a client whose connection failed without closing it. When the failure was on the
 * client's side (a password function that threw, SCRAM without a password), the socket stays
 * open until the server's authentication_timeout (60 s) and holds the process; this closes it.
 */
class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error) => void): void;
  override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
    if (!callback) return super.connect();
    super.connect((err: Error) => {
      if (err) this.end().catch(() => {});
      callback(err);
    });
  }
}

export interface DedicatedClientOptions {
  statementTimeoutMs?: number;
  noJit?: boolean;
}

/** A pool bound to its target, so connection failures read as one line naming the server. */
export class Database {
  readonly pool: pg.Pool;
  constructor(
    readonly target: ConnectionTarget,
    max: number,
  ) {
    this.pool = new pg.Pool({
      ...target.config,
      max,
      application_name: 'tenantctl',
      Client: ClosingClient as unknown as new () => pg.ClientBase,
    });
    // An idle client dying (server restart) must not crash the process; the next checkout reconnects.
    this.pool.on('error', () => {});
  }

  async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw describeConnectError(err, this.target);
    }
  }

  /**
   * A client outside the pool, for work that must outlive or recycle its connection. A statement
   * timeout given here is a connection default, so `RESET statement_timeout` returns to it.
   * `noJit` turns JIT off for the connection at start-up (no round trip), for one big catalog
   * pass whose compile time, paid again in every parallel worker, buys nothing. PGOPTIONS is kept;
   * `options` inside a connection URL take precedence (pg parses the URL last), leaving JIT as
   * the server has it.
   */
  async dedicatedClient(opts: DedicatedClientOptions = {}): Promise<pg.Client> {
    const client = new pg.Client({
      ...this.target.config,
      application_name: 'tenantctl',
      statement_timeout: opts.statementTimeoutMs,
      ...(opts.noJit
        ? { options: [process.env.PGOPTIONS, '-c jit=off'].filter(Boolean).join(' ') }
        : {}),
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw describeConnectError(err, this.target);
    }
    return client;
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
