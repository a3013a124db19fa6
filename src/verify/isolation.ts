import type { AclGrant } from '../pg/acl.js';
import { push } from '../shared/multimap.js';

export interface IsolationTenant {
  slug: string;
  schema: string;
  status: string;
  rwRole: string;
  roRole: string;
}

export interface IsolationInput {
  tenants: IsolationTenant[];
  /** Non-owner ACL entries on every tenant schema and its objects. */
  grants: AclGrant[];
  /** Direct members of the tenants' group roles. */
  members: { role: string; member: string }[];
  /** What `access grant` recorded. */
  recorded: { slug: string; role: string }[];
  /** Grants an import restored from the archive of tenant `from` (the copy holds what its source held). */
  carried?: { slug: string; role: string; from: string }[];
}

export interface IsolationResult {
  problems: Map<string, string[]>;
  /** Reported, not failures: grants a tenant holds because the archive it came from held them. */
  notes: Map<string, string[]>;
}

/**
 * PostgreSQL grants EXECUTE on functions and USAGE on types to PUBLIC by default and tenantctl
 * leaves those (see README); any other PUBLIC privilege opens a tenant to every role.
 */
export function publicAllowed(g: Pick<AclGrant, 'kind' | 'privilege'>): boolean {
  return (
    (g.privilege === 'EXECUTE' &&
      (g.kind === 'function' || g.kind === 'default privileges on functions')) ||
    (g.privilege === 'USAGE' && (g.kind === 'type' || g.kind === 'default privileges on types'))
  );
}

const PLURAL: Record<string, string> = {
  schema: 'schemas',
  'materialized view': 'materialized views',
  function: 'functions',
  type: 'types',
  column: 'columns',
  table: 'tables',
  view: 'views',
  sequence: 'sequences',
  'foreign table': 'foreign tables',
};

/** "SELECT, INSERT on 40 tables (accounts, teams, ...)" for grants of one grantee in one schema. */
export function describeGrants(grants: AclGrant[]): string {
  const byObjects = new Map<string, { privileges: string[]; g: AclGrant }>();
  for (const g of grants) {
    const key = `${g.kind}\u0000${g.objects}\u0000${g.sample.join(',')}`;
    const entry = byObjects.get(key) ?? { privileges: [], g };
    entry.privileges.push(g.privilege);
    byObjects.set(key, entry);
  }
  return [...byObjects.values()]
    .map(({ privileges, g }) => {
      const privs = privileges.join(', ');
      if (g.kind.startsWith('default privileges'))
        return `${privs} by default on new ${g.kind.replace('default privileges on ', '')}`;
      if (g.kind === 'schema') return `${privs} on the schema`;
      if (g.objects === 1) return `${privs} on ${g.kind} ${g.sample[0]}`;
      const more = g.objects > g.sample.length ? ', ...' : '';
      return `${privs} on ${g.objects} ${PLURAL[g.kind] ?? g.kind} (${g.sample.join(', ')}${more})`;
    })
    .join('; ');
}

/**
 * Isolation problems per tenant slug: privileges for PUBLIC; a role reaching two or more tenants
 * where tenantctl did not grant it (a tenant's own group roles count as reaching their tenant);
 * a suspended tenant whose objects still grant anything.
 */
