import { createHash } from 'node:crypto';
import { UsageError } from './errors.js';

/** PostgreSQL truncates identifiers longer than NAMEDATALEN-1 bytes; we refuse them instead. */
export const MAX_IDENT_BYTES = 63;

const SLUG_RE = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;
export const PREFIX_RE = /^[a-z_][a-z0-9_]{0,29}$/;
export const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Shown wherever a slug is refused, so the user knows what would be accepted. */
export const SLUG_RULE =
  'letters, digits, "-" and "_", starting and ending with a letter or digit (case-insensitive: Acme-Corp is stored as acme-corp)';

/** Printable form of hostile input for an error line: no control characters, bounded length. */
export function printable(input: string): string {
  const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 77)}...` : input);
  return shown;
}

export function schemaForSlug(slug: string, prefix: string): string {
  return prefix + slug.replace(/-/g, '_');
}

/** A problem with one slug, or null when it is acceptable. */
export function slugProblem(input: string, prefix: string): string | null {
  const slug = input.toLowerCase();
  if (!SLUG_RE.test(slug)) return `invalid slug ${printable(input)}: use ${SLUG_RULE}`;
  const max = MAX_IDENT_BYTES - prefix.length;
  if (slug.length > max) {
    return `slug ${printable(input)} is ${slug.length} characters; schema "${prefix}..." allows at most ${max}`;
  }
  return null;
}

/** A slug argument, validated (UsageError, exit 2, naming it and the rule) and lower-cased. */
export function normalizeSlug(input: string, prefix: string): string {
  const problem = slugProblem(input, prefix);
  if (problem) throw new UsageError(problem);
  return input.toLowerCase();
}

export interface TenantName {
  slug: string;
  schema: string;
}

/** Validates every slug at once; returns the names or every problem found. */
export function parseSlugs(
  inputs: string[],
  prefix: string,
): { names: TenantName[]; problems: string[] } {
  const problems: string[] = [];
  const names: TenantName[] = [];
  const bySchema = new Map<string, string>();
  for (const input of inputs) {
    const problem = slugProblem(input, prefix);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const slug = input.toLowerCase();
    const schema = schemaForSlug(slug, prefix);
    const seen = bySchema.get(schema);
    if (seen !== undefined) {
      if (seen !== slug)
        problems.push(`slugs "${seen}" and "${slug}" both map to schema ${schema}`);
      continue;
    }
    bySchema.set(schema, slug);
    names.push({ slug, schema });
  }
  return { names, problems };
}

/**
 * Roles are cluster-wide while schemas live in one database, so a role name carries the tag of the
 * control schema that created it: two databases on one cluster can both have a tenant "acme".
 * Over-long names are shortened with a hash so they stay unique and within 63 bytes.
 */
export function tenantRoleName(schema: string, kind: 'rw' | 'ro', tag: string): string {
  const suffix = `_${tag}_${kind}`;
  const full = schema + suffix;
  if (full.length <= MAX_IDENT_BYTES) return full;
  const hash = createHash('sha1').update(schema).digest('hex').slice(0, 8);
  return `${schema.slice(0, MAX_IDENT_BYTES - suffix.length - 9)}_${hash}${suffix}`;
}
