import { MAX_IDENT_BYTES } from '../shared/names.js';

/**
 * The one way a schema, role, table or any other name reaches SQL text. Values never do: they
 * travel as $n parameters. Refuses what PostgreSQL would silently truncate or cannot store.
 */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('empty identifier');
  if (name.includes('\0')) throw new TypeError('identifier contains a NUL byte');
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENT_BYTES) {
    throw new TypeError(`identifier longer than ${MAX_IDENT_BYTES} bytes: ${name.slice(0, 20)}...`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** search_path for tenant SQL: unqualified names resolve to the tenant first, then public (extensions, shared types). */
export function tenantSearchPath(schema: string): string {
  return `${quoteIdent(schema)}, public`;
}

/** Schema-qualified name, both parts quoted. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * For the few utility statements that take no bind parameters (SET, COMMENT, ALTER ROLE ... SET).
 * Everywhere else values are $n parameters.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TypeError('literal contains a NUL byte');
  // Same rule as libpq's PQescapeLiteral: E'' form when a backslash is present.
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}
