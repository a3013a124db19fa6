import { quoteIdent } from './quote.js';

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
  get auditLog(): string {
    return `${this.q}.audit_log`;
  }
  get settings(): string {
    return `${this.q}.settings`;
  }
  get migrations(): string {
    return `${this.q}.migrations`;
  }
}
