import type { Queryable } from '../pg/pool.js';
import type { Control } from './control.js';
import { FailedError, UsageError } from '../shared/errors.js';
import { parseSlugs, printable } from '../shared/names.js';
import { tenantNames, unknownSlugs, unknownTenantError } from './registry.js';

/**
 * Which tenants a fan-out works on (migrate, migrate status, verify, export --all): the same
 * flags and the same rules everywhere.
 *
 * - `include` (--tenant, and the lines of --tenants-from): slugs or globs (`*` any run of
 *   characters, `?` one), case-insensitive; none means every tenant.
 * - `exclude` (--exclude): the same forms, taken away from what was included.
 *
 * A malformed slug or pattern is a usage error (exit 2, every problem at once). A literal slug
 * that names no tenant is exit 1 (tenant-unknown, with close matches), in --exclude too: a typo
 * there would quietly include the tenant it meant to protect. A --tenant pattern that matches no
 * tenant is exit 1 as well (a run that does nothing is a typo more often than not); an --exclude
 * pattern may match none.
 */
export interface TenantSelection {
  include?: string[];
  exclude?: string[];
}

interface Parsed {
  slugs: string[];
  patterns: { text: string; re: RegExp }[];
}

const isPattern = (s: string) => /[*?]/.test(s);

function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[*?]/g, (ch) => (ch === '*' ? '.*' : '.'));
  return new RegExp(`^${body}$`);
}

function parseList(inputs: string[], flag: string, prefix: string, problems: string[]): Parsed {
  const literal = inputs.filter((s) => !isPattern(s));
  const patterns: Parsed['patterns'] = [];
  for (const input of inputs.filter(isPattern)) {
    const text = input.toLowerCase();
    if (!/^[a-z0-9_*?-]+$/.test(text)) {
      problems.push(
        `${flag}: invalid pattern ${printable(input)}: use slug characters (letters, digits, "-", "_") with * and ?`,
      );
      continue;
    }
    patterns.push({ text, re: globRegExp(text) });
  }
  const { names, problems: slugProblems } = parseSlugs(literal, prefix);
  problems.push(...slugProblems.map((p) => `${flag}: ${p}`));
  return { slugs: names.map((n) => n.slug), patterns };
}

/**
 * The offline half of selectTenants: validates every entry (UsageError listing every problem),
 * before anything connects. Undefined when the selection is "every tenant".
 */
export function parseSelection(
  sel: TenantSelection | undefined,
  prefix: string,
): { include: Parsed | undefined; exclude: Parsed | undefined } | undefined {
  const include = sel?.include?.length ? sel.include : undefined;
  const exclude = sel?.exclude?.length ? sel.exclude : undefined;
  if (!include && !exclude) return undefined;
  const problems: string[] = [];
  const parsed = {
    include: include && parseList(include, '--tenant', prefix, problems),
    exclude: exclude && parseList(exclude, '--exclude', prefix, problems),
  };
  if (problems.length) throw new UsageError(problems);
  return parsed;
}

/**
 * The selected slugs, by slug, or undefined for every tenant. Reads the registry's slugs only
 * when a pattern or an --exclude needs them; literal slugs alone cost one indexed lookup.
 */
export async function selectTenants(
  client: Queryable,
  c: Control,
  sel: TenantSelection | undefined,
  prefix: string,
): Promise<string[] | undefined> {
  const parsed = parseSelection(sel, prefix);
  if (!parsed) return undefined;
  const { include, exclude } = parsed;
  const literals = [...(include?.slugs ?? []), ...(exclude?.slugs ?? [])];
  const unknown = literals.length ? await unknownSlugs(client, c, literals) : [];
  if (unknown.length) throw await unknownTenantError(client, c, unknown);
  if (include && !include.patterns.length && !exclude) return include.slugs;

  const all = (await tenantNames(client, c)).map((n) => n.slug);
  let chosen: Set<string>;
  if (include) {
    chosen = new Set(include.slugs);
    const unmatched: string[] = [];
    for (const p of include.patterns) {
      const hits = all.filter((s) => p.re.test(s));
      if (!hits.length) unmatched.push(p.text);
      for (const h of hits) chosen.add(h);
    }
    if (unmatched.length)
      throw new FailedError(
        `no tenant matches ${unmatched.map((p) => `"${p}"`).join(', ')} in this database`,
        { code: 'tenant-unknown' },
      );
  } else {
    chosen = new Set(all);
  }
  if (exclude) {
    for (const s of exclude.slugs) chosen.delete(s);
    for (const p of exclude.patterns) for (const s of chosen) if (p.re.test(s)) chosen.delete(s);
  }
  return [...chosen].sort();
}
