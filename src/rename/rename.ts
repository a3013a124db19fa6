// `rename <slug> <new-slug>`: a tenant's schema, group roles, registry row and every setting that
// names the schema, in one transaction under the tenant's lock.
import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError, BusyError } from '../shared/errors.js';
import { normalizeSlug, schemaForSlug, tenantRoleName } from '../shared/names.js';
import { underTenantLock } from '../control/tenant-frame.js';
import { tenantLock } from '../control/locks.js';
import { takeXactLock } from '../pg/advisory-lock.js';
import { findTenant, roleTag, schemaExists } from '../control/registry.js';
import { listGrantRows } from '../control/access-grants.js';
import { writeAudit } from '../control/audit.js';
import { quoteIdent } from '../pg/quote.js';
import { existingRoles } from '../pg/catalog.js';
import { currentRoles } from '../pg/roles.js';
import {
  functionSearchPaths,
  roleSearchPaths,
  renamedSearchPath,
  alterFunctionSearchPathSql,
  alterRoleSearchPathSql,
  functionsNaming,
} from '../pg/search-path.js';
import { readSuspendedPrivileges } from '../suspend/suspension.js';
import { parseSnapshot, renameInSnapshot } from '../suspend/privileges.js';
import { isLockTimeout } from '../pg/sqlstate.js';

export interface RenameOptions {
  slug: string;
  newSlug: string;
  /** Rename even though function bodies name the schema (they then need fixing by hand). */
  force?: boolean;
}

export interface RenameResult {
  from: { slug: string; schema: string; roles: { rw: string; ro: string } };
  to: { slug: string; schema: string; roles: { rw: string; ro: string } };
  status: 'active' | 'suspended';
  /** Functions and procedures whose search_path setting named the schema, now naming the new one. */
  functionSearchPaths: string[];
  /** Roles whose search_path in this database named the schema (access grant --search-path and others). */
  roleSearchPaths: string[];
  /** Functions whose body names the old schema, renamed anyway with --force: they need fixing. */
  functionBodies: string[];
  warnings: string[];
}

/** Both slugs checked offline (exit 2 before connecting). */
export function validateRename(ctx: Ctx, opts: RenameOptions): { slug: string; newSlug: string } {
  const prefix = ctx.settings.schemaPrefix;
  const problems: string[] = [];
  const check = (input: string) => {
    try {
      return normalizeSlug(input, prefix);
    } catch (err) {
      problems.push(...(err as UsageError).problems);
      return '';
    }
  };
  const slug = check(opts.slug);
  const newSlug = check(opts.newSlug);
  if (!problems.length && slug === newSlug)
    problems.push(`"${opts.newSlug}" is the tenant's slug already; nothing to rename`);
  if (problems.length) throw new UsageError(problems);
  return { slug, newSlug };
}

/** A statement that waits on a catalog lock (another session using a role or function): busy. */
async function run(client: pg.ClientBase, sql: string, what: string): Promise<void> {
  try {
    await client.query(sql);
  } catch (err) {
    if (isLockTimeout(err))
      throw new BusyError(`${what} is locked by another session`, {
        cause: err,
        code: 'lock-busy',
      });
    throw err;
  }
}

/**
 * One transaction under the tenant's lock (and the lock of the schema name it will have, so a
 * concurrent create of that name waits): refuse a taken slug or schema and function bodies that
 * name the schema, then ALTER SCHEMA ... RENAME, the group roles renamed to match, search_path
 * settings of functions and of roles in this database rewritten, the registry row (with a
 * suspended tenant's privilege snapshot) updated, and the audit record written. Objects,
 * privileges, memberships, bookkeeping and recorded grants follow by oid or tenant id.
 */