export function isolationProblems(input: IsolationInput): IsolationResult {
  const problems = new Map<string, string[]>();
  const notes = new Map<string, string[]>();
  const carriedFrom = new Map(
    (input.carried ?? []).map((c) => [`${c.slug}\u0000${c.role}`, c.from]),
  );
  const bySchema = new Map(input.tenants.map((t) => [t.schema, t]));
  const home = new Map<string, string>();
  for (const t of input.tenants) {
    home.set(t.rwRole, t.slug);
    home.set(t.roRole, t.slug);
  }
  const bySlug = new Map(input.tenants.map((t) => [t.slug, t]));
  const recorded = new Set(input.recorded.map((r) => `${r.slug}\u0000${r.role}`));
  const allowed = (role: string, slug: string) =>
    home.get(role) === slug || recorded.has(`${slug}\u0000${role}`);

  // role -> slug -> what it holds there
  const reach = new Map<string, Map<string, AclGrant[]>>();
  const membership = new Map<string, Map<string, string[]>>();
  const suspendedGrants = new Map<string, Map<string, AclGrant[]>>();
  for (const g of input.grants) {
    const t = bySchema.get(g.schema);
    if (!t) continue;
    if (g.grantee === 'PUBLIC') {
      if (!publicAllowed(g)) push(problems, t.slug, `PUBLIC has ${describeGrants([g])}`);
      continue;
    }
    if (!reach.has(g.grantee)) reach.set(g.grantee, new Map());
    push(reach.get(g.grantee)!, t.slug, g);
    if (t.status === 'suspended') {
      if (!suspendedGrants.has(t.slug)) suspendedGrants.set(t.slug, new Map());
      push(suspendedGrants.get(t.slug)!, g.grantee, g);
    }
  }
  for (const m of input.members) {
    const slug = home.get(m.role);
    if (slug === undefined) continue;
    if (!membership.has(m.member)) membership.set(m.member, new Map());
    push(membership.get(m.member)!, slug, m.role);
  }

  for (const role of new Set([...reach.keys(), ...membership.keys()])) {
    const reached = [...(reach.get(role)?.keys() ?? []), ...(membership.get(role)?.keys() ?? [])];
    // A copy's grants that came with its archive are what they are: the source's, carried.
    const where = new Set<string>();
    for (const slug of reached) {
      const from = carriedFrom.get(`${slug}\u0000${role}`);
      if (from === undefined || membership.get(role)?.has(slug)) {
        where.add(slug);
        continue;
      }
      const holds = reach.get(role)?.get(slug);
      if (holds && !notes.get(slug)?.some((n) => n.startsWith(`role ${role} `)))
        push(
          notes,
          slug,
          `role ${role} holds ${describeGrants(holds)} here because the archive of tenant ${from} it was imported from did (not granted by tenantctl)`,
        );
    }
    const own = home.get(role);
    const all = new Set(where);
    if (own !== undefined) all.add(own);
    if (all.size < 2) continue;
    for (const slug of [...where].sort()) {
      if (allowed(role, slug)) continue;
      const others = [...all].filter((s) => s !== slug).sort();
      const shown =
        others.slice(0, 5).join(', ') +
        (others.length > 5 ? `, ... (${others.length} in all)` : '');
      const holds = [
        ...(membership.get(role)?.get(slug) ?? []).map((r) => `membership in ${r}`),
        ...(reach.get(role)?.get(slug) ? [describeGrants(reach.get(role)!.get(slug)!)] : []),
      ].join('; ');
      const owner = own !== undefined && own !== slug ? ` (a group role of tenant ${own})` : '';
      push(
        problems,
        slug,
        `role ${role}${owner} also reaches ${shown}, and tenantctl did not grant it here: ${holds}`,
      );
    }
  }

  for (const [slug, byRole] of suspendedGrants) {
    if (bySlug.get(slug)?.status !== 'suspended') continue;
    for (const [role, gs] of [...byRole].sort((a, b) => a[0].localeCompare(b[0]))) {
      push(problems, slug, `suspended, but role ${role} still holds ${describeGrants(gs)}`);
    }
  }
  return { problems, notes };
}

/** Nothing but the owner may hold privileges on the control schema or anything in it. */
export function controlProblems(grants: AclGrant[]): string[] {
  const byRole = new Map<string, AclGrant[]>();
  for (const g of grants)
    if (!(g.grantee === 'PUBLIC' && publicAllowed(g))) push(byRole, g.grantee, g);
  return [...byRole].map(([role, gs]) => `${role} has ${describeGrants(gs)}`);
}
