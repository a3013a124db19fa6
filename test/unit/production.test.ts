import { describe, it, expect } from 'vitest';
import { withTransaction, beginSql } from '../../src/pg/tx.js';
import { prepared } from '../../src/pg/pool.js';
import {
  connectTimeout,
  describeConnectError,
  isConnectionLost,
  resolveConnection,
  resolveDirectConnection,
} from '../../src/pg/connection.js';
import {
  fanOut,
  fanOutError,
  tally,
  auditOutcomeOf,
  isInterruption,
} from '../../src/control/fanout.js';
import {
  CancelledError,
  ConnectionError,
  FailedError,
  InterruptedError,
  PartialError,
  UsageError,
} from '../../src/shared/errors.js';
import { silentReporter } from '../../src/shared/reporter.js';

function stub() {
  const log: string[] = [];
  return {
    log,
    async query(text: string | { text: string }) {
      log.push(typeof text === 'string' ? text : text.text);
      return { rows: [], rowCount: 0 };
    },
  };
}

describe('transactions: settings for the transaction only, and a stop rolls back', () => {
  it('BEGIN and SET LOCALs in one round trip, values as literals, search_path as a list', () => {
    expect(
      beginSql({
        begin: 'BEGIN READ ONLY',
        noTimeouts: true,
        settings: { jit: 'off', lock_timeout: "5'ms" },
        searchPath: '"org_a", public',
      }),
    ).toBe(
      `BEGIN READ ONLY; SET LOCAL "statement_timeout" = '0'; SET LOCAL "idle_in_transaction_session_timeout" = '0'; SET LOCAL "jit" = 'off'; SET LOCAL "lock_timeout" = '5''ms'; SET LOCAL search_path TO "org_a", public`,
    );
    expect(beginSql()).toBe('BEGIN');
  });

  it('a signal that fired while the work ran: ROLLBACK instead of COMMIT, and its reason thrown', async () => {
    const s = stub();
    const c = new AbortController();
    const err = await withTransaction(
      s as never,
      async () => {
        await s.query('UPDATE x');
        c.abort(new InterruptedError('interrupted by SIGINT'));
      },
      { signal: c.signal },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.exitCode).toBe(130);
    expect(s.log).toEqual(['BEGIN', 'UPDATE x', 'ROLLBACK']);
  });

  it('statements are named only on a session connection', () => {
    const q = prepared({ query: async () => ({}) } as never, 'SELECT $1', [1]);
    expect(q).toEqual({ text: 'SELECT $1', values: [1] });
  });
});

describe('connect timeout, as libpq reads it', () => {
  it('the URL parameter, else PGCONNECT_TIMEOUT, else 10 s; 1 counts as 2, 0 waits for ever', () => {
    expect(connectTimeout('3', { PGCONNECT_TIMEOUT: '7' })).toEqual({
      ms: 3000,
      from: 'connect_timeout in the URL',
    });
    expect(connectTimeout(undefined, { PGCONNECT_TIMEOUT: '7' })).toEqual({
      ms: 7000,
      from: 'PGCONNECT_TIMEOUT',
    });
    expect(connectTimeout(undefined, {})).toEqual({ ms: 10_000, from: 'default' });
    expect(connectTimeout('1', {}).ms).toBe(2000);
    expect(connectTimeout('0', {}).ms).toBe(0);
    expect(() => connectTimeout('soon', {})).toThrow(UsageError);
  });

  it('reaches the client config of every target, and the timeout reads as one line', async () => {
    const t = await resolveConnection('postgres://u@h:5/d?connect_timeout=4', {}, () => undefined);
    expect(t.config.connectionTimeoutMillis).toBe(4000);
    const e = describeConnectError(new Error('timeout expired'), t) as ConnectionError;
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toBe(
      'cannot connect to h:5/d (from flag): no answer within 4 s (connect_timeout in the URL)',
    );
    expect(e.code).toBe('connect-timeout');
    const d = resolveDirectConnection(undefined, { TENANTCTL_DIRECT_URL: 'postgres://u@d:6/x' });
    expect([d?.label, d?.source, d?.connectTimeout.ms]).toEqual([
      'd:6/x',
      'TENANTCTL_DIRECT_URL',
      10_000,
    ]);
    expect(resolveDirectConnection(undefined, {})).toBeUndefined();
  });

  it('tells a lost connection from a SQL error', () => {
    const sql = (code: string) => Object.assign(new Error('x'), { code });
    expect(isConnectionLost(sql('57P01'))).toBe(true);
    expect(isConnectionLost(sql('08006'))).toBe(true);
    expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLost(sql('42P01'))).toBe(false);
    expect(isConnectionLost(sql('57014'))).toBe(false);
  });
});

