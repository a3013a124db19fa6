import type pg from 'pg';
import type { Ctx } from '../control/context.js';
import { UsageError, FailedError } from '../shared/errors.js';
import { slugProblem, normalizeSlug, printable, MAX_IDENT_BYTES } from '../shared/names.js';
import { withClient } from '../pg/tx.js';
import { underTenantLock } from '../control/tenant-frame.js';
import {
  requireControlSchema,
  findTenant,
  getTenant,
  listTenants,
  type TenantRow,
} from '../control/registry.js';
import {
  roleFacts,
  caseFoldedRole,
  serverVersionNum,
  currentRoles,
  grantMembershipSql,
  revokeMembershipSql,
  memberships,
  setSearchPathSql,
  resetSearchPathSql,
  type RoleFacts,
} from '../pg/roles.js';
import {
  listGrantRows,
  upsertGrantRow,
  deleteGrantRow,
  clearOtherSearchPaths,
  isTenantGroupRole,
} from '../control/access-grants.js';
import { writeAudit } from '../control/audit.js';
import { schemaOwner } from '../pg/catalog.js';

export type Mode = 'rw' | 'ro';

export interface GrantOptions {
  role: string;
  slug: string;
  readOnly?: boolean;
  /** Point the role's search_path (in this database) at the tenant. */
  searchPath?: boolean;
}

export interface GrantResult {
  slug: string;
  schema: string;
  role: string;
  mode: Mode;
  searchPath: boolean;
  /** The mode the role had on this tenant before, null when it had none. */
  previousMode: Mode | null;
  /** Other tenants whose search_path claim on this role moved here. */
  searchPathMovedFrom: string[];
  changed: boolean;
}

export interface RevokeResult {
  slug: string;
  schema: string;
  role: string;
  /** Group roles the role was removed from. */
  revoked: string[];
  searchPathReset: boolean;
  changed: boolean;
}

export interface AccessEntry {
  slug: string;
  status: TenantRow['status'];
  role: string;
  mode: Mode;
  searchPath: boolean;
  grantedAt: Date | null;
  /** tenantctl: made with `access grant`; manual: a membership made by hand; missing: recorded, membership gone. */
  source: 'tenantctl' | 'manual' | 'missing';
}

/** A role name as PostgreSQL stores it (case-sensitive, no folding): a problem, or null. */
export function roleProblem(input: string): string | null {
  if (typeof input !== 'string' || input.length === 0) return 'role name is empty';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern looks for
  if (/[\x00-\x1f\x7f]/.test(input)) return `role ${printable(input)} contains control characters`;
  if (Buffer.byteLength(input, 'utf8') > MAX_IDENT_BYTES)
    return `role ${printable(input)} is longer than ${MAX_IDENT_BYTES} bytes`;
  if (input.toLowerCase() === 'public') return 'PUBLIC is every role, not one; name a role';
  if (input.startsWith('pg_'))
    return `role ${printable(input)} is a predefined PostgreSQL role; name an application or user role`;
  return null;
}

function validate(ctx: Ctx, role: string, slug: string): string {
  const problems = [roleProblem(role), slugProblem(slug, ctx.settings.schemaPrefix)].filter(
    (p): p is string => p !== null,
  );
  if (problems.length) throw new UsageError(problems);
  return slug.toLowerCase();
}

/** Unknown tenant and unknown role are reported together, in one error. */
async function lookUp(
  client: pg.ClientBase,
  ctx: Ctx,
  role: string,
  slug: string,
  roleMayBeGone = false,
): Promise<{ tenant: TenantRow; facts: RoleFacts | undefined }> {
  const tenant = await findTenant(client, ctx.control, slug);
  const facts = await roleFacts(client, role);
  const problems: string[] = [];
  if (!tenant) problems.push(`no tenant "${slug}" in this database`);
  if (!facts && !roleMayBeGone) {
    const folded = await caseFoldedRole(client, role);
    problems.push(
      `no role ${printable(role)} in this cluster${folded ? ` (did you mean "${folded}"? role names are case-sensitive here)` : ''}`,
    );
  }
  if (problems.length) {
    throw new FailedError(problems.join('; '), {
      hint: !tenant ? 'see `tenantctl list`' : 'create the role first (CREATE ROLE ... LOGIN)',
    });
  }
  return { tenant: tenant!, facts };
}

