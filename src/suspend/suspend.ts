import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError, BusyError } from '../shared/errors.js';
import { normalizeSlug, printable } from '../shared/names.js';
import {
  makeSnapshot,
  parseSnapshot,
  revokePlan,
  restorePlan,
  aclDifferences,
  leftovers,
  entryCount,
} from './privileges.js';
import { underTenantLock } from '../control/tenant-frame.js';
import { withClient } from '../pg/tx.js';
import { existingRoles } from '../pg/catalog.js';
import { schemaAcl, schemaDefaultAcl } from '../pg/acl.js';
import {
  tenantOnlyLoginRoles,
  setLoginSql,
  terminateSessions,
  rolesBeyondReach,
} from '../pg/roles.js';
import { readSuspendedPrivileges, markSuspended, markActive } from './suspension.js';
import { writeAudit } from '../control/audit.js';
import { isLockTimeout, sqlstateOf, SQLSTATE } from '../pg/sqlstate.js';

export const MAX_REASON = 500;

export interface SuspendOptions {
  slug: string;
  reason?: string;
  /** End the sessions of the tenant's own login roles (default true). */
  terminate?: boolean;
}

export interface SuspendResult {
  slug: string;
  schema: string;
  status: 'suspended';
  /** false: it was already suspended and nothing was done. */
  changed: boolean;
  reason: string | null;
  since: Date;
  /** ACL entries taken away (objects and default privileges). */
  revokedEntries: number;
  objects: number;
  loginsDisabled: string[];
  sessionsTerminated: number;
  warnings: string[];
}

export interface ActivateResult {
  slug: string;
  schema: string;
  status: 'active';
  changed: boolean;
  since: Date;
  restoredEntries: number;
  loginsRestored: string[];
  /** Objects created while suspended, given the tenant's default privileges. */
  newObjects: string[];
  /** Objects dropped while suspended. */
  gone: string[];
  /** Roles dropped while suspended, whose entries could not come back. */
  missingRoles: string[];
}

function validateSlug(ctx: Ctx, input: string): string {
  return normalizeSlug(input, ctx.settings.schemaPrefix);
}

