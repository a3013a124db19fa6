import type pg from 'pg';
import type { Reporter } from '../shared/reporter.js';
import { connectionBudget } from '../pg/budget.js';

/**
 * The concurrency a fan-out can have: `wanted`, lowered (and said so) to the connections the
 * server has free for this role and database beyond `reserve` more that the run opens besides its
 * workers. Never below 1: a run that cannot get even that waits on "too many clients" with
 * backoff when it connects.
 */
export async function fitConcurrency(
  client: pg.ClientBase,
  reporter: Reporter,
  wanted: number,
  reserve = 0,
): Promise<number> {
  const budget = await connectionBudget(client);
  if (!budget) return wanted;
  const fits = Math.max(1, budget.available - reserve);
  if (fits >= wanted) return wanted;
  reporter.warn(
    `lowering concurrency from ${wanted} to ${fits}: ${budget.limitedBy} (lower --concurrency to silence this)`,
  );
  return fits;
}
