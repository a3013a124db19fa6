import { randomBytes } from 'node:crypto';
import type { Queryable } from '../pg/pool.js';
import { withTransaction } from '../pg/tx.js';
import { fingerprintRows, fingerprintDigests, setNeutralSearchPath } from './fingerprint-sql.js';
import { setTenantSearchPath } from '../migrate/apply.js';
import { SqlFileError } from '../pg/sql-error.js';
import { splitStatements, transactionProblem, withoutWord, type Statement } from '../pg/split.js';
import { UsageError } from '../shared/errors.js';
import { describeTransactionProblem } from '../control/migration-files.js';
import { runTemplateFiles, type Template } from '../provision/template.js';
import type { MigrationFile } from '../control/migration-files.js';
import { buildFingerprints, type Fingerprint } from './fingerprint.js';
import { createSchemaSql } from '../provision/tenant-ddl.js';
import { canonicalFingerprint } from './canonical.js';

/** Thrown to end the scratch transaction: the reference must never be committed. */
class RollBack extends Error {}

/** The canonical form of the scratch schema, its round-trip copy dropped again (savepoint). */
async function canonicalOf(client: Queryable, scratch: string): Promise<Fingerprint> {
  await client.query('SAVEPOINT canonical');
  try {
    return await canonicalFingerprint(client, scratch);
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT canonical');
  }
}

/**
 * Builds what a tenant of `template` should look like at each of `versions` (the highest applied
 * migration id, 0 for none): the template, then migrations in order, in a scratch schema inside a
 * transaction that is always rolled back, fingerprinted after the template and after each
 * migration someone is at. What cannot run inside that transaction is adapted or refused
 * (referenceSteps).
 */
export interface Reference {
  fingerprint: Fingerprint;
  /** Server-side digest (see fingerprintDigests): a tenant with the same one needs no closer look. */
  digest: string;
  /** With `canonical`: the fingerprint after one export/restore round trip (canonical.ts). */
  canonical?: Fingerprint;
}

/** Structure-neutral commands the reference leaves out: it is one transaction that never commits. */
const LEFT_OUT = new Set(['BEGIN', 'START TRANSACTION', 'COMMIT', 'END', 'VACUUM', 'DISCARD ALL']);

/**
 * What the reference runs of a migration, statement by statement (one reference per run, so
 * errors may as well name their statement): without the file's own transaction wrappers and
 * VACUUM, CONCURRENTLY dropped (the structure it leaves is the same), REINDEX and CLUSTER
 * skipped. Anything else that cannot run there (ROLLBACK, CREATE DATABASE...) is refused.
 */
function referenceSteps(m: MigrationFile): { sql: string; statement?: Statement }[] {
  const statements = splitStatements(m.sql);
  const steps: { sql: string; statement?: Statement }[] = [];
  for (const st of statements) {
    const p = transactionProblem(st);
    if (!p) steps.push({ sql: st.sql, statement: st });
    else if (LEFT_OUT.has(p.command) || st.words[0] === 'reindex' || st.words[0] === 'cluster')
      continue;
    else if (st.words.includes('concurrently')) {
      const sql = withoutWord(st.sql, 'concurrently');
      steps.push({ sql, statement: { ...st, sql } });
    } else
      throw new UsageError(
        `verify cannot rebuild migration ${m.fileName} in its rolled-back reference: ${describeTransactionProblem(`migration ${m.fileName}`, { ...p, line: st.line, statement: st.sql.split('\n')[0] })}`,
      );
  }
  return steps;
}

export async function buildReferences(
  client: Queryable,
  template: Template,
  migrations: MigrationFile[],
  versions: Set<number>,
  opts: { canonical?: boolean } = {},
): Promise<Map<number, Reference>> {
  const scratch = `tenantctl_verify_${randomBytes(6).toString('hex')}`;
  const out = new Map<number, Reference>();
  const snapshot = async (version: number) => {
    if (!versions.has(version)) return;
    await setNeutralSearchPath(client);
    const fingerprint =
      buildFingerprints(await fingerprintRows(client, [scratch])).get(scratch) ?? new Map();
    const digest =
      (await fingerprintDigests(client, [{ schema: scratch, roles: null }])).get(scratch) ?? '';
    const canonical = opts.canonical ? await canonicalOf(client, scratch) : undefined;
    out.set(version, { fingerprint, digest, canonical });
    await setTenantSearchPath(client, scratch);
  };
  await withTransaction(
    client,
    async () => {
      await client.query(createSchemaSql(scratch));
      await setTenantSearchPath(client, scratch);
      // one reference per run: statement by statement, so any error names its statement
      await runTemplateFiles(client, template, true);
      await snapshot(0);
      for (const m of migrations) {
        for (const step of referenceSteps(m)) {
          try {
            await client.query(step.sql);
          } catch (err) {
            throw new SqlFileError(err, {
              label: `migration ${m.fileName}`,
              file: m.fileName,
              text: m.sql,
              statement: step.statement,
            });
          }
        }
        await snapshot(m.id);
      }
      throw new RollBack();
    },
    { noTimeouts: true },
  ).catch((err) => {
    if (!(err instanceof RollBack)) throw err;
  });
  return out;
}
