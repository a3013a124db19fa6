import type { Queryable } from '../pg/pool.js';
import type { Control } from './control.js';
import { FailedError, UsageError } from '../shared/errors.js';
import { parseSlugs } from '../shared/names.js';
import { unknownSlugs } from './registry.js';

/**
 * The `--tenant <slug...>` selection of every fan-out (migrate, migrate status, verify): undefined
 * means every tenant. Slugs are validated first, every problem at once (UsageError, exit 2); then
 * slugs that name no registered tenant are one FailedError listing them all (exit 1, code
 * tenant-unknown), as for every command that names a tenant that is not there.
 */
export async function selectTenants(
  client: Queryable,
  c: Control,
  inputs: string[] | undefined,
  prefix: string,
): Promise<string[] | undefined> {
  const slugs = parseSelection(inputs, prefix);
  if (!slugs) return undefined;
  const unknown = await unknownSlugs(client, c, slugs);
  if (unknown.length) {
    throw new FailedError(`no tenant ${unknown.map((s) => `"${s}"`).join(', ')} in this database`, {
      code: 'tenant-unknown',
    });
  }
  return slugs;
}

/** The offline half of selectTenants: lower-cased slugs, or undefined for "all". */
export function parseSelection(inputs: string[] | undefined, prefix: string): string[] | undefined {
  if (!inputs || inputs.length === 0) return undefined;
  const { names, problems } = parseSlugs(inputs, prefix);
  if (problems.length) throw new UsageError(problems.map((p) => `--tenant: ${p}`));
  return names.map((n) => n.slug);
}
