import type { TenantAccess } from './access-ddl.js';
import type { Gap, SchemaMention } from './catalog/model.js';

/**
 * Bumped whenever a reader of version N could misread an archive written by a newer writer.
 * 2: gaps (what an --allow-incomplete export left out), the tenant's description (for
 * `export verify --restore`), routines naming their schema, publications and policy comments.
 * Version 1 archives are still read.
 */
export const FORMAT = 'tenantctl-archive';
export const FORMAT_VERSION = 2;
export const READABLE_VERSIONS = [1, 2];

export interface ArchiveFile {
  bytes: number;
  sha256: string;
}

export interface ArchiveTable {
  name: string;
  columns: string[];
  rows: number;
  /** COPY text files in load order; big tables are split at row boundaries. */
  files: { name: string; rows: number }[];
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  tenantctlVersion: string;
  serverVersion: string;
  serverVersionNum: number;
  createdAt: string;
  slug: string;
  schema: string;
  displayName: string | null;
  /** null: the tenant was adopted without a template. */
  template: string | null;
  status: string;
  roles: { rw: string; ro: string };
  migrations: { id: number; name: string; hash: string }[];
  tables: ArchiveTable[];
  access: TenantAccess;
  warnings: string[];
  /** What the archive does not carry (export --allow-incomplete); empty when complete. */
  gaps?: Gap[];
  /** Facts about every object that a restore reproduces (see schema-ddl.ts describeTenant). */
  description?: string[];
  /** Routines whose bodies name the source schema: a copy under another name points back. */
  schemaMentions?: SchemaMention[];
  /** Every other file in the archive, with its size and sha256. */
  files: Record<string, ArchiveFile>;
}

export const PRE_DATA = 'pre-data.sql';
export const POST_DATA = 'post-data.sql';
export const ACCESS = 'access.sql';
export const RESTORE = 'restore.sql';
export const README = 'README.txt';
export const MANIFEST = 'manifest.json';

export function dataFileName(table: number, part: number): string {
  return `data/${String(table + 1).padStart(4, '0')}.${String(part).padStart(3, '0')}.copy`;
}

const FILE_RE =
  /^(pre-data\.sql|post-data\.sql|access\.sql|restore\.sql|README\.txt|data\/\d{4,}\.\d{3,}\.copy)$/;
const SHA_RE = /^[0-9a-f]{64}$/;

/**
 * Structural check of a parsed manifest. Every problem is reported, so a damaged archive is
 * described in one go; file names are restricted so nothing can point outside the archive.
 */
export function manifestProblems(m: unknown): string[] {
  const p: string[] = [];
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    return ['manifest.json is not a JSON object'];
  const o = m as Record<string, unknown>;
  if (o.format !== FORMAT)
    p.push(`manifest.json is not a ${FORMAT} manifest (format ${JSON.stringify(o.format)})`);
  if (!READABLE_VERSIONS.includes(o.formatVersion as number)) {
    return [
      ...p,
      `archive format version ${JSON.stringify(o.formatVersion)} is not supported: this tenantctl reads versions ${READABLE_VERSIONS.join(' and ')}`,
    ];
  }
  const str = (k: string) => {
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0)
      p.push(`manifest.json: "${k}" must be a non-empty string`);
  };
  ['tenantctlVersion', 'serverVersion', 'createdAt', 'slug', 'schema', 'status'].forEach(str);
  if (o.template !== null && (typeof o.template !== 'string' || o.template.length === 0))
    p.push('manifest.json: "template" must be a non-empty string or null');
  if (typeof o.serverVersionNum !== 'number')
    p.push('manifest.json: "serverVersionNum" must be a number');
  const roles = o.roles as Record<string, unknown> | undefined;
  if (!roles || typeof roles.rw !== 'string' || typeof roles.ro !== 'string')
    p.push('manifest.json: "roles" must name rw and ro');
  if (
    !Array.isArray(o.migrations) ||
    o.migrations.some(
      (x) =>
        typeof x?.id !== 'number' || typeof x?.name !== 'string' || typeof x?.hash !== 'string',
    )
  ) {
    p.push('manifest.json: "migrations" must be a list of {id, name, hash}');
  }
  const files = o.files as Record<string, ArchiveFile> | undefined;
  if (typeof files !== 'object' || files === null) p.push('manifest.json: "files" missing');
  else {
    for (const [name, f] of Object.entries(files)) {
      if (!FILE_RE.test(name))
        p.push(`manifest.json: unexpected file name ${JSON.stringify(name)}`);
      if (typeof f?.bytes !== 'number' || typeof f?.sha256 !== 'string' || !SHA_RE.test(f.sha256))
        p.push(`manifest.json: bad checksum entry for ${name}`);
    }
    for (const required of [PRE_DATA, POST_DATA, ACCESS, RESTORE, README])
      if (!(required in files)) p.push(`manifest.json: ${required} is not listed`);
  }
  if (!Array.isArray(o.tables)) p.push('manifest.json: "tables" must be a list');
  else {
    for (const t of o.tables as ArchiveTable[]) {
      if (
        typeof t?.name !== 'string' ||
        !Array.isArray(t.columns) ||
        typeof t.rows !== 'number' ||
        !Array.isArray(t.files)
      ) {
        p.push(`manifest.json: bad table entry ${JSON.stringify(t?.name ?? t)}`);
        continue;
      }
      for (const f of t.files)
        if (!files || !(f?.name in files))
          p.push(`manifest.json: table ${t.name} names unlisted file ${JSON.stringify(f?.name)}`);
    }
  }
  const access = o.access as Record<string, unknown> | undefined;
  if (
    !access ||
    !Array.isArray(access.acls) ||
    !Array.isArray(access.defaultAcls) ||
    !Array.isArray(access.policies)
  )
    p.push('manifest.json: "access" missing or malformed');
  if (!Array.isArray(o.warnings)) p.push('manifest.json: "warnings" must be a list');
  if (o.formatVersion === 2) {
    if (
      !Array.isArray(o.gaps) ||
      o.gaps.some((g) => typeof g?.object !== 'string' || typeof g?.reason !== 'string')
    )
      p.push('manifest.json: "gaps" must be a list of {object, reason}');
    if (!Array.isArray(o.description) || o.description.some((d) => typeof d !== 'string'))
      p.push('manifest.json: "description" must be a list of strings');
    if (!Array.isArray(o.schemaMentions)) p.push('manifest.json: "schemaMentions" must be a list');
  }
  return p;
}
