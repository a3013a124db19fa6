import { psqlCopyLine } from './data.js';
import { PRE_DATA, POST_DATA, ACCESS, type Manifest } from './manifest.js';

/**
 * restore.sql: the archive restores itself under plain psql, in one transaction, under the
 * schema named by the psql variable `schema` (the original one when unset). Everything it loads
 * is unqualified and lands in that schema through search_path.
 */
export function restoreScript(
  m: Pick<Manifest, 'slug' | 'schema' | 'createdAt' | 'tables'>,
): string {
  // Schema names come from validated slugs and prefixes; refuse anything psql would need quoted here.
  if (!/^[a-z_][a-z0-9_]*$/.test(m.schema)) throw new Error(`unexpected schema name ${m.schema}`);
  const copies = m.tables.flatMap((t) =>
    t.files.map((f) => psqlCopyLine(t.name, t.columns, f.name)),
  );
  return `-- tenantctl archive of tenant "${m.slug}" (schema ${m.schema}), taken ${m.createdAt}.
-- From the directory this archive was extracted into:
--   psql -v ON_ERROR_STOP=1 -v schema=<target schema> -f restore.sql
-- Without -v schema=... it restores into ${m.schema}. All or nothing: one transaction.
\\set ON_ERROR_STOP on
\\if :{?schema}
\\else
\\set schema ${m.schema}
\\endif
SET client_encoding = 'UTF8';
BEGIN;
CREATE SCHEMA :"schema";
SET LOCAL search_path = :"schema", public;
SET LOCAL check_function_bodies = false;
SET LOCAL datestyle = ISO;
SET LOCAL intervalstyle = postgres;
\\ir ${PRE_DATA}
${copies.join('\n')}
\\ir ${POST_DATA}
\\ir ${ACCESS}
COMMIT;
`;
}

export function readmeText(
  m: Pick<Manifest, 'slug' | 'schema' | 'createdAt' | 'tenantctlVersion' | 'serverVersion'>,
  archiveName: string,
): string {
  return `Tenant "${m.slug}" (schema ${m.schema}), exported ${m.createdAt} by tenantctl ${m.tenantctlVersion}
from PostgreSQL ${m.serverVersion}.

Restore with tenantctl (creates the tenant's roles and registry entry, checks every checksum first):
  tenantctl import ${archiveName}                 # as "${m.slug}"
  tenantctl import ${archiveName} --as <new-slug> # under another slug and schema

Restore with psql alone (schema and objects only; grants only to roles that exist there):
  mkdir restore && tar -xzf ${archiveName} -C restore && cd restore
  psql -v ON_ERROR_STOP=1 -v schema=<target schema> -f restore.sql

Check an archive without a database:
  tenantctl export verify ${archiveName}

Prove it restores (restores it into a scratch schema, rolled back, and compares):
  tenantctl export verify --restore ${archiveName}

Contents: manifest.json (versions, migrations, row counts, sha256 of every file, what the archive
does not carry if it was exported with --allow-incomplete), pre-data.sql (every object the rows
need, in dependency order), data/*.copy (COPY text, one or more files per table), post-data.sql
(sequence values, keys, indexes, foreign keys, triggers, rules, RLS, statistics, materialized view
contents), access.sql (grants, default privileges, policies, publication memberships),
restore.sql. Function bodies are copied as written: one that names the schema ${m.schema} still
uses it when restored under another name.
`;
}
