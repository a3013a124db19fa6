import { describe, it, expect } from 'vitest';
import {
  verdictOf,
  tally,
  fanOutError,
  auditOutcomeOf,
  type Outcome,
} from '../../src/control/fanout.js';
import { pendingMigrations, type MigrationFile } from '../../src/control/migration-files.js';
import { parseSelection } from '../../src/control/selection.js';
import { BusyError, EXIT, FailedError, PartialError, UsageError } from '../../src/shared/errors.js';

const ok = <R>(value: R): Outcome<R> => ({ status: 'ok', value });
const failed = (error: unknown): Outcome<never> => ({ status: 'failed', error });
const skipped: Outcome<never> = { status: 'skipped' };
const busyError = new BusyError('tenant schema org_a is locked by another tenantctl run');

describe('the fan-out verdict', () => {
  it('maps tallies to ok / partial / failed / busy', () => {
    expect(verdictOf({ done: 3, failed: 0, busy: 0, skipped: 0 })).toBe('ok');
    expect(verdictOf({ done: 0, failed: 0, busy: 0, skipped: 0 })).toBe('ok');
    expect(verdictOf({ done: 2, failed: 1, busy: 0, skipped: 0 })).toBe('partial');
    expect(verdictOf({ done: 2, failed: 1, busy: 1, skipped: 0 })).toBe('partial');
    expect(verdictOf({ done: 0, failed: 2, busy: 1, skipped: 0 })).toBe('failed');
    expect(verdictOf({ done: 0, failed: 2, busy: 2, skipped: 0 })).toBe('busy');
    // tenants left unstarted follow the failure that stopped the run
    expect(verdictOf({ done: 0, failed: 1, busy: 1, skipped: 5 })).toBe('busy');
    expect(verdictOf({ done: 0, failed: 1, busy: 0, skipped: 5 })).toBe('failed');
  });

  it('tallies outcomes: busy failures by BusyError or a busy flag; unchanged ok outcomes are not done', () => {
    const flagged = Object.assign(new Error('lock timeout'), { busy: true });
    const t = tally(
      [ok(1), ok(0), failed(busyError), failed(flagged), failed(new Error('boom')), skipped],
      (n) => n > 0,
    );
    expect(t).toEqual({ done: 1, failed: 3, busy: 2, skipped: 1, interrupted: 0 });
  });

  it('words the error by verdict and carries the per-tenant result; exit codes 3, 1, 4', () => {
    const words = { partial: 'some', failed: 'none', busy: 'locked' };
    const result = { tenants: ['a', 'b'] };
    expect(fanOutError({ done: 1, failed: 0, busy: 0, skipped: 0 }, words, result)).toBeUndefined();
    const partial = fanOutError({ done: 1, failed: 1, busy: 0, skipped: 0 }, words, result);
    expect(partial).toBeInstanceOf(PartialError);
    expect(partial).toMatchObject({ message: 'some', exitCode: EXIT.PARTIAL, result });
    const none = fanOutError({ done: 0, failed: 1, busy: 0, skipped: 0 }, words, result);
    expect(none).toBeInstanceOf(FailedError);
    expect(none?.exitCode).toBe(EXIT.FAILED);
    const busy = fanOutError({ done: 0, failed: 2, busy: 2, skipped: 0 }, words, result);
    expect(busy).toMatchObject({ message: 'locked', exitCode: EXIT.BUSY, code: 'lock-busy' });
  });

  it("gives a run's audit outcome: noop when nothing changed and nothing failed", () => {
    expect(auditOutcomeOf({ done: 0, failed: 0, busy: 0, skipped: 0 })).toBe('noop');
    expect(auditOutcomeOf({ done: 4, failed: 0, busy: 0, skipped: 0 })).toBe('ok');
    expect(auditOutcomeOf({ done: 4, failed: 1, busy: 0, skipped: 0 })).toBe('partial');
    expect(auditOutcomeOf({ done: 0, failed: 1, busy: 1, skipped: 0 })).toBe('failed');
  });
});

const files = [1, 2, 3, 4].map(
  (id): MigrationFile => ({
    id,
    name: `m${id}`,
    fileName: `${id}_m${id}.sql`,
    hash: `h${id}`,
    sql: 'SELECT 1',
    transactional: true,
  }),
);
const ids = (ms: MigrationFile[]) => ms.map((m) => m.id);

