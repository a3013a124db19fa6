import pg from 'pg';
import type { TestDb } from './db.js';
import { quoteIdent } from '../../src/pg/quote.js';

export const PASSWORD = 'tenantctl-test-pw';

/** A LOGIN role named with the file's rolePrefix (so cleanup drops it), with a password for non-trust servers. */
export async function loginRole(db: TestDb, suffix: string): Promise<string> {
  const name = `${db.rolePrefix}${suffix}`;
  await db.query(`CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD '${PASSWORD}'`);
  return name;
}

/** Connects to the test database as that role, with its own credentials. */
export async function connectAs(db: TestDb, role: string): Promise<pg.Client> {
  const u = new URL(db.url);
  u.username = encodeURIComponent(role);
  u.password = PASSWORD;
  const client = new pg.Client({ connectionString: u.toString() });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Runs one statement as the role in a fresh session; resolves to the SQLSTATE on failure, 'ok' on success. */
export async function tryAs(
  db: TestDb,
  role: string,
  sql: string,
  params: unknown[] = [],
): Promise<string> {
  let client: pg.Client | undefined;
  try {
    client = await connectAs(db, role);
    await client.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  } finally {
    await client?.end().catch(() => {});
  }
}

/** Every privilege every given role has on every relation, sequence, function and the schema itself. */
export async function privilegeMatrix(
  db: TestDb,
  schema: string,
  roles: string[],
): Promise<Record<string, boolean>> {
  const { rows } = await db.query(
    `WITH r AS (SELECT unnest($2::text[]) AS role),
     rel AS (SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')),
     tp AS (SELECT unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p),
     sp AS (SELECT unnest(ARRAY['USAGE','SELECT','UPDATE']) AS p)
     SELECT r.role || ' ' || rel.relname || ' ' || tp.p AS k, has_table_privilege(r.role, rel.oid, tp.p) AS v
       FROM r, rel, tp WHERE rel.relkind <> 'S'
     UNION ALL
     SELECT r.role || ' ' || rel.relname || ' ' || sp.p, has_sequence_privilege(r.role, rel.oid, sp.p) FROM r, rel, sp WHERE rel.relkind = 'S'
     UNION ALL
     SELECT r.role || ' schema ' || p, has_schema_privilege(r.role, $1, p) FROM r, unnest(ARRAY['USAGE','CREATE']) p
     UNION ALL
     SELECT r.role || ' ' || pr.oid::regprocedure::text || ' EXECUTE', has_function_privilege(r.role, pr.oid, 'EXECUTE')
       FROM r, pg_proc pr JOIN pg_namespace n ON n.oid = pr.pronamespace WHERE n.nspname = $1
     UNION ALL
     SELECT r.role || ' ' || c.relname || '.' || a.attname || ' ' || p, has_column_privilege(r.role, c.oid, a.attnum, p)
       FROM r, pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
            unnest(ARRAY['SELECT','UPDATE']) p
       WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, roles],
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.v]));
}