export async function renameTenant(ctx: Ctx, opts: RenameOptions): Promise<RenameResult> {
  const { slug, newSlug } = validateRename(ctx, opts);
  const c = ctx.control;
  const newSchema = schemaForSlug(newSlug, ctx.settings.schemaPrefix);
  const result = await underTenantLock(
    ctx,
    { command: 'rename', slug, details: { to: newSlug } },
    async (client, t, started) => {
      const schemaChanges = newSchema !== t.schema;
      if (schemaChanges)
        await takeXactLock(client, tenantLock(c.schema, newSchema), ctx.settings.lockTimeoutMs);
      const taken: string[] = [];
      if (await findTenant(client, c, newSlug)) taken.push(`tenant "${newSlug}" already exists`);
      if (schemaChanges && (await schemaExists(client, newSchema)))
        taken.push(`schema ${newSchema} already exists`);
      if (taken.length)
        throw new UsageError(`cannot rename ${slug} to ${newSlug}: ${taken.join('; ')}`);

      const bodies = schemaChanges ? await functionsNaming(client, t.schema) : [];
      if (bodies.length && !opts.force) {
        throw new UsageError(
          `cannot rename ${slug}: ${bodies.length} function${bodies.length === 1 ? '' : 's'} name schema ${t.schema} in their body, which a rename does not change (${bodies.slice(0, 5).join(', ')}${bodies.length > 5 ? ', ...' : ''})`,
          {
            hint: 'change those functions to use unqualified names (with SET search_path) first, or pass --force and fix them after',
          },
        );
      }

      const tag = await roleTag(client, c);
      const roles = {
        rw: schemaChanges ? tenantRoleName(newSchema, 'rw', tag) : t.rwRole,
        ro: schemaChanges ? tenantRoleName(newSchema, 'ro', tag) : t.roRole,
      };
      const roleMap = new Map<string, string>();
      const warnings: string[] = [];
      const fnPaths: string[] = [];
      const rolePaths: string[] = [];
      if (schemaChanges) {
        const exists = await existingRoles(client, [t.rwRole, t.roRole, roles.rw, roles.ro]);
        const clash = [roles.rw, roles.ro].filter((r) => exists.has(r));
        if (clash.length)
          throw new FailedError(
            `cannot rename ${slug}: role ${clash.join(' and ')} already exists in the cluster (left over from an earlier tenant?)`,
          );
        await run(
          client,
          `ALTER SCHEMA ${quoteIdent(t.schema)} RENAME TO ${quoteIdent(newSchema)}`,
          `schema ${t.schema}`,
        );
        for (const [from, to] of [
          [t.rwRole, roles.rw],
          [t.roRole, roles.ro],
        ]) {
          if (!exists.has(from)) {
            warnings.push(`role ${from} was missing; the registry now names ${to}`);
            continue;
          }
          await run(
            client,
            `ALTER ROLE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`,
            `role ${from}`,
          );
          roleMap.set(from, to);
        }
        for (const f of await functionSearchPaths(client)) {
          const names = renamedSearchPath(f.value, t.schema, newSchema);
          if (!names) continue;
          await run(client, alterFunctionSearchPathSql(f, names), `function ${f.signature}`);
          fnPaths.push(f.signature);
        }
        const { database } = await currentRoles(client);
        for (const r of await roleSearchPaths(client)) {
          const names = renamedSearchPath(r.value, t.schema, newSchema);
          if (!names) continue;
          if (!r.thisDatabase) {
            // set for every database: it may mean a schema of that name elsewhere
            warnings.push(
              `role ${r.role} has a search_path naming ${t.schema} in every database (ALTER ROLE ... SET); left as it is`,
            );
            continue;
          }
          await run(client, alterRoleSearchPathSql(r.role, database, names), `role ${r.role}`);
          rolePaths.push(r.role);
        }
        const recorded = (await listGrantRows(client, c, t.id)).filter((g) => g.searchPath);
        for (const g of recorded)
          if (!rolePaths.includes(g.role))
            warnings.push(
              `role ${g.role} was given search_path ${t.schema} by access grant, but its setting no longer names it; left as it is`,
            );
      }
      const snapshot =
        t.status === 'suspended' && schemaChanges
          ? renameInSnapshot(
              parseSnapshot(await readSuspendedPrivileges(client, c, t.id), slug),
              { from: t.schema, to: newSchema },
              roleMap,
            )
          : undefined;
      await client.query(
        `UPDATE ${c.tenants} SET slug = $2, schema_name = $3, rw_role = $4, ro_role = $5,
           suspended_privileges = coalesce($6::jsonb, suspended_privileges)
         WHERE id = $1`,
        [t.id, newSlug, newSchema, roles.rw, roles.ro, snapshot ? JSON.stringify(snapshot) : null],
      );
      const result: RenameResult = {
        from: { slug, schema: t.schema, roles: { rw: t.rwRole, ro: t.roRole } },
        to: { slug: newSlug, schema: newSchema, roles },
        status: t.status,
        functionSearchPaths: fnPaths,
        roleSearchPaths: rolePaths,
        functionBodies: bodies,
        warnings,
      };
      if (bodies.length)
        warnings.push(
          `renamed with --force: ${bodies.length} function body(ies) still name ${t.schema}: ${bodies.join(', ')}`,
        );
      await writeAudit(client, c, {
        command: 'rename',
        tenant: newSlug,
        outcome: 'ok',
        durationMs: performance.now() - started,
        details: {
          from: result.from,
          to: result.to,
          functionSearchPaths: fnPaths,
          roleSearchPaths: rolePaths,
          forced: bodies.length ? bodies : undefined,
        },
      });
      return result;
    },
  );
  // after the commit: nothing is said about a rename that did not happen
  for (const w of result.warnings) ctx.reporter.warn(w);
  return result;
}
