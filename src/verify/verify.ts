import type { Ctx } from '../control/context.js';
import { UsageError } from '../shared/errors.js';
import { parseSelection, selectTenants } from '../control/selection.js';
import { loadTemplate, type Template } from '../provision/template.js';
import {
  loadMigrations,
  pendingMigrations,
  type MigrationFile,
} from '../control/migration-files.js';
import { withClient, withDedicatedClient, withTransaction } from '../pg/tx.js';
import {
  listTenants,
  requireControlSchema,
  carriedGrantRows,
  type TenantRow,
} from '../control/registry.js';
import type { Queryable } from '../pg/pool.js';
import { appliedGroups, type AppliedGroup } from '../control/migration-state.js';
import { fingerprintRows, fingerprintDigests, setNeutralSearchPath } from './fingerprint-sql.js';
import { aclSummary, type AclGrant } from '../pg/acl.js';
import { recordedAccessGrants } from '../control/access-grants.js';
import {
  buildFingerprints,
  diffFingerprint,
  changedKeys,
  sameMeaning,
  type Fingerprint,
} from './fingerprint.js';
import { canonicalFingerprint } from './canonical.js';
import { buildReferences, type Reference } from './reference.js';
import { isolationProblems, controlProblems } from './isolation.js';
import { fanOut } from '../control/fanout.js';
import { existingSchemas, roleMembers } from '../pg/catalog.js';
import { push } from '../shared/multimap.js';

export interface VerifyOptions {
  /** Only these tenants (isolation is still judged against the whole fleet). */
  slugs?: string[];
  /** Slugs or globs left out of the drift check. */
  exclude?: string[];
}

export interface VerifiedTenant {
  slug: string;
  schema: string;
  /** null: adopted without --template; there is no reference to compare its structure with. */
  template: string | null;
  status: string;
  version: number;
  ok: boolean;
  problems: string[];
  /** Reported, but not a failure: no reference to compare with, grants carried by an import. */
  notes: string[];
}

export interface VerifyResult {
  ok: boolean;
  /** Tenants checked and how many have problems. */
  checked: number;
  failed: number;
  migrations: { dir: string | null; latest: number };
  control: { schema: string; ok: boolean; problems: string[] };
  tenants: VerifiedTenant[];
}

/** Schemas per catalog query: bounded memory and statement size on fleets of any size. */
const BATCH = 200;
/**
 * pg_get_viewdef() keeps a lock on each view until the transaction ends, and the lock table is
 * shared by the whole server (max_locks_per_transaction x max_connections, 6,400 by default):
 * batches of tenants with many views get smaller so all running batches stay well below it.
 */
const VIEW_LOCK_BUDGET = 2000;

function batchSize(viewsPerTenant: number, concurrency: number): number {
  return Math.max(
    1,
    Math.min(BATCH, Math.floor(VIEW_LOCK_BUDGET / (concurrency * Math.max(1, viewsPerTenant)))),
  );
}

