// A fan-out worker's own connection, recycled so a backend's catalog caches stay small.
import type pg from 'pg';
import type { Ctx } from '../control/context.js';

/** A worker slot's connection, replaced every `recycleEvery` tenants. */
export class SlotClient {
  private client?: pg.Client;
  private used = 0;
  constructor(
    private readonly ctx: Ctx,
    private readonly recycleEvery: number,
    private readonly statementTimeoutMs?: number,
  ) {}
  async get(): Promise<pg.Client> {
    if (this.client && this.used >= this.recycleEvery) await this.close();
    this.client ??= await this.ctx.db.dedicatedClient({
      statementTimeoutMs: this.statementTimeoutMs,
    });
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
