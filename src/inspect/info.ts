import type { Ctx } from '../control/context.js';
import { normalizeSlug } from '../shared/names.js';
import { withClient } from '../pg/tx.js';
import {
  requireControlSchema,
  getTenant,
  appliedMigrations,
  schemaExists,
  importGaps,
  type TenantRow,
  type AppliedMigration,
} from '../control/registry.js';
import { schemaRelations, existingRoles, roleMembers, type RelationSize } from '../pg/catalog.js';
import { schemaGrants, type SchemaGrant } from '../pg/acl.js';
import { tenantAuditHistory, type AuditRow } from '../control/audit.js';

export interface TenantInfo {
  tenant: TenantRow;
  schemaExists: boolean;
  roles: { name: string; kind: 'rw' | 'ro'; exists: boolean; members: string[] }[];
  schemaGrants: SchemaGrant[];
  relations: RelationSize[];
  totalBytes: number;
  migrations: AppliedMigration[];
  audit: AuditRow[];
  /** Imported from an archive exported with --allow-incomplete: what it did not carry. */
  missing: { object: string; reason: string }[];
}

export async function tenantInfo(ctx: Ctx, slugInput: string): Promise<TenantInfo> {
  const slug = normalizeSlug(slugInput, ctx.settings.schemaPrefix);
  const c = ctx.control;
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const tenant = await getTenant(client, c, slug);
    const exists = await schemaExists(client, tenant.schema);
    const roleNames = [tenant.rwRole, tenant.roRole];
    const present = await existingRoles(client, roleNames);
    const members = await roleMembers(client, roleNames);
    const relations = exists ? await schemaRelations(client, tenant.schema) : [];
    const audit = await tenantAuditHistory(client, c, slug);
    return {
      tenant,
      schemaExists: exists,
      roles: (['rw', 'ro'] as const).map((kind) => {
        const name = kind === 'rw' ? tenant.rwRole : tenant.roRole;
        return {
          name,
          kind,
          exists: present.has(name),
          members: members.filter((m) => m.role === name).map((m) => m.member),
        };
      }),
      schemaGrants: exists ? await schemaGrants(client, tenant.schema) : [],
      relations,
      totalBytes: relations.reduce((s, r) => s + r.bytes, 0),
      migrations: await appliedMigrations(client, c, tenant.id),
      audit,
      missing: await importGaps(client, c, tenant.id),
    };
  });
}
