import { readAcl } from '../../pg/acl.js';
import type { CatalogScope } from './scope.js';

export interface CatAcl {
  kind: 'schema' | 'relation' | 'column' | 'function' | 'type';
  relkind?: string;
  prokind?: string;
  typtype?: string;
  object: string;
  column?: string;
  signature?: string;
  grantee: string | null;
  privilege: string;
  grantable: boolean;
  /** The object's ACL is explicit and PUBLIC has nothing (functions and types default to PUBLIC). */
  publicRevoked?: boolean;
}

export interface CatDefaultAcl {
  objtype: 'r' | 'S' | 'f' | 'T' | 'n';
  grantee: string | null;
  privilege: string;
  grantable: boolean;
}

/**
 * The tenant's grants, through the one ACL reader (pg/acl.ts). Entries the owner holds on its own
 * objects are implied by ownership and not carried; a function or type whose explicit ACL gives
 * PUBLIC nothing is carried as a privilege-less entry with publicRevoked, so the restore revokes
 * PUBLIC's default too.
 */
export async function readAcls(s: CatalogScope): Promise<CatAcl[]> {
  const rows = await readAcl(s.client, [s.schema], {
    kinds: ['schema', 'relation', 'column', 'function', 'type'],
    emptyObjects: true,
    skipExtensionMembers: true,
  });
  const key = (r: (typeof rows)[number]) => `${r.source}:${r.oid}:${r.attnum}`;
  const publicHas = new Set(
    rows.filter((r) => r.privilege !== null && r.grantee === null).map(key),
  );
  const carried = new Set<string>();
  const out: CatAcl[] = [];
  for (const r of rows) {
    if (r.source === 'type') {
      // Standalone composites only: a table's row type is granted with the table.
      if (!['e', 'd', 'c', 'r'].includes(r.subkind!)) continue;
    }
    const routineOrType = r.source === 'function' || r.source === 'type';
    const publicRevoked = routineOrType && r.explicit && !publicHas.has(key(r));
    const base = {
      kind: r.source as CatAcl['kind'],
      ...(r.source === 'relation' || r.source === 'column' ? { relkind: r.subkind! } : {}),
      ...(r.source === 'function' ? { prokind: r.subkind! } : {}),
      ...(r.source === 'type' ? { typtype: r.subkind! } : {}),
      object: r.source === 'column' ? r.relname! : r.name!,
      ...(r.source === 'column' ? { column: r.name! } : {}),
      ...(r.source === 'function' ? { signature: r.args! } : {}),
    };
    if (publicRevoked && !carried.has(key(r))) {
      carried.add(key(r));
      out.push({ ...base, grantee: null, privilege: '', grantable: false, publicRevoked: true });
    }
    if (r.privilege === null) continue;
    out.push({
      ...base,
      grantee: r.grantee,
      privilege: r.privilege,
      grantable: r.grantable!,
      ...(publicRevoked ? { publicRevoked: true } : {}),
    });
  }
  return out;
}

export async function readDefaultAcls(s: CatalogScope): Promise<CatDefaultAcl[]> {
  const rows = await readAcl(s.client, [s.schema], { kinds: ['default'], order: 'grantee' });
  return rows.map((r) => ({
    objtype: r.subkind as CatDefaultAcl['objtype'],
    grantee: r.grantee,
    privilege: r.privilege!,
    grantable: r.grantable!,
  }));
}
