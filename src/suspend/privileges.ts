import { FailedError } from '../shared/errors.js';
import {
  objectKey,
  revokeObjectSql,
  revokeDefaultSql,
  grantObjectSql,
  grantDefaultSql,
  asRoleSql,
  isDefaultAclObjType,
  DEFAULT_OBJTYPE_OF,
  type AclObject,
  type AclEntry,
  type DefaultAcl,
} from '../pg/acl.js';

/**
 * What suspend took away from a tenant, stored as JSON in tenants.suspended_privileges, and the
 * plans that take it away and give it back. Pure functions: the catalog is read by the caller.
 */
export interface Snapshot {
  version: 1;
  takenAt: string;
  schema: string;
  /** Every object that could carry privileges at suspend time, with its non-owner entries. */
  objects: AclObject[];
  defaults: DefaultAcl[];
  /** Login roles set NOLOGIN by suspend (they could log in before). */
  logins: string[];
}

export function makeSnapshot(
  schema: string,
  objects: AclObject[],
  defaults: DefaultAcl[],
  logins: string[],
): Snapshot {
  // Signatures are recomputed from the catalog when used: a stored one could be stale or forged.
  const stored = objects.map(({ signature: _sig, ...o }) => o);
  return {
    version: 1,
    takenAt: new Date().toISOString(),
    schema,
    objects: stored,
    defaults,
    logins,
  };
}

export function entryCount(s: Pick<Snapshot, 'objects' | 'defaults'>): number {
  return (
    s.objects.reduce((n, o) => n + o.acl.length, 0) +
    s.defaults.reduce((n, d) => n + d.acl.length, 0)
  );
}

const isEntry = (e: unknown): e is AclEntry => {
  const x = e as AclEntry;
  return (
    !!x &&
    (x.grantee === null || typeof x.grantee === 'string') &&
    typeof x.grantor === 'string' &&
    typeof x.privilege === 'string' &&
    typeof x.grantable === 'boolean'
  );
};

/** The stored JSON, checked before any of it goes near SQL. */
export function parseSnapshot(raw: unknown, slug: string): Snapshot {
  const s = raw as Snapshot;
  const bad = (why: string) =>
    new FailedError(
      `tenant "${slug}" is suspended but its recorded privileges are unusable (${why}); nothing was changed`,
      { hint: 'restore the grants by hand, then set the status in the registry' },
    );
  if (!s || typeof s !== 'object') throw bad('no record of what suspend revoked');
  if (s.version !== 1) throw bad(`unknown format version ${JSON.stringify(s.version)}`);
  if (!Array.isArray(s.objects) || !Array.isArray(s.defaults) || !Array.isArray(s.logins))
    throw bad('missing lists');
  for (const o of s.objects) {
    if (
      !['schema', 'table', 'sequence', 'column', 'function'].includes(o?.kind) ||
      !Number.isInteger(o.oid) ||
      !Number.isInteger(o.attnum) ||
      typeof o.owner !== 'string' ||
      !Array.isArray(o.acl) ||
      !o.acl.every(isEntry)
    ) {
      throw bad('malformed object entry');
    }
  }
  for (const d of s.defaults) {
    if (
      typeof d?.role !== 'string' ||
      !isDefaultAclObjType(d.objtype) ||
      !Array.isArray(d.acl) ||
      !d.acl.every(isEntry)
    )
      throw bad('malformed default privileges');
  }
  if (!s.logins.every((l) => typeof l === 'string')) throw bad('malformed login list');
  return s;
}

export function revokePlan(schema: string, objects: AclObject[], defaults: DefaultAcl[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const sql = revokeObjectSql(schema, o);
    if (sql) out.push(sql);
  }
  for (const d of defaults) {
    const sql = revokeDefaultSql(schema, d);
    if (sql) out.push(sql);
  }
  return out;
}

/**
 * How far an entry is from the owner along grant options: 0 = granted by the owner (GRANT as
 * ourselves), n = granted by someone who got it with grant option at n-1, so run in that order.
 */
function depthOf(o: AclObject, e: AclEntry, seen = 0): number {
  if (e.grantor === o.owner || seen > 16) return 0;
  const parent = o.acl.find(
    (p) => p.grantee === e.grantor && p.privilege === e.privilege && p.grantable,
  );
  return 1 + (parent ? depthOf(o, parent, seen + 1) : 0);
}

export interface RestorePlan {
  statements: string[];
  /** Objects recorded at suspend that no longer exist (dropped since): nothing to give back. */
  gone: string[];
  /** Roles recorded as grantees or grantors that no longer exist: their entries are skipped. */
  missingRoles: string[];
  /** Objects created while suspended: they get the tenant's default privileges now. */
  newObjects: string[];
  logins: string[];
}

const label = (o: AclObject) =>
  o.kind === 'column' ? `${o.relname ?? o.oid}.${o.name}` : `${o.kind} ${o.name}`;