function batches<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Applied migrations (the tenant's own groups) that no longer match the directory, gaps, and what is still to apply. */
function migrationProblems(
  t: TenantRow,
  files: MigrationFile[],
  byId: Map<number, MigrationFile>,
  groups: AppliedGroup[],
): string[] {
  const problems: string[] = [];
  for (const g of groups) {
    const f = byId.get(g.id);
    if (!f)
      problems.push(
        `migration ${g.id} (${g.name}) is recorded as applied but is not in the migrations directory`,
      );
    else if (f.hash !== g.hash)
      problems.push(
        `migration ${f.fileName} was edited after it was applied here (hash ${g.hash.slice(0, 10)} recorded, ${f.hash.slice(0, 10)} on disk)`,
      );
  }
  if (t.applied < t.version)
    problems.push(`migrations recorded with gaps: ${t.applied} applied, highest is ${t.version}`);
  const pending = pendingMigrations(t, files);
  if (pending.length)
    problems.push(
      `${pending.length} migration${pending.length === 1 ? '' : 's'} pending (${pending.map((f) => f.id).join(', ')})`,
    );
  return problems;
}

/** Groups by the slugs of each applied-migration group, so the per-tenant lookup is not quadratic. */
function indexGroups(groups: AppliedGroup[]): Map<string, AppliedGroup[]> {
  const out = new Map<string, AppliedGroup[]>();
  for (const g of groups) for (const slug of g.slugs) push(out, slug, g);
  return out;
}

/** Thrown to end a scratch transaction: nothing it did may be committed. */
class RollBack extends Error {}

/**
 * What differs between each tenant and its reference. Definitions that differ are judged again in
 * PostgreSQL's normal form (canonical.ts): a tenant exported and imported again is spelled the way
 * PostgreSQL prints it back, not the way the template was written, and means the same. Only
 * tenants with such differences pay for it: one round trip of the tenant and one of its reference,
 * each in a transaction that is rolled back. Where that cannot run (a read-only server), the
 * differences are reported as found.
 */
async function structureProblems(
  ctx: Ctx,
  client: Queryable,
  files: MigrationFile[],
  references: Map<string, Map<number, Reference>>,
  differ: { t: TenantRow; fp: Fingerprint }[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const needCanon = differ.filter(
    ({ t, fp }) => changedKeys(references.get(t.template!)!.get(t.version)!.fingerprint, fp).length,
  );
  const canonRefs = new Map<string, Map<number, Reference>>();
  const byTemplate = new Map<string, Set<number>>();
  for (const { t } of needCanon)
    byTemplate.set(t.template!, new Set([...(byTemplate.get(t.template!) ?? []), t.version]));
  for (const [spec, versions] of byTemplate) {
    try {
      canonRefs.set(
        spec,
        await buildReferences(client, loadTemplate(spec), files, versions, { canonical: true }),
      );
    } catch (err) {
      ctx.reporter.debug(`no canonical reference for ${spec}: ${(err as Error).message}`);
    }
  }
  const canonNeeded = new Set(needCanon.map(({ t }) => t.slug));
  for (const { t, fp } of differ) {
    const ref = references.get(t.template!)!.get(t.version)!;
    let same = new Set<string>();
    if (canonNeeded.has(t.slug)) {
      const keys = changedKeys(ref.fingerprint, fp);
      const canonRef = canonRefs.get(t.template!)?.get(t.version)?.canonical;
      let canonTenant: Fingerprint | undefined;
      try {
        await withDedicatedClient(ctx.db, (conn) =>
          withTransaction(conn, async () => {
            canonTenant = await canonicalFingerprint(conn, t.schema, [t.rwRole, t.roRole]);
            throw new RollBack();
          }),
        );
      } catch (err) {
        if (!(err instanceof RollBack))
          ctx.reporter.debug(`no canonical form of ${t.schema}: ${(err as Error).message}`);
      }
      same = sameMeaning(keys, canonRef, canonTenant);
    }
    out.set(t.slug, diffFingerprint(ref.fingerprint, fp, same));
  }
  return out;
}

/**
 * Drift: every tenant against the reference of its template at its migration version. Isolation:
 * PUBLIC, cross-tenant roles, suspended tenants, the control schema. Problems are data; the caller
 * decides the exit code from `ok`.
 */
export async function verifyFleet(ctx: Ctx, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const selection = { include: opts.slugs, exclude: opts.exclude };
  parseSelection(selection, ctx.settings.schemaPrefix);
  const files = await loadMigrations(ctx.settings.migrationsDir);
  const c = ctx.control;

  return withClient(ctx.db, async (client) => {
    await requireControlSchema(client, c);
    const slugs = await selectTenants(client, c, selection, ctx.settings.schemaPrefix);
    const all = await listTenants(client, c);
    const wanted = new Set(slugs);
    const selected = slugs ? all.filter((t) => wanted.has(t.slug)) : all;
    if (ctx.settings.migrationsDir === undefined && selected.some((t) => t.version > 0)) {
      throw new UsageError(
        'verify needs the migrations directory: tenants have migrations applied, and the reference is the template plus those migrations',
        { code: 'no-migrations-dir' },
      );
    }
    const problems = new Map<string, string[]>(selected.map((t) => [t.slug, []]));
    const add = (slug: string, list: string[]) => problems.get(slug)?.push(...list);

    const groups = indexGroups(await appliedGroups(client, c));
    const byId = new Map(files.map((f) => [f.id, f]));
    for (const t of selected)
      add(t.slug, migrationProblems(t, files, byId, groups.get(t.slug) ?? []));

    // One reference per template and version present in the selection.
    const references = new Map<string, Map<number, Reference>>();
    const byTemplate = new Map<string, TenantRow[]>();
    const notes = new Map<string, string[]>(selected.map((t) => [t.slug, []]));
    for (const t of selected) {
      if (t.template === null)
        notes
          .get(t.slug)!
          .push(
            'no reference: adopted without --template, so its structure is not compared with one (isolation is still checked)',
          );
      else push(byTemplate, t.template, t);
    }
    for (const [spec, tenants] of byTemplate) {
      let template: Template;
      try {
        template = loadTemplate(spec);
      } catch (err) {
        for (const t of tenants)
          add(t.slug, [`cannot load its template ${spec}: ${(err as Error).message}`]);
        continue;
      }
      try {
        references.set(
          spec,
          await buildReferences(client, template, files, new Set(tenants.map((t) => t.version))),
        );
      } catch (err) {
        for (const t of tenants)
          add(t.slug, [
            `cannot build the reference of template ${spec}: ${(err as Error).message}`,
          ]);
      }
    }

    // Structure and ACLs, a batch of schemas per query, batches on their own connections side by
    // side. Deparsing makes a backend cache every table it touches; a connection per batch keeps
    // that memory from growing with the fleet. ACLs are read for every tenant (a role is only
    // "on two tenants" if we look at all of them), structure only for the selection.
    let views = 0;
    for (const byVersion of references.values()) {
      for (const ref of byVersion.values())
        views = Math.max(
          views,
          [...ref.fingerprint.values()].filter((e) => e.kind.endsWith('view')).length,
        );
    }
    const outcomes = await fanOut(
      batches(all, batchSize(views, ctx.settings.concurrency)),
      {
        concurrency: ctx.settings.concurrency,
        maxFailures: 1,
        label: 'verifying',
        reporter: ctx.reporter,
        signal: ctx.signal,
      },
      async (batch) => {
        const check = batch.filter((t) => problems.has(t.slug));
        return withDedicatedClient(ctx.db, (conn) =>
          withTransaction(
            conn,
            async () => {
              await setNeutralSearchPath(conn);
              const grants = await aclSummary(
                conn,
                batch.map((t) => t.schema),
              );
              const differ: { t: TenantRow; fp: Fingerprint }[] = [];
              if (check.length === 0) return { grants, found: [] as [string, string[]][], differ };
              const existing = await existingSchemas(
                conn,
                check.map((t) => t.schema),
              );
              const digests = await fingerprintDigests(
                conn,
                check.map((t) => ({ schema: t.schema, roles: [t.rwRole, t.roRole] })),
              );
              const found: [string, string[]][] = [];
              const differing = check.filter((t) => {
                if (!existing.has(t.schema)) {
                  found.push([t.slug, [`schema ${t.schema} does not exist`]]);
                  return false;
                }
                if (t.template === null) return false;
                const ref = references.get(t.template)?.get(t.version);
                return ref !== undefined && ref.digest !== (digests.get(t.schema) ?? '');
              });
              if (differing.length) {
                ctx.reporter.debug(
                  `${differing.length} of ${check.length} schemas differ from their reference digest; reading them in full`,
                );
                const rows = await fingerprintRows(
                  conn,
                  differing.map((t) => t.schema),
                );
                const roles = new Map(differing.map((t) => [t.schema, [t.rwRole, t.roRole]]));
                const fps = buildFingerprints(rows, (sch) => roles.get(sch) ?? []);
                for (const t of differing) differ.push({ t, fp: fps.get(t.schema) ?? new Map() });
              }
              return { grants, found, differ };
            },
            { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', noTimeouts: true },
          ),
        );
      },
    );
    const grants: AclGrant[] = [];
    if (outcomes.stopped) throw outcomes.stopped;
    const differ: { t: TenantRow; fp: Fingerprint }[] = [];
    for (const o of outcomes) {
      if (o.status === 'failed') throw o.error;
      if (o.status !== 'ok') continue;
      grants.push(...o.value.grants);
      for (const [slug, list] of o.value.found) add(slug, list);
      differ.push(...o.value.differ);
    }
    for (const [slug, list] of await structureProblems(ctx, client, files, references, differ))
      add(slug, list);
    const members = await roleMembers(
      client,
      all.flatMap((t) => [t.rwRole, t.roRole]),
    );
    const recorded = await recordedAccessGrants(client, c);
    const carried = await carriedGrantRows(client, c);
    const isolation = isolationProblems({ tenants: all, grants, members, recorded, carried });
    for (const [slug, list] of isolation.problems) add(slug, list);
    for (const [slug, list] of isolation.notes) notes.get(slug)?.push(...list);
    const control = controlProblems(await aclSummary(client, [c.schema]));

    const tenants = selected.map((t): VerifiedTenant => {
      const list = problems.get(t.slug)!;
      return {
        slug: t.slug,
        schema: t.schema,
        template: t.template,
        status: t.status,
        version: t.version,
        ok: list.length === 0,
        problems: list,
        notes: notes.get(t.slug) ?? [],
      };
    });
    const failed = tenants.filter((t) => !t.ok).length;
    return {
      ok: failed === 0 && control.length === 0,
      checked: tenants.length,
      failed,
      migrations: {
        dir: ctx.settings.migrationsDir ?? null,
        latest: files.length ? files[files.length - 1].id : 0,
      },
      control: { schema: c.schema, ok: control.length === 0, problems: control },
      tenants,
    };
  });
}
