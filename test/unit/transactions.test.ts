import { describe, it, expect } from 'vitest';
import { withTransaction, withDedicatedClient } from '../../src/pg/tx.js';
import { takeXactLock, withAdvisoryLock } from '../../src/pg/advisory-lock.js';
import {
  tenantDefaultPrivilegesSql,
  grantExistingSql,
  createRolesSql,
  dropTenantSql,
} from '../../src/provision/tenant-ddl.js';
import { BusyError } from '../../src/shared/errors.js';
import { lineCol, describeSqlError } from '../../src/pg/sql-error.js';

/** Records every statement; fails the ones matching `failOn`. */
function stub(failOn?: RegExp, error: object = { message: 'boom', code: '42P01' }) {
  const log: string[] = [];
  return {
    log,
    async query(text: string) {
      log.push(text);
      if (failOn?.test(text))
        throw Object.assign(new Error((error as { message: string }).message), error);
      return { rows: [], rowCount: 0 };
    },
  };
}

describe('transaction helpers (exact SQL and order)', () => {
  it('commits after the work', async () => {
    const s = stub();
    await withTransaction(s as never, async () => void (await s.query('SELECT 1')));
    expect(s.log).toEqual(['BEGIN', 'SELECT 1', 'COMMIT']);
  });

  it('rolls back and rethrows the original error', async () => {
    const s = stub(/SELECT 1/);
    await expect(
      withTransaction(s as never, async () => void (await s.query('SELECT 1'))),
    ).rejects.toThrow('boom');
    expect(s.log).toEqual(['BEGIN', 'SELECT 1', 'ROLLBACK']);
  });

  it('turns a lock timeout into BusyError (exit 4)', async () => {
    const s = stub(/pg_advisory_xact_lock/, {
      message: 'canceling statement due to lock timeout',
      code: '55P03',
    });
    const err = await takeXactLock(s as never, {
      namespace: 'tenantctl',
      name: 'tenant:org_a',
      what: 'tenant schema org_a',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BusyError);
    expect(err.exitCode).toBe(4);
  });

  it('session lock: bounded wait, released in finally even when the work fails', async () => {
    const s = stub();
    const key = { namespace: 'tenantctl', name: 'migrate-run', what: 'x' };
    await expect(
      withAdvisoryLock(s as never, key, 1500, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(s.log[0]).toMatch(/set_config\('lock_timeout'/);
    expect(s.log[1]).toBe('SELECT pg_advisory_lock(hashtext($1), hashtext($2))');
    expect(s.log[2]).toBe('RESET lock_timeout');
    expect(s.log[3]).toBe('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))');
  });
});

describe('withDedicatedClient', () => {
  it('closes its own connection after the work, and when the work fails', async () => {
    const ended: string[] = [];
    const db = { dedicatedClient: async () => ({ end: async () => void ended.push('end') }) };
    expect(await withDedicatedClient(db as never, async () => 42)).toBe(42);
    await expect(
      withDedicatedClient(db as never, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(ended).toEqual(['end', 'end']);
  });
});

describe('tenant DDL', () => {
  it('quotes every name', () => {
    expect(createRolesSql({ rw: 'a"b', ro: 'c' })).toEqual([
      'CREATE ROLE "a""b" NOLOGIN',
      'CREATE ROLE "c" NOLOGIN',
    ]);
    const grants = tenantDefaultPrivilegesSql('org_x', { rw: 'rw', ro: 'ro' });
    expect(grants[0]).toBe('GRANT USAGE ON SCHEMA "org_x" TO "rw", "ro"');
    expect(
      grants
        .slice(1)
        .every((g) => g.startsWith('ALTER DEFAULT PRIVILEGES IN SCHEMA "org_x" GRANT')),
    ).toBe(true);
    expect(grants).toHaveLength(5);
    expect(grantExistingSql('a"b', { rw: 'rw', ro: 'ro' })[0]).toBe(
      'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "a""b" TO "rw"',
    );
  });
  it('drops the schema before the roles and skips missing roles', () => {
    expect(dropTenantSql('org_x', { rw: 'rw', ro: 'ro' }, { rw: true, ro: false })).toEqual([
      'DROP SCHEMA IF EXISTS "org_x" CASCADE',
      'DROP OWNED BY "rw"',
      'DROP ROLE "rw"',
    ]);
  });
});

describe('SQL error positions', () => {
  it('maps a character offset to line and column', () => {
    expect(lineCol('abc\ndef\nghi', 6)).toEqual({ line: 2, col: 2 });
    const msg = describeSqlError(
      Object.assign(new Error('syntax error at or near "TABL"'), { position: '20', code: '42601' }),
      'SELECT 1;\nCREATE TABL x ();',
      '02_x.sql',
    );
    expect(msg).toBe('02_x.sql line 2 col 10: syntax error at or near "TABL" (42601 syntax_error)');
  });
});
