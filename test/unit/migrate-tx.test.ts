import { describe, it, expect } from 'vitest';
import {
  applyGroupInOneCall,
  applyGroupInTransaction,
  applyNonTransactional,
  endsWithOwnCommit,
  type Engine,
} from '../../src/migrate/paths.js';
import { splitStatements } from '../../src/pg/split.js';
import { Control } from '../../src/control/control.js';
import type { MigrationFile } from '../../src/control/migration-files.js';
import type { Ctx } from '../../src/control/context.js';
import { TransactionEndedError } from '../../src/migrate/apply.js';

function stub(
  opts: { applied?: number[]; ran?: number[]; present?: boolean; failOn?: RegExp } = {},
) {
  const log: string[] = [];
  // what the server keeps of the transaction-local mark: set by the lock call, gone after COMMIT
  let mark: unknown;
  return {
    log,
    async query(q: string | { text: string; values?: unknown[] }, v?: unknown[]) {
      // prepared statements arrive as a config object
      const text = typeof q === 'string' ? q : q.text;
      const values = typeof q === 'string' ? v : q.values;
      log.push(
        values
          ? `${text.replace(/\s+/g, ' ').trim()} -- ${JSON.stringify(values)}`
          : text.replace(/\s+/g, ' ').trim(),
      );
      if (opts.failOn?.test(text))
        throw Object.assign(new Error('column "x" does not exist'), {
          code: '42703',
          position: '5',
        });
      if (/^\s*(COMMIT|ROLLBACK)/i.test(text)) mark = undefined;
      if (text.includes('lock_tenant_for_migration')) {
        mark = values?.[6];
        return { rows: [{ applied: opts.applied ?? [], present: true }] };
      }
      if (text.includes("current_setting('tenantctl.tx', true)"))
        return { rows: [], rowCount: mark !== undefined && values?.[5] === mark ? 1 : 0 };
      if (text.includes('AS present')) return { rows: [{ present: true }] };
      if (text.includes('migrate_tenant'))
        return { rows: [{ applied: opts.ran ?? [], present: opts.present ?? true }] };
      return { rows: [] };
    },
  };
}

const engine = {
  ctx: { control: new Control('tenantctl'), settings: { lockTimeoutMs: 1500 } } as unknown as Ctx,
  opts: { retries: 0 },
} as Engine;
const m = (id: number, sql: string) =>
  ({
    id,
    name: `m${id}`,
    fileName: `${id}_m${id}.sql`,
    hash: `h${id}`,
    sql,
    transactional: true,
  }) as MigrationFile;
const tenant = { id: 7, slug: 'acme', schema: 'org_acme', pending: [], failedBefore: false };

