// A fan-out worker's own connection, recycled so a backend's catalog caches stay small.
import type pg from 'pg';
import type { Ctx } from '../control/context.js';

/**
 * A worker slot's connection, replaced every `recycleEvery` tenants. It is a session of its own
 * (Database.sessionClient): disable-transaction migrations run under the tenant's session lock
 * with a session search_path, and the hot path's statements are prepared by name once per
 * connection.
 */
export class SlotClient {
  private client?: pg.Client;
  private used = 0;
  constructor(
    private readonly ctx: Ctx,
    private readonly recycleEvery: number,
    private readonly session: {
      statementTimeoutMs?: number;
      /** The run's tag (see migrate): the next run sees from it that this one is alive. */
      applicationName?: string;
    } = {},
  ) {}
  async get(): Promise<pg.Client> {
    if (this.client && this.used >= this.recycleEvery) await this.close();
    this.client ??= await this.ctx.db.sessionClient(
      'migrations marked disable-transaction run statement by statement under a session lock',
      this.session,
    );
    this.used++;
    return this.client;
  }
  /** A client that saw an error mid-transaction or mid-statement is not reused. */
  async discard(): Promise<void> {
    await this.close();
  }
  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.used = 0;
    await c?.end().catch(() => {});
  }
}
