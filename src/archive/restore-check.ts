import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../control/context.js';
import { withClient } from '../pg/tx.js';
import { quoteIdent } from '../pg/quote.js';
import { verifyArchive, type VerifyResult } from './verify.js';
import { restoreArchive } from './import.js';
import { namespaceOid, readTenantCatalog } from './catalog.js';
import { describeTenant } from './schema-ddl.js';
import type { Manifest } from './manifest.js';

export interface RestoreCheck extends Omit<VerifyResult, 'ok'> {
  ok: boolean;
  /** The scratch schema the archive was restored into (gone again). */
  restoredInto: string;
  /** Why the restore failed, or what it did not reproduce. */
  problems: string[];
  /** What was restored but not compared (an archive of format 1 has no description). */
  notes: string[];
  restoreMs: number;
}

/** Lines of `want` missing from `got` and lines of `got` not in `want`, as problems. */
function describeDifferences(want: string[], got: string[]): string[] {
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const w = count(want);
  const g = count(got);
  const out: string[] = [];
  for (const [line, n] of w) if ((g.get(line) ?? 0) < n) out.push(`not restored: ${line}`);
  for (const [line, n] of g) if ((w.get(line) ?? 0) < n) out.push(`restored differently: ${line}`);
  return out;
}

/**
 * Proves an archive restores: every check `export verify` makes, then the archive restored with
 * import's own code into a scratch schema, inside a transaction that is always rolled back, and
 * the result described the way export described the tenant (its objects and their properties, the
 * rows of every table) and compared with the manifest. It costs about what an import of the
 * archive costs, and leaves nothing behind.
 */
export async function verifyRestore(ctx: Ctx, fileInput: string): Promise<RestoreCheck> {
  const file = path.resolve(fileInput);
  const { result, manifest } = await verifyArchive(file);
  const scratch = `tenantctl_restore_${randomBytes(6).toString('hex')}`;
  const started = performance.now();
  const problems: string[] = [];
  const notes: string[] = [];
  await withClient(ctx.db, async (client) => {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('statement_timeout', '0', true)`);
      try {
        const restored = await restoreArchive(client, file, manifest, scratch, (r) => r);
        notes.push(...restored.warnings);
      } catch (err) {
        problems.push(`the archive does not restore: ${(err as Error).message}`);
        return;
      }
      problems.push(...(await rowProblems(client, scratch, manifest)));
      if (manifest.description) {
        const nsp = await namespaceOid(client, scratch);
        const cat = await readTenantCatalog(client, scratch, nsp!);
        problems.push(...describeDifferences(manifest.description, describeTenant(cat)));
      } else
        notes.push(
          `archive format ${manifest.formatVersion} has no description of the tenant: restored and rows counted, objects not compared`,
        );
    } finally {
      await client.query('ROLLBACK').catch(() => {});
    }
  });
  return {
    ...result,
    ok: problems.length === 0,
    restoredInto: scratch,
    problems,
    notes,
    restoreMs: Math.round(performance.now() - started),
  };
}

async function rowProblems(
  client: { query: (sql: string) => Promise<{ rows: { n: string }[] }> },
  schema: string,
  m: Manifest,
): Promise<string[]> {
  const out: string[] = [];
  for (const t of m.tables) {
    const { rows } = await client.query(
      `SELECT count(*)::text AS n FROM ONLY ${quoteIdent(schema)}.${quoteIdent(t.name)}`,
    );
    if (Number(rows[0].n) !== t.rows)
      out.push(`table ${t.name} holds ${rows[0].n} rows after the restore, the archive ${t.rows}`);
  }
  return out;
}
