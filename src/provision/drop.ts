import type { Ctx } from '../control/context.js';
import { FailedError } from '../shared/errors.js';
import { normalizeSlug } from '../shared/names.js';
import { underTenantLock } from '../control/tenant-frame.js';
import { existingRoles, outsideDependents } from '../pg/catalog.js';
import { rolesBeyondReach, takePrivilegesOf } from '../pg/roles.js';
import { dropTenantSql } from './tenant-ddl.js';
import { writeAudit } from '../control/audit.js';
import { SQLSTATE, sqlstateOf } from '../pg/sqlstate.js';
import {
  deleteTenant,
  getTenant,
  requireControlSchema,
  type TenantRow,
} from '../control/registry.js';
import { withClient } from '../pg/tx.js';

export interface DropResult {
  slug: string;
  schema: string;
  rolesDropped: string[];
  /** The verified archive written first with --backup-to. */
  backup?: string;
}

export function validateSlugArg(ctx: Ctx, input: string): string {
  return normalizeSlug(input, ctx.settings.schemaPrefix);
}

/**
 * The tenant a drop would remove, looked up before anyone is asked to confirm: an unknown slug
 * fails (exit 1, with close matches) instead of asking first. dropTenant checks again under the
 * tenant lock.
 */
export async function tenantToDrop(ctx: Ctx, slug: string): Promise<TenantRow> {
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, ctx.control);
    return getTenant(client, ctx.control, slug);
  });
}

/** Schema, the tenant's roles and its registry row go in one transaction, or nothing does. */
export async function dropTenant(
  ctx: Ctx,
  slugInput: string,
  opts: { backupTo?: string } = {},
): Promise<DropResult> {
  const slug = validateSlugArg(ctx, slugInput);
  // Export and verify first: no archive that reads back whole, no drop.
  let backup: string | undefined;
  if (opts.backupTo !== undefined) {
    const { exportTenant } = await import('../archive/export.js');
    const { verifyArchive } = await import('../archive/verify.js');
    backup = (await exportTenant(ctx, slug, { outDir: opts.backupTo, auditCommand: 'drop-backup' }))
      .file;
    await verifyArchive(backup);
  }
  const c = ctx.control;
  return underTenantLock(
    ctx,
    { command: 'drop', slug, requireSchema: false },
    async (client, t, started) => {
      const outside = await outsideDependents(client, t.schema);
      if (outside.length) {
        throw new FailedError(
          `cannot drop ${t.slug}: ${outside.length} object${outside.length === 1 ? '' : 's'} outside ${t.schema} depend on it (${outside.slice(0, 5).join('; ')}${outside.length > 5 ? '; ...' : ''})`,
          {
            hint: 'drop or change those objects first; tenantctl never cascades beyond the tenant',
          },
        );
      }
      const roles = { rw: t.rwRole, ro: t.roRole };
      const present = await existingRoles(client, [roles.rw, roles.ro]);
      // A managed database's admin (CREATEROLE, not superuser): what it cannot do is refused
      // before anything is dropped; DROP OWNED BY needs the role's privileges, which it takes.
      const beyond = await rolesBeyondReach(client, [...present]);
      if (beyond.length) {
        throw new FailedError(
          `cannot drop ${t.slug}: dropping role ${beyond[0].role} needs ${beyond[0].needs}; nothing dropped`,
          { code: 'insufficient-privilege' },
        );
      }
      for (const role of present) await takePrivilegesOf(client, role);
      for (const sql of dropTenantSql(t.schema, roles, {
        rw: present.has(roles.rw),
        ro: present.has(roles.ro),
      })) {
        try {
          await client.query(sql);
        } catch (err) {
          if (sqlstateOf(err) === SQLSTATE.DEPENDENT_OBJECTS_STILL_EXIST) {
            throw new FailedError(`cannot drop ${t.slug}: ${(err as Error).message}`, {
              cause: err,
              hint: 'its roles hold privileges in another database; run DROP OWNED BY there first',
            });
          }
          throw err;
        }
      }
      await deleteTenant(client, c, t.id);
      await writeAudit(client, c, {
        command: 'drop',
        tenant: slug,
        outcome: 'ok',
        durationMs: performance.now() - started,
        details: { schema: t.schema, backup },
      });
      return { slug, schema: t.schema, rolesDropped: [...present], ...(backup ? { backup } : {}) };
    },
  );
}
