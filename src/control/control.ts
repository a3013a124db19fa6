import { quoteIdent } from '../pg/quote.js';
import type { Queryable } from '../pg/pool.js';

/**
 * Names inside the control schema, quoted once. Table names are fixed words; the schema name is
 * configurable and therefore always goes through quoteIdent.
 */
export class Control {
  readonly schema: string;
  readonly q: string;
  constructor(schema: string) {
    this.schema = schema;
    this.q = quoteIdent(schema);
  }
  get tenants(): string {
    return `${this.q}.tenants`;
  }
  get tenantMigrations(): string {
    return `${this.q}.tenant_migrations`;
  }
  get migrationFailures(): string {
    return `${this.q}.migration_failures`;
  }
  get accessGrants(): string {
    return `${this.q}.access_grants`;
  }
  get carriedGrants(): string {
    return `${this.q}.carried_grants`;
  }
  get auditLog(): string {
    return `${this.q}.audit_log`;
  }
  get settings(): string {
    return `${this.q}.settings`;
  }
  get migrations(): string {
    return `${this.q}.migrations`;
  }
  get servers(): string {
    return `${this.q}.servers`;
  }
  get placements(): string {
    return `${this.q}.placements`;
  }
}

/**
 * Creates the control schema and, inside it, postgres-migrations' own bookkeeping table, then
 * points the session's search_path only there. postgres-migrations decides whether its table
 * exists by looking for any table named "migrations" in any schema, so a user's
 * public.migrations would fool it; with ours created first, it finds and uses ours.
 * Returns whether the schema was new.
 */
export async function prepareControlSchema(client: Queryable, c: Control): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [c.schema]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${c.q}`);
  await client.query(`SELECT set_config('search_path', $1, false)`, [quoteIdent(c.schema)]);
  await client.query(`CREATE TABLE IF NOT EXISTS ${c.migrations} (
    id integer PRIMARY KEY, name varchar(100) UNIQUE NOT NULL, hash varchar(40) NOT NULL,
    executed_at timestamp DEFAULT current_timestamp)`);
  return rows.length === 0;
}
