import { randomBytes } from 'node:crypto';
import type { Queryable } from '../pg/pool.js';
import { tenantSearchPath } from '../pg/quote.js';
import { createSchemaSql } from '../provision/tenant-ddl.js';
import { namespaceOid, readTenantCatalog } from '../archive/catalog.js';
import { schemaDdl } from '../archive/schema-ddl.js';
import { accessStatements } from '../archive/access-ddl.js';
import { fingerprintRows, setNeutralSearchPath } from './fingerprint-sql.js';
import { buildFingerprints, type Fingerprint } from './fingerprint.js';

/**
 * A schema's structure in PostgreSQL's own normal form: its objects written out the way export
 * writes them and created again in a scratch schema, then fingerprinted. PostgreSQL prints some
 * expressions differently once they have been through its deparser (a CHECK on varchar IN (...),
 * a UNION with NULL), so a tenant restored from an archive and the reference built from the
 * template's own SQL can differ in spelling only; after this one round trip both read the same.
 * Runs inside the caller's transaction, which must be rolled back.
 */
export async function canonicalFingerprint(
  client: Queryable,
  schema: string,
  roles: string[] = [],
): Promise<Fingerprint> {
  const nsp = await namespaceOid(client, schema);
  if (nsp === null) return new Map();
  await client.query(`SELECT set_config('search_path', $1, true)`, [tenantSearchPath(schema)]);
  const cat = await readTenantCatalog(client, schema, nsp);
  const ddl = schemaDdl(cat, new Map());
  const scratch = `tenantctl_canon_${randomBytes(6).toString('hex')}`;
  await client.query(createSchemaSql(scratch));
  await client.query(
    `SELECT set_config('search_path', $1, true), set_config('check_function_bodies', 'false', true)`,
    [tenantSearchPath(scratch)],
  );
  if (ddl.preData.trim()) await client.query(ddl.preData);
  if (ddl.postData.trim()) await client.query(ddl.postData);
  // Policies travel with the access statements; the roles they name are this database's.
  for (const st of accessStatements({ ...cat.access, acls: [], defaultAcls: [] })) {
    if (!st.describe.startsWith('policy ')) continue;
    await client.query('SAVEPOINT canonical_policy');
    try {
      await client.query(st.sql(''));
      await client.query('RELEASE SAVEPOINT canonical_policy');
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT canonical_policy');
    }
  }
  await setNeutralSearchPath(client);
  return (
    buildFingerprints(await fingerprintRows(client, [scratch]), () => roles).get(scratch) ??
    new Map()
  );
}