describe('fan-out stops: a signal, a lost server', () => {
  const opts = { concurrency: 2, maxFailures: Infinity, label: 't', reporter: silentReporter };

  it('a lost server stops the run: in-flight items interrupted, the rest not started', async () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    const out = await fanOut([1, 2, 3, 4, 5, 6], opts, async (i) => {
      if (i === 3) throw lost;
      if (i === 4) {
        await new Promise((r) => setTimeout(r, 20));
        throw Object.assign(new Error('canceling statement due to user request'), {
          code: '57014',
        });
      }
      return i;
    });
    expect(out.map((o) => o.status)).toEqual([
      'ok',
      'ok',
      'interrupted',
      'interrupted',
      'skipped',
      'skipped',
    ]);
    expect(out.stopped).toBeInstanceOf(ConnectionError);
    const t = tally(out);
    expect(t).toEqual({ done: 2, failed: 0, busy: 0, skipped: 2, interrupted: 2 });
    const err = fanOutError(
      t,
      { done: 'migrated', partial: 'p', failed: 'f', busy: 'b' },
      {},
      out.stopped,
    );
    expect(err).toBeInstanceOf(PartialError);
    expect(err?.message).toMatch(
      /^lost the connection to the server: the connection closed unexpectedly; 2 migrated, 2 interrupted and rolled back, 2 not started$/,
    );
    expect(auditOutcomeOf(t, out.stopped)).toBe('partial');
  });

  it('a signal: nothing more starts; exit 130, audit interrupted; nothing done is failed (1)', async () => {
    const c = new AbortController();
    const out = await fanOut(
      [1, 2, 3],
      { ...opts, concurrency: 1, signal: c.signal },
      async (i) => {
        if (i === 1) c.abort(new InterruptedError('interrupted by SIGINT'));
        return i;
      },
    );
    expect(out.map((o) => o.status)).toEqual(['ok', 'skipped', 'skipped']);
    const t = tally(out);
    const err = fanOutError(t, { partial: 'p', failed: 'f', busy: 'b' }, {}, out.stopped);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err?.exitCode).toBe(130);
    expect(auditOutcomeOf(t, out.stopped)).toBe('interrupted');
    const none = fanOutError(
      { done: 0, failed: 0, busy: 0, skipped: 3, interrupted: 0 },
      { partial: 'p', failed: 'f', busy: 'b' },
      {},
      new ConnectionError('lost', { code: 'connection-lost' }),
    );
    expect(none).toBeInstanceOf(FailedError);
    expect(none?.exitCode).toBe(1);
  });

  it('a statement timeout is a failure, not an interruption', () => {
    const timeout = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
    });
    expect(isInterruption(timeout)).toBe(false);
    expect(isInterruption(new Error('x', { cause: new InterruptedError('i') }))).toBe(true);
  });
});

describe('prompts', () => {
  it('Ctrl-C or Ctrl-D at a prompt (ExitPromptError) is a cancellation: exit 130, the message given, no hint', async () => {
    const { asked } = await import('../../src/cli/prompts.js');
    const { hintFor } = await import('../../src/cli/hints.js');
    const closed = Object.assign(new Error('User force closed the prompt with SIGINT'), {
      name: 'ExitPromptError',
    });
    const err = await asked(Promise.reject(closed), 'nothing dropped').catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect([err.message, err.exitCode, err.code, hintFor(err)]).toEqual([
      'cancelled; nothing dropped',
      130,
      'cancelled',
      undefined,
    ]);
    expect(await asked(Promise.resolve('acme'), 'x')).toBe('acme');
  });
});
