import pgm from 'postgres-migrations';
import type { Ctx } from './context.js';
import { FailedError } from '../shared/errors.js';
import { CONTROL_MIGRATIONS } from '../shared/paths.js';
import { withAdvisoryLock } from '../pg/advisory-lock.js';
import { initLock } from './locks.js';
import { prepareControlSchema } from './control.js';
import { writeAudit } from './audit.js';

export interface InitResult {
  controlSchema: string;
  created: boolean;
  applied: string[];
}

/**
 * Creates or upgrades the control schema with postgres-migrations, so its own upgrades follow
 * that library's conventions. Its "does the migrations table exist" check matches any table
 * named `migrations` in any schema (a user's public.migrations fools it), so we create ours in
 * the control schema first and run it with search_path pointing only there.
 */
export async function initControlSchema(ctx: Ctx): Promise<InitResult> {
  const c = ctx.control;
  const started = performance.now();
  // postgres-migrations keeps its own session state (search_path, its advisory lock): a session.
  const client = await ctx.db.sessionClient(
    'init runs the control schema migrations under a session lock with a session search_path',
  );
  try {
    return await withAdvisoryLock(
      client,
      initLock(c.schema),
      ctx.settings.lockTimeoutMs,
      async () => {
        const created = await prepareControlSchema(client, c);
        let applied: { name: string }[];
        try {
          applied = await pgm.migrate({ client }, CONTROL_MIGRATIONS, {
            logger: (m: string) => ctx.reporter.debug(m),
          });
        } catch (err) {
          throw new FailedError(`control schema ${c.schema}: ${(err as Error).message}`, {
            cause: err,
          });
        } finally {
          await client.query('RESET search_path');
        }
        const names = applied.map((m) => m.name).filter((n) => n !== 'create-migrations-table');
        await writeAudit(client, c, {
          command: 'init',
          outcome: names.length ? 'ok' : 'noop',
          durationMs: performance.now() - started,
          details: { created, applied: names },
        });
        return { controlSchema: c.schema, created, applied: names };
      },
    );
  } finally {
    await client.end().catch(() => {});
  }
}