export function restorePlan(
  schema: string,
  snap: Snapshot,
  current: AclObject[],
  roles: Set<string>,
): RestorePlan {
  const statements: string[] = [];
  const gone: string[] = [];
  const missing = new Set<string>();
  const usable = (e: AclEntry) => {
    const ok = (e.grantee === null || roles.has(e.grantee)) && roles.has(e.grantor);
    if (!ok)
      for (const r of [e.grantee, e.grantor]) if (r !== null && !roles.has(r)) missing.add(r);
    return ok;
  };
  const now = new Map(current.map((o) => [objectKey(o), o]));
  const byDepth = new Map<number, { grantor: string | null; sql: string[] }[]>();
  for (const o of snap.objects) {
    const cur = now.get(objectKey(o));
    if (!cur || cur.kind !== o.kind) {
      if (o.acl.length) gone.push(label(o));
      continue;
    }
    const groups = new Map<string, { depth: number; grantor: string | null; acl: AclEntry[] }>();
    for (const e of o.acl.filter(usable)) {
      const depth = depthOf(o, e);
      const grantor = depth === 0 ? null : e.grantor;
      const key = `${depth}\0${grantor ?? ''}`;
      if (!groups.has(key)) groups.set(key, { depth, grantor, acl: [] });
      groups.get(key)!.acl.push(e);
    }
    for (const g of groups.values()) {
      if (!byDepth.has(g.depth)) byDepth.set(g.depth, []);
      byDepth.get(g.depth)!.push({ grantor: g.grantor, sql: grantObjectSql(schema, cur, g.acl) });
    }
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    for (const g of byDepth.get(depth)!)
      statements.push(...(g.grantor === null ? g.sql : asRoleSql(g.grantor, g.sql)));
  }
  const present = (role: string): boolean => {
    if (!roles.has(role)) missing.add(role);
    return roles.has(role);
  };
  const defaults = snap.defaults
    .filter((d) => present(d.role))
    .map((d) => ({ ...d, acl: d.acl.filter(usable) }));
  for (const d of defaults) statements.push(...grantDefaultSql(schema, d));

  // Created while suspended (a migration ran): what the default privileges would have given it.
  const recorded = new Set(snap.objects.map(objectKey));
  const newObjects: string[] = [];
  for (const cur of current) {
    const objtype = DEFAULT_OBJTYPE_OF[cur.kind];
    if (!objtype || recorded.has(objectKey(cur))) continue;
    newObjects.push(label(cur));
    const acl = defaults
      .filter((d) => d.role === cur.owner && d.objtype === objtype)
      .flatMap((d) => d.acl);
    if (acl.length) statements.push(...grantObjectSql(schema, cur, acl));
  }
  const logins = snap.logins.filter(present);
  return { statements, gone, missingRoles: [...missing].sort(), newObjects, logins };
}

const entryText = (e: AclEntry) =>
  `${e.grantee ?? 'PUBLIC'}=${e.privilege}${e.grantable ? '*' : ''}/${e.grantor}`;

/**
 * Recorded entries (of roles that still exist) the catalog does not show. Extras are not an error:
 * a migration run while suspended may have granted something new, and that is its business.
 */
export function aclDifferences(snap: Snapshot, current: AclObject[], roles: Set<string>): string[] {
  const now = new Map(current.map((o) => [objectKey(o), o]));
  const diffs: string[] = [];
  for (const o of snap.objects) {
    const cur = now.get(objectKey(o));
    if (!cur) continue;
    const want = new Set(
      o.acl
        .filter((e) => (e.grantee === null || roles.has(e.grantee)) && roles.has(e.grantor))
        .map(entryText),
    );
    const have = new Set(cur.acl.map(entryText));
    for (const w of want) if (!have.has(w)) diffs.push(`${label(o)}: missing ${w}`);
  }
  return diffs;
}

/** Non-owner entries still present after the revoke: must be none. */
export function leftovers(objects: AclObject[], defaults: DefaultAcl[]): string[] {
  return [
    ...objects.flatMap((o) => o.acl.map((e) => `${label(o)}: ${entryText(e)}`)),
    ...defaults.flatMap((d) =>
      d.acl.map((e) => `default privileges for ${d.role} (${d.objtype}): ${entryText(e)}`),
    ),
  ];
}

/**
 * The snapshot of a suspended tenant after `rename`: the schema's new name and the tenant's
 * group roles' new names wherever they appear (grantees, grantors, owners, default-privilege
 * roles, logins). Objects are found by oid, which a rename keeps, so activate restores exactly.
 */
export function renameInSnapshot(
  snap: Snapshot,
  schema: { from: string; to: string },
  roles: Map<string, string>,
): Snapshot {
  const role = (r: string) => roles.get(r) ?? r;
  const entry = (e: AclEntry): AclEntry => ({
    ...e,
    grantee: e.grantee === null ? null : role(e.grantee),
    grantor: role(e.grantor),
  });
  return {
    ...snap,
    schema: snap.schema === schema.from ? schema.to : snap.schema,
    objects: snap.objects.map((o) => ({
      ...o,
      name: o.kind === 'schema' && o.name === schema.from ? schema.to : o.name,
      owner: role(o.owner),
      acl: o.acl.map(entry),
    })),
    defaults: snap.defaults.map((d) => ({ ...d, role: role(d.role), acl: d.acl.map(entry) })),
    logins: snap.logins.map(role),
  };
}