/** Roles that must never get a tenant's privileges by membership; exit 2, nothing touched. */
async function refusal(
  client: pg.ClientBase,
  ctx: Ctx,
  tenant: TenantRow,
  facts: RoleFacts,
  serverVersion: number,
): Promise<string | null> {
  const who = await currentRoles(client);
  if (facts.superuser)
    return `role ${facts.name} is a superuser: it reaches every tenant anyway and cannot be cut off by suspend`;
  if (facts.name === who.currentUser || facts.name === who.sessionUser)
    return `role ${facts.name} is the role running tenantctl, which owns the tenants`;
  const groupOf = await isTenantGroupRole(client, ctx.control, facts.name);
  if (groupOf)
    return `role ${facts.name} is a group role of tenant "${groupOf}"; grant to a login or application role instead`;
  if ((await schemaOwner(client, tenant.schema)) === facts.name)
    return `role ${facts.name} owns schema ${tenant.schema}; an owner's privileges cannot be granted or revoked`;
  if (serverVersion < 160000 && !facts.inherit) {
    return `role ${facts.name} is NOINHERIT: on PostgreSQL ${Math.floor(serverVersion / 10000)} it would only get the tenant's privileges after SET ROLE (run ALTER ROLE ... INHERIT first)`;
  }
  return null;
}

export async function grantAccess(ctx: Ctx, opts: GrantOptions): Promise<GrantResult> {
  const slug = validate(ctx, opts.role, opts.slug);
  const c = ctx.control;
  const mode: Mode = opts.readOnly ? 'ro' : 'rw';
  const searchPath = !!opts.searchPath;
  let version = 0;
  const lookup = async (client: pg.ClientBase) => {
    const { tenant, facts } = await lookUp(client, ctx, opts.role, slug);
    version = await serverVersionNum(client);
    const refused = await refusal(client, ctx, tenant, facts!, version);
    if (refused) throw new UsageError(refused);
    return tenant;
  };
  return underTenantLock(
    ctx,
    { command: 'access grant', slug, details: { role: opts.role }, requireSchema: false, lookup },
    async (client, t, started) => {
      const role = opts.role;
      const target = mode === 'rw' ? t.rwRole : t.roRole;
      const held = await memberships(client, [t.rwRole, t.roRole], [role]);
      const before = (await listGrantRows(client, c, t.id)).find((g) => g.role === role);
      const previousMode: Mode | null = held.some((m) => m.group === t.rwRole)
        ? 'rw'
        : held.some((m) => m.group === t.roRole)
          ? 'ro'
          : null;
      let changed = false;
      // Switching mode: the other group's membership goes, whoever granted it.
      for (const m of held.filter((h) => h.group !== target)) {
        await client.query(revokeMembershipSql(m.group, role, m.grantor, version));
        changed = true;
      }
      if (!held.some((h) => h.group === target)) {
        await client.query(grantMembershipSql(target, role, version));
        changed = true;
      }
      const { database } = await currentRoles(client);
      let movedFrom: string[] = [];
      if (searchPath) {
        await client.query(setSearchPathSql(role, database, t.schema));
        movedFrom = await clearOtherSearchPaths(client, c, t.id, role);
        if (!before?.searchPath) changed = true;
      } else if (before?.searchPath) {
        // `access grant` states the whole access: without --search-path the jail it set goes.
        await client.query(resetSearchPathSql(role, database));
        changed = true;
      }
      if (!before || before.readOnly !== (mode === 'ro') || before.searchPath !== searchPath)
        changed = true;
      await upsertGrantRow(client, c, t.id, role, mode === 'ro', searchPath);
      const result: GrantResult = {
        slug,
        schema: t.schema,
        role,
        mode,
        searchPath,
        previousMode,
        searchPathMovedFrom: movedFrom,
        changed,
      };
      await writeAudit(client, c, {
        command: 'access grant',
        tenant: slug,
        outcome: changed ? 'ok' : 'noop',
        durationMs: performance.now() - started,
        details: { role, mode, searchPath, previousMode },
      });
      if (t.status === 'suspended')
        ctx.reporter.warn(
          `tenant "${slug}" is suspended: ${role} gets its access when the tenant is activated`,
        );
      return result;
    },
  );
}

