import { randomBytes } from 'node:crypto';
import type { Queryable } from '../pg/pool.js';
import type { Control } from '../control/control.js';
import { tenantSearchPath } from '../pg/quote.js';
import { recordMigrationInOwnTransaction, TX_MARK_SETTING } from '../control/registry.js';
import { SqlFileError } from '../pg/sql-error.js';
import { splitStatements, type Statement } from '../pg/split.js';
import { FailedError } from '../shared/errors.js';
import type { MigrationFile } from '../control/migration-files.js';

/** A migration's SQL failed: the message names the file (and position), migrationId says which one. */
export class MigrationSqlError extends SqlFileError {
  readonly migrationId: number;
  constructor(err: unknown, m: MigrationFile, statement?: Statement, label?: string) {
    super(err, {
      label: label ?? `migration ${m.fileName}`,
      file: m.fileName,
      text: m.sql,
      statement,
    });
    this.migrationId = m.id;
  }
}

/**
 * A migration ended the transaction tenantctl ran it in (transaction control the up-front check
 * did not find). Whatever it did before that point may be committed without its bookkeeping row.
 */
export class TransactionEndedError extends FailedError {
  readonly migrationId: number;
  constructor(m: MigrationFile, schema: string) {
    super(
      `migration ${m.fileName} ended tenantctl's transaction in ${schema} (transaction control inside it): what ran before that point may be committed without being recorded; nothing is recorded for this migration`,
      {
        hint: `inspect ${schema} before running migrate again, and take BEGIN/COMMIT out of the file or mark it \`-- postgres-migrations disable-transaction\``,
      },
    );
    this.migrationId = m.id;
  }
}

/** See tenantSearchPath. */
export async function setTenantSearchPath(
  client: Queryable,
  schema: string,
  local = true,
): Promise<void> {
  await client.query(`SELECT set_config('search_path', $1, $2)`, [tenantSearchPath(schema), local]);
}

/** A fresh mark for one transaction, set with TX_MARK_SETTING (transaction-local). */
export function newTxMark(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Inside a transaction that will run tenant SQL: search_path on the tenant and the transaction's
 * mark, in one round trip. Returns the mark for applyInTransaction.
 */
export async function enterTenantTransaction(client: Queryable, schema: string): Promise<string> {
  const mark = newTxMark();
  await client.query(
    `SELECT set_config('search_path', $1, true), set_config('${TX_MARK_SETTING}', $2, true)`,
    [tenantSearchPath(schema), mark],
  );
  return mark;
}

export interface ApplyOptions {
  /** The mark set on the caller's transaction (enterTenantTransaction, lockAndEnterTenant). */
  txMark: string;
  /**
   * One statement per round trip, so an error without a position (a constraint violation) still
   * names its statement. Otherwise each file is one query (fewer round trips: `create`).
   */
  statementByStatement?: boolean;
}

/**
 * Runs migrations inside the caller's transaction and records each one there too, so the DDL and
 * its bookkeeping commit or vanish together. The caller has set search_path to the tenant. The
 * bookkeeping insert lands only inside the marked transaction: a migration that ended it fails
 * the tenant (TransactionEndedError) instead of being recorded outside it.
 */
export async function applyInTransaction(
  client: Queryable,
  c: Control,
  tenant: { id: number; schema: string },
  migrations: MigrationFile[],
  opts: ApplyOptions,
): Promise<number[]> {
  const applied: number[] = [];
  for (const m of migrations) {
    const started = performance.now();
    if (opts.statementByStatement) {
      for (const st of splitStatements(m.sql)) {
        try {
          await client.query(st.sql);
        } catch (err) {
          throw new MigrationSqlError(err, m, st);
        }
      }
    } else {
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new MigrationSqlError(err, m);
      }
    }
    const duration = Math.round(performance.now() - started);
    if (!(await recordMigrationInOwnTransaction(client, c, tenant.id, m, duration, opts.txMark)))
      throw new TransactionEndedError(m, tenant.schema);
    applied.push(m.id);
  }
  return applied;
}
