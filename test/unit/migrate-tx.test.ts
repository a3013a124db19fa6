import { describe, it, expect } from 'vitest';
import {
  applyGroupInOneCall,
  applyGroupInTransaction,
  type Engine,
} from '../../src/migrate/paths.js';
import { Control } from '../../src/control/control.js';
import type { MigrationFile } from '../../src/control/migration-files.js';
import type { Ctx } from '../../src/control/context.js';

function stub(
  opts: { applied?: number[]; ran?: number[]; present?: boolean; failOn?: RegExp } = {},
) {
  const log: string[] = [];
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
      if (text.includes('lock_tenant_for_migration'))
        return { rows: [{ applied: opts.applied ?? [], present: true }] };
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
      `SELECT f.applied, f.present, set_config('search_path', $6, true) AS sp FROM "tenantctl".lock_tenant_for_migration($1, $2, $3, $4, $5) f -- ["tenantctl","tenant:org_acme","1500ms",7,"org_acme","\\"org_acme\\", public"]`,
      'ALTER TABLE b ADD y int',
      expect.stringMatching(
        /^INSERT INTO "tenantctl"\.tenant_migrations \(tenant_id, migration_id, name, hash, duration_ms, baseline\) VALUES \(\$1, \$2, \$3, \$4, \$5, \$6\) -- \[7,2,"m2","h2",\d+,false\]$/,
      ),
      'COMMIT',
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
    expect(err.message).toBe('migration 2_m2.sql line 1 col 5: column "x" does not exist (42703)');
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