describe('one tenant, one transaction: exact statements and order', () => {
  it('locks, re-reads, applies what is still pending, records, commits', async () => {
    const s = stub({ applied: [1] });
    const applied = await applyGroupInTransaction(engine, s as never, tenant, [
      m(1, 'ALTER TABLE a ADD x int'),
      m(2, 'ALTER TABLE b ADD y int'),
    ]);
    expect(applied).toEqual([2]);
    expect(s.log).toEqual([
      'BEGIN',
      expect.stringMatching(
        /^SELECT f\.applied, f\.present, set_config\('search_path', \$6, true\) AS sp, set_config\('tenantctl\.tx', \$7, true\) AS mark FROM "tenantctl"\.lock_tenant_for_migration\(\$1, \$2, \$3, \$4, \$5\) f -- \["tenantctl","tenant:org_acme","1500ms",7,"org_acme","\\"org_acme\\", public","[0-9a-f]{16}"\]$/,
      ),
      'ALTER TABLE b ADD y int',
      expect.stringMatching(
        /^INSERT INTO "tenantctl"\.tenant_migrations \(tenant_id, migration_id, name, hash, duration_ms, baseline\) SELECT \$1::bigint, \$2::int, \$3::text, \$4::text, \$5::int, false WHERE current_setting\('tenantctl\.tx', true\) = \$6::text -- \[7,2,"m2","h2",\d+,"[0-9a-f]{16}"\]$/,
      ),
      'COMMIT',
    ]);
    // the mark checked by the insert is the one the lock call set
    const markOf = (line: string) => /"([0-9a-f]{16})"\]$/.exec(line)?.[1];
    expect(markOf(s.log[3])).toBe(markOf(s.log[1]));
  });

  it('runs a migration statement by statement, so an error names its statement', async () => {
    const s = stub({ failOn: /^INSERT INTO b/ });
    const err = await applyGroupInTransaction(engine, s as never, tenant, [
      m(1, 'CREATE TABLE b (x int);\n-- fill it\nINSERT INTO b VALUES (1);\nSELECT 1'),
    ]).catch((e) => e);
    expect(s.log.slice(2, 4)).toEqual(['CREATE TABLE b (x int)', 'INSERT INTO b VALUES (1)']);
    expect(err.message).toBe(
      'migration 1_m1.sql line 3 col 5: column "x" does not exist (42703 undefined_column)',
    );
    expect(err.sql).toMatchObject({
      file: '1_m1.sql',
      line: 3,
      col: 5,
      statement: 'INSERT INTO b VALUES (1)',
    });
  });

  it('a migration that ends the transaction is caught before its bookkeeping, and nothing is recorded for it', async () => {
    const s = stub();
    const err = await applyGroupInTransaction(engine, s as never, tenant, [
      m(1, 'CREATE TABLE a (x int)'),
      m(2, 'CREATE TABLE b (x int); COMMIT'),
    ]).catch((e) => e);
    expect(err).toBeInstanceOf(TransactionEndedError);
    expect(err.migrationId).toBe(2);
    expect(err.message).toMatch(/migration 2_m2\.sql ended tenantctl's transaction in org_acme/);
    expect(s.log.slice(-4)).toEqual([
      'CREATE TABLE b (x int)',
      'COMMIT',
      expect.stringMatching(/^INSERT INTO "tenantctl"\.tenant_migrations .* -- \[7,2,/),
      'ROLLBACK',
    ]);
  });

  it('clears the last failure inside the same transaction when there was one', async () => {
    const s = stub();
    await applyGroupInTransaction(engine, s as never, { ...tenant, failedBefore: true }, [
      m(1, 'SELECT 1'),
    ]);
    expect(s.log.at(-2)).toBe(
      'DELETE FROM "tenantctl".migration_failures WHERE tenant_id = $1 -- [7]',
    );
    expect(s.log.at(-1)).toBe('COMMIT');
  });

  it('a failing migration rolls back: nothing recorded, error names the file and position', async () => {
    const s = stub({ failOn: /^ALTER TABLE b/ });
    const err = await applyGroupInTransaction(engine, s as never, tenant, [
      m(1, 'ALTER TABLE a ADD x int'),
      m(2, 'ALTER TABLE b ADD x int'),
    ]).catch((e) => e);
    expect(err.message).toBe(
      'migration 2_m2.sql line 1 col 5: column "x" does not exist (42703 undefined_column)',
    );
    expect(s.log.at(-1)).toBe('ROLLBACK');
    expect(s.log.filter((l) => l.startsWith('INSERT')).length).toBe(1); // m1's record, rolled back with it
    expect(s.log).not.toContain('COMMIT');
  });
});

describe('one tenant, one call: the fast path', () => {
  it('sends the whole group as one statement: lock, re-read, migrations, bookkeeping happen server-side', async () => {
    const s = stub({ ran: [2] });
    const applied = await applyGroupInOneCall(
      engine,
      s as never,
      { ...tenant, failedBefore: true },
      [m(1, 'ALTER TABLE a ADD x int'), m(2, 'ALTER TABLE b ADD y int')],
    );
    expect(applied).toEqual([2]);
    expect(s.log).toEqual([
      `SELECT f.present, f.applied FROM "tenantctl".migrate_tenant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) f -- ["tenantctl","tenant:org_acme","1500ms",7,"org_acme","\\"org_acme\\", public",[1,2],["m1","m2"],["h1","h2"],["ALTER TABLE a ADD x int","ALTER TABLE b ADD y int"],true]`,
    ]);
  });

  it('a tenant dropped while the run waited is a failure naming it', async () => {
    const s = stub({ present: false });
    await expect(
      applyGroupInOneCall(engine, s as never, tenant, [m(1, 'SELECT 1')]),
    ).rejects.toThrow(/tenant acme was dropped/);
  });
});

describe('disable-transaction migrations: statement by statement under the session lock', () => {
  const nt = (id: number, sql: string) =>
    ({
      ...m(id, `-- postgres-migrations disable-transaction\n${sql}`),
      transactional: false,
    }) as MigrationFile;
  const work = (s: { log: string[] }) =>
    s.log.filter(
      (l) => !/pg_advisory|lock_timeout|AS present|SELECT migration_id|search_path/.test(l),
    );

  it('a file wrapped in its own BEGIN ... COMMIT records itself inside that transaction, before the COMMIT', async () => {
    const s = stub();
    await applyNonTransactional(
      engine,
      s as never,
      tenant,
      nt(3, 'BEGIN;\nCREATE TABLE w (id int);\nCOMMIT;'),
    );
    expect(work(s)).toEqual([
      'BEGIN',
      'CREATE TABLE w (id int)',
      expect.stringMatching(
        /^INSERT INTO "tenantctl"\.tenant_migrations .* -- \[7,3,"m3","h3",\d+,false\]$/,
      ),
      'DELETE FROM "tenantctl".migration_failures WHERE tenant_id = $1 -- [7]',
      'COMMIT',
    ]);
  });

  it('otherwise the bookkeeping follows the statements in a transaction of its own', async () => {
    const s = stub();
    await applyNonTransactional(
      engine,
      s as never,
      tenant,
      nt(3, 'CREATE INDEX CONCURRENTLY i ON t (x);'),
    );
    expect(work(s)).toEqual([
      'CREATE INDEX CONCURRENTLY i ON t (x)',
      // an INVALID index the migration names fails the tenant before anything is recorded
      expect.stringMatching(
        /^SELECT c\.relname FROM pg_index i .* NOT i\.indisvalid .* -- \["org_acme"\]$/,
      ),
      'BEGIN',
      expect.stringMatching(/^INSERT INTO "tenantctl"\.tenant_migrations /),
      'DELETE FROM "tenantctl".migration_failures WHERE tenant_id = $1 -- [7]',
      'COMMIT',
    ]);
  });

  it('endsWithOwnCommit: only a COMMIT or END closing a transaction the file opened, as its last statement', () => {
    const ends = (sql: string) => endsWithOwnCommit(splitStatements(sql));
    expect(ends('BEGIN; SELECT 1; COMMIT;')).toBe(true);
    expect(ends('START TRANSACTION; SELECT 1; END')).toBe(true);
    expect(ends('CREATE INDEX CONCURRENTLY i ON t (x); BEGIN; SELECT 1; COMMIT')).toBe(true);
    expect(ends('BEGIN; SELECT 1; COMMIT; SELECT 2')).toBe(false);
    expect(ends('BEGIN; SELECT 1; ROLLBACK')).toBe(false);
    expect(ends('SELECT 1; COMMIT')).toBe(false);
    expect(ends('SELECT 1')).toBe(false);
  });
});