/** Takes away what `access grant` gave, and memberships made by hand too; a role without access is a no-op. */
export async function revokeAccess(
  ctx: Ctx,
  opts: { role: string; slug: string },
): Promise<RevokeResult> {
  const slug = validate(ctx, opts.role, opts.slug);
  const c = ctx.control;
  const role = opts.role;
  let facts: RoleFacts | undefined;
  let version = 0;
  const lookup = async (client: pg.ClientBase) => {
    // A role dropped by hand may still have a row here; revoke cleans that up.
    const found = await lookUp(client, ctx, role, slug, true);
    facts = found.facts;
    const row = (await listGrantRows(client, c, found.tenant.id)).find((g) => g.role === role);
    if (!facts && !row) await lookUp(client, ctx, role, slug);
    version = await serverVersionNum(client);
    return found.tenant;
  };
  return underTenantLock(
    ctx,
    { command: 'access revoke', slug, details: { role }, requireSchema: false, lookup },
    async (client, t, started) => {
      const current = (await listGrantRows(client, c, t.id)).find((g) => g.role === role);
      const held = facts ? await memberships(client, [t.rwRole, t.roRole], [role]) : [];
      for (const m of held)
        await client.query(revokeMembershipSql(m.group, role, m.grantor, version));
      let searchPathReset = false;
      if (facts && current?.searchPath) {
        await client.query(resetSearchPathSql(role, (await currentRoles(client)).database));
        searchPathReset = true;
      }
      if (current) await deleteGrantRow(client, c, t.id, role);
      const changed = held.length > 0 || current !== undefined;
      const result: RevokeResult = {
        slug,
        schema: t.schema,
        role,
        revoked: [...new Set(held.map((m) => m.group))],
        searchPathReset,
        changed,
      };
      await writeAudit(client, c, {
        command: 'access revoke',
        tenant: slug,
        outcome: changed ? 'ok' : 'noop',
        durationMs: performance.now() - started,
        details: { role, revoked: result.revoked, searchPathReset },
      });
      return result;
    },
  );
}

/**
 * Who has what: the recorded grants merged with the actual memberships in the tenants' group
 * roles, so a membership made by hand shows up, and so does a recorded grant that was undone.
 */
export async function listAccess(ctx: Ctx, slugInput?: string): Promise<AccessEntry[]> {
  let slug: string | undefined;
  if (slugInput !== undefined) {
    slug = normalizeSlug(slugInput, ctx.settings.schemaPrefix);
  }
  const c = ctx.control;
  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const tenants = slug ? [await getTenant(client, c, slug)] : await listTenants(client, c);
    const rows = await listGrantRows(client, c, slug ? tenants[0].id : null);
    const groupOf = new Map<string, { tenant: TenantRow; mode: Mode }>();
    for (const t of tenants) {
      groupOf.set(t.rwRole, { tenant: t, mode: 'rw' });
      groupOf.set(t.roRole, { tenant: t, mode: 'ro' });
    }
    const held = await memberships(client, [...groupOf.keys()]);
    const out = new Map<string, AccessEntry>();
    for (const m of held) {
      const g = groupOf.get(m.group)!;
      const key = `${g.tenant.slug}\0${m.member}\0${g.mode}`;
      if (out.has(key)) continue; // one line per membership, however many grantors (16+)
      const row = rows.find((r) => r.slug === g.tenant.slug && r.role === m.member);
      const recorded = row !== undefined && row.readOnly === (g.mode === 'ro');
      out.set(key, {
        slug: g.tenant.slug,
        status: g.tenant.status,
        role: m.member,
        mode: g.mode,
        searchPath: recorded ? row.searchPath : false,
        grantedAt: recorded ? row.grantedAt : null,
        source: recorded ? 'tenantctl' : 'manual',
      });
    }
    const statusOf = new Map(tenants.map((t) => [t.slug, t.status]));
    for (const r of rows) {
      const mode: Mode = r.readOnly ? 'ro' : 'rw';
      const key = `${r.slug}\0${r.role}\0${mode}`;
      if (!out.has(key))
        out.set(key, {
          slug: r.slug,
          status: statusOf.get(r.slug) ?? 'active',
          role: r.role,
          mode,
          searchPath: r.searchPath,
          grantedAt: r.grantedAt,
          source: 'missing',
        });
    }
    return [...out.values()].sort(
      (a, b) =>
        a.slug.localeCompare(b.slug) ||
        a.role.localeCompare(b.role) ||
        a.mode.localeCompare(b.mode),
    );
  });
}