function reasonProblem(reason: string | undefined): string | null {
  if (reason === undefined) return null;
  if (reason.trim().length === 0) return '--reason is empty; leave it out or say why';
  if (reason.length > MAX_REASON)
    return `--reason is ${reason.length} characters; at most ${MAX_REASON}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern looks for
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(reason))
    return `--reason ${printable(reason)} contains control characters`;
  return null;
}

/** Statements after the tenant lock may wait on catalog row locks too; a timeout there is "busy" as well. */
async function run(client: pg.ClientBase, sql: string, what: string): Promise<void> {
  try {
    await client.query(sql);
  } catch (err) {
    if (isLockTimeout(err))
      throw new BusyError(`${what} is locked by another session`, {
        cause: err,
        hint: 'wait for it or raise --lock-timeout',
      });
    throw err;
  }
}

/**
 * One transaction under the tenant's lock: record every non-owner privilege, revoke them all,
 * set the tenant's own login roles NOLOGIN, mark it suspended. Sessions are ended only after
 * the commit: killing them first and then rolling back would cut a tenant off that stays active,
 * and between commit and kill they can no longer do anything (privileges are gone).
 */
export async function suspendTenant(ctx: Ctx, opts: SuspendOptions): Promise<SuspendResult> {
  const slug = validateSlug(ctx, opts.slug);
  const problem = reasonProblem(opts.reason);
  if (problem) throw new UsageError(problem);
  const reason = opts.reason?.trim() ?? null;
  const c = ctx.control;
  const result = await underTenantLock(
    ctx,
    { command: 'suspend', slug, details: { reason } },
    async (client, t, started): Promise<SuspendResult> => {
      const base = {
        slug,
        schema: t.schema,
        status: 'suspended' as const,
        sessionsTerminated: 0,
        warnings: [] as string[],
      };
      if (t.status === 'suspended') {
        await writeAudit(client, c, {
          command: 'suspend',
          tenant: slug,
          outcome: 'noop',
          durationMs: performance.now() - started,
          details: { reason },
        });
        return {
          ...base,
          changed: false,
          reason: t.statusReason,
          since: t.statusSince,
          revokedEntries: 0,
          objects: 0,
          loginsDisabled: [],
        };
      }
      // What needs more than the running role has is refused before anything changes.
      const logins = await tenantOnlyLoginRoles(client, [t.rwRole, t.roRole]);
      const beyond = await rolesBeyondReach(client, logins);
      if (beyond.length) {
        throw new FailedError(
          `cannot suspend ${slug}: it disables login of role ${beyond[0].role}, which needs ${beyond[0].needs}; tenant unchanged`,
          { code: 'insufficient-privilege' },
        );
      }
      const objects = await schemaAcl(client, t.schema);
      const defaults = await schemaDefaultAcl(client, t.schema);
      for (const sql of revokePlan(t.schema, objects, defaults))
        await run(client, sql, `tenant schema ${t.schema}`);
      const left = leftovers(
        await schemaAcl(client, t.schema),
        await schemaDefaultAcl(client, t.schema),
      );
      if (left.length) {
        throw new FailedError(
          `could not revoke every privilege on ${t.schema} (${left.length} left, e.g. ${left[0]}); tenant unchanged`,
          { hint: 'run tenantctl as the schema owner or a superuser' },
        );
      }
      for (const role of logins) await run(client, setLoginSql(role, false), `role ${role}`);
      const snapshot = makeSnapshot(t.schema, objects, defaults, logins);
      const since = await markSuspended(client, c, t.id, reason, snapshot);
      const revokedEntries = entryCount(snapshot);
      await writeAudit(client, c, {
        command: 'suspend',
        tenant: slug,
        outcome: 'ok',
        durationMs: performance.now() - started,
        details: { reason, revokedEntries, loginsDisabled: logins },
      });
      return {
        ...base,
        changed: true,
        reason,
        since,
        revokedEntries,
        objects: objects.length,
        loginsDisabled: logins,
      };
    },
  );
  if (result.changed && opts.terminate !== false && result.loginsDisabled.length) {
    try {
      result.sessionsTerminated = await withClient(ctx.db, (client) =>
        terminateSessions(client, result.loginsDisabled),
      );
    } catch (err) {
      result.warnings.push(
        `suspended, but ending the sessions of ${result.loginsDisabled.join(', ')} failed: ${(err as Error).message}${sqlstateOf(err) === SQLSTATE.INSUFFICIENT_PRIVILEGE ? " (ending other roles' sessions needs membership in pg_signal_backend)" : ''}`,
      );
    }
  }
  for (const w of result.warnings) ctx.reporter.warn(w);
  return result;
}

/**
 * Gives back exactly what suspend recorded (same grantees, privileges, grant options and
 * grantors), then checks the catalog agrees before committing; anything missing rolls it all
 * back and the tenant stays suspended.
 */
export async function activateTenant(ctx: Ctx, slugInput: string): Promise<ActivateResult> {
  const slug = validateSlug(ctx, slugInput);
  const c = ctx.control;
  const result = await underTenantLock(
    ctx,
    { command: 'activate', slug },
    async (client, t, started): Promise<ActivateResult> => {
      const base = { slug, schema: t.schema, status: 'active' as const };
      if (t.status === 'active') {
        await writeAudit(client, c, {
          command: 'activate',
          tenant: slug,
          outcome: 'noop',
          durationMs: performance.now() - started,
        });
        return {
          ...base,
          changed: false,
          since: t.statusSince,
          restoredEntries: 0,
          loginsRestored: [],
          newObjects: [],
          gone: [],
          missingRoles: [],
        };
      }
      const snap = parseSnapshot(await readSuspendedPrivileges(client, c, t.id), slug);
      const named = new Set<string>(snap.logins);
      const entries = [...snap.objects, ...snap.defaults].flatMap((o) => o.acl);
      for (const r of entries.flatMap((e) => [e.grantee, e.grantor])) if (r !== null) named.add(r);
      for (const d of snap.defaults) named.add(d.role);
      const roles = await existingRoles(client, [...named]);
      const plan = restorePlan(
        t.schema,
        snap,
        await schemaAcl(client, t.schema, { allColumns: true }),
        roles,
      );
      for (const sql of plan.statements) await run(client, sql, `tenant schema ${t.schema}`);
      for (const role of plan.logins) await run(client, setLoginSql(role, true), `role ${role}`);
      const diffs = aclDifferences(snap, await schemaAcl(client, t.schema), roles);
      if (diffs.length) {
        throw new FailedError(
          `activate ${slug}: ${diffs.length} recorded privileges did not come back (e.g. ${diffs[0]}); tenant left suspended`,
          { hint: 'run tenantctl as the schema owner or a superuser' },
        );
      }
      const since = await markActive(client, c, t.id);
      const restoredEntries = entryCount(snap);
      await writeAudit(client, c, {
        command: 'activate',
        tenant: slug,
        outcome: 'ok',
        durationMs: performance.now() - started,
        details: {
          restoredEntries,
          loginsRestored: plan.logins,
          newObjects: plan.newObjects.length,
          gone: plan.gone,
          missingRoles: plan.missingRoles,
        },
      });
      return {
        ...base,
        changed: true,
        since,
        restoredEntries,
        loginsRestored: plan.logins,
        newObjects: plan.newObjects,
        gone: plan.gone,
        missingRoles: plan.missingRoles,
      };
    },
  );
  if (result.gone.length)
    ctx.reporter.warn(`objects dropped while suspended: ${result.gone.join(', ')}`);
  if (result.missingRoles.length)
    ctx.reporter.warn(
      `roles dropped while suspended (their privileges were not restored): ${result.missingRoles.join(', ')}`,
    );
  return result;
}