describe('pendingMigrations', () => {
  it('is everything above the version when the applied ids are 1..version', () => {
    expect(ids(pendingMigrations({ version: 0, appliedIds: null }, files))).toEqual([1, 2, 3, 4]);
    expect(ids(pendingMigrations({ version: 2, appliedIds: null }, files))).toEqual([3, 4]);
    expect(ids(pendingMigrations({ version: 4, appliedIds: null }, files))).toEqual([]);
  });

  it('counts the gaps when the applied ids are not 1..version', () => {
    expect(ids(pendingMigrations({ version: 3, appliedIds: [1, 3] }, files))).toEqual([2, 4]);
  });
});

describe('--tenant selection, offline part', () => {
  it('is undefined for "every tenant", lower-cases, and reports every malformed slug at once', () => {
    expect(parseSelection(undefined, 'org_')).toBeUndefined();
    expect(parseSelection({ include: [] }, 'org_')).toBeUndefined();
    expect(parseSelection({ include: ['Acme', 'globex'] }, 'org_')?.include?.slugs).toEqual([
      'acme',
      'globex',
    ]);
    let err: unknown;
    try {
      parseSelection({ include: ['ok', 'bad slug', '-x'] }, 'org_');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).problems).toHaveLength(2);
    expect((err as UsageError).problems[0]).toMatch(/^--tenant: invalid slug "bad slug"/);
  });
});

describe('the per-tenant frame (exact SQL and order against a stub)', async () => {
  const { underTenantLock } = await import('../../src/control/tenant-frame.js');
  const { makeCtx } = await import('../../src/control/context.js');
  const { resolveSettings } = await import('../../src/shared/config.js');

  const tenant = { id: 7, slug: 'acme', schema: 'org_acme', version: 0, appliedIds: null };
  /** A client that answers the frame's lookups and records every statement, one word each. */
  function stubDb(failOn?: RegExp) {
    const log: string[] = [];
    const query = async (q: string | { text: string }) => {
      const text = typeof q === 'string' ? q : q.text;
      const word = text.includes('to_regclass')
        ? 'control?'
        : text.includes('max(id)')
          ? 'control version'
          : text.includes('FROM "tenantctl".tenants t')
            ? 'tenant'
            : text.includes('pg_advisory_xact_lock')
              ? 'lock'
              : text.includes('pg_namespace')
                ? 'schema?'
                : text.includes('audit_log')
                  ? 'audit'
                  : text;
      log.push(word);
      if (failOn?.test(text)) throw Object.assign(new Error('boom'), { code: '42P01' });
      if (word === 'control?') return { rows: [{ ok: true }] };
      if (word === 'control version') return { rows: [{ v: 99 }] };
      if (word === 'tenant') return { rows: [tenant] };
      if (word === 'schema?') return { rows: [{}] };
      if (word === 'audit') return { rows: [{ id: 1 }] };
      return { rows: [] };
    };
    const client = { query, release: () => {} };
    return { log, db: { connect: async () => client } };
  }
  const ctxFor = (db: unknown) =>
    makeCtx(db as never, resolveSettings({}, undefined, '/nonexistent-config-dir'));

  it('looks the tenant up, then BEGIN, lock, re-read, schema check, work, COMMIT', async () => {
    const s = stubDb();
    const r = await underTenantLock(ctxFor(s.db), { command: 'x', slug: 'acme' }, async (c, t) => {
      await c.query('WORK');
      return t.schema;
    });
    expect(r).toBe('org_acme');
    expect(s.log).toEqual([
      'control?',
      'control version',
      'tenant',
      'BEGIN',
      'lock',
      'tenant',
      'schema?',
      'WORK',
      'COMMIT',
    ]);
  });

  it('on failure rolls back first, then writes the failure audit record', async () => {
    const s = stubDb(/^WORK$/);
    await expect(
      underTenantLock(ctxFor(s.db), { command: 'x', slug: 'acme' }, async (c) => {
        await c.query('WORK');
      }),
    ).rejects.toThrow('boom');
    expect(s.log.slice(-3)).toEqual(['WORK', 'ROLLBACK', 'audit']);
  });
});
