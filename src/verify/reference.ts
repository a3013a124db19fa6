import { randomBytes } from 'node:crypto';
import type { Queryable } from '../pg/pool.js';
import { withTransaction } from '../pg/tx.js';
import { fingerprintRows, fingerprintDigests, setNeutralSearchPath } from './fingerprint-sql.js';
import { setTenantSearchPath } from '../migrate/apply.js';
import { SqlFileError } from '../pg/sql-error.js';
import type { Template } from '../provision/template.js';
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
 * migration someone is at. Files marked disable-transaction are run here with CONCURRENTLY
 * dropped, because the structure they leave is the same.
 */
export interface Reference {
  fingerprint: Fingerprint;
  /** Server-side digest (see fingerprintDigests): a tenant with the same one needs no closer look. */
  digest: string;
  /** With `canonical`: the fingerprint after one export/restore round trip (canonical.ts). */
  canonical?: Fingerprint;
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
  await withTransaction(client, async () => {
    await client.query(createSchemaSql(scratch));
    await setTenantSearchPath(client, scratch);
    const where = template.id === template.dir ? template.dir : template.id;
    for (const f of template.files) {
      try {
        await client.query(f.sql);
      } catch (err) {
        throw new SqlFileError(err, f.sql, `template ${where}/${f.name}`);
      }
    }
    await snapshot(0);
    for (const m of migrations) {
      const sql = m.transactional ? m.sql : m.sql.replace(/\bCONCURRENTLY\b/gi, '');
      try {
        await client.query(sql);
      } catch (err) {
        throw new SqlFileError(err, sql, `migration ${m.fileName}`);
      }
      await snapshot(m.id);
    }
    throw new RollBack();
  }).catch((err) => {
    if (!(err instanceof RollBack)) throw err;
  });
  return out;
}
