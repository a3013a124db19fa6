import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';
import { FailedError, UsageError } from '../shared/errors.js';
import { parseSlugs } from '../shared/names.js';
import { requireControlSchema, unknownSlugs } from '../control/registry.js';
import {
  tenantVersions,
  appliedSummary,
  tenantsWithPairs,
  type TenantVersion,
} from '../control/migration-state.js';
import {
  appliedProblems,
  appliedMismatches,
  type MigrationFile,
} from '../control/migration-files.js';

export interface TenantPlan extends TenantVersion {
  pending: MigrationFile[];
}

export interface FleetState {
  latest: number;
  tenants: TenantPlan[];
}

/** --tenant slugs: validated offline, then checked against the registry, every problem at once. */
export async function selectSlugs(
  client: Queryable,
  c: Control,
  inputs: string[] | undefined,
  prefix: string,
): Promise<string[] | undefined> {
  if (!inputs || inputs.length === 0) return undefined;
  const { names, problems } = parseSlugs(inputs, prefix);
  if (problems.length) throw new UsageError(problems);
  const slugs = names.map((n) => n.slug);
  const unknown = await unknownSlugs(client, c, slugs);
  if (unknown.length)
    throw new UsageError(
      unknown.map((s) => `--tenant ${s}: no such tenant`),
      { hint: 'see `tenantctl list`' },
    );
  return slugs;
}

/**
 * Refuses (exit 1, before any tenant is touched) when a migration applied anywhere was edited or
 * its file deleted: `migrate`, `create` and `adopt --baseline` would otherwise spread the new text.
 */
export async function assertAppliedUnchanged(
  client: Queryable,
  c: Control,
  files: MigrationFile[],
  action: string,
): Promise<void> {
  const bad = appliedMismatches(await appliedSummary(client, c), files);
  if (!bad.length) return;
  const counts = await tenantsWithPairs(client, c, bad);
  const problems = appliedProblems(
    bad.map((b, i) => ({ ...b, tenants: counts[i] })),
    files,
  );
  throw new FailedError(
    `refusing to ${action}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`,
    {
      hint: 'restore the applied file as it was, and put the change in a new migration',
    },
  );
}

/** Where every tenant stands, from two aggregate queries, once the applied files are known unchanged. */
export async function loadFleetState(
  client: Queryable,
  c: Control,
  files: MigrationFile[],
  slugs?: string[],
): Promise<FleetState> {
  await requireControlSchema(client, c);
  await assertAppliedUnchanged(client, c, files, 'migrate');
  const tenants = (await tenantVersions(client, c, slugs)).map((t) => ({
    ...t,
    pending: pendingFor(t, files),
  }));
  return { latest: files.length ? files[files.length - 1].id : 0, tenants };
}

/** Applied sets are always 1..version (applied in order, or baselined); anything else is repaired by re-reading per tenant. */
function pendingFor(t: TenantVersion, files: MigrationFile[]): MigrationFile[] {
  return files.filter((f) => f.id > t.version || t.appliedCount !== t.version);
}
