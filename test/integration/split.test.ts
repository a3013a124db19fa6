import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { splitStatements, transactionProblem } from '../../src/pg/split.js';

// The splitter's expected values are checked by PostgreSQL itself: every expected statement is
// sent alone through the extended query protocol, which refuses more than one statement per
// message ("cannot insert multiple commands into a prepared statement", 42601) and, like any
// parse, refuses a fragment with a syntax error (42601). Statements run in order inside a
// transaction that is rolled back, each under a savepoint, so a case may also name the SQLSTATE
// its statement is expected to fail with (it then parsed).
let db: TestDb;
let client: pg.Client;

beforeAll(async () => {
  db = await freshDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.cleanup();
});

interface Case {
  name: string;
  sql: string;
  statements: string[];
  lines: number[];
  /** SQLSTATE a statement (by index) fails with on the server, when it is not expected to succeed. */
  fails?: Record<number, string>;
}

const CASES: Case[] = [
  {
    name: 'a nested block comment after the last statement (the issue #13 input)',
    sql: 'SELECT 1;\n/* x /* y */ */\n',
    statements: ['SELECT 1'],
    lines: [1],
  },
  {
    name: 'nested comments holding semicolons, quotes and a star-slash of the inner level',
    sql: '/* a ; \'b /* c ; " */ still comment ; */ SELECT 2; /*/ x */ SELECT 3',
    statements: ['SELECT 2', 'SELECT 3'],
    lines: [1, 1],
  },
  {
    name: 'comment starts glued to operators',
    sql: 'SELECT 2*/*c;*/3; SELECT 4 +--x;\n5',
    statements: ['SELECT 2*/*c;*/3', 'SELECT 4 +--x;\n5'],
    lines: [1, 1],
  },
  {
    name: 'line comments with semicolons, CRLF line endings',
    sql: 'SELECT 1 -- ; not a split\r\n;\r\nSELECT 2 -- tail ;\r\n',
    statements: ['SELECT 1', 'SELECT 2'],
    lines: [1, 3],
  },
  {
    name: 'dollar quotes with and without tags, a different tag inside, and $ in identifiers',
    sql: 'SELECT $$a;b$$; SELECT $fn$ x $$ ; $ $fn$; SELECT 1 AS a$b, 2 AS x$$; SELECT $a$ $b$ ; $a$',
    statements: [
      'SELECT $$a;b$$',
      'SELECT $fn$ x $$ ; $ $fn$',
      'SELECT 1 AS a$b, 2 AS x$$',
      'SELECT $a$ $b$ ; $a$',
    ],
    lines: [1, 1, 1, 1],
  },
  {
    name: 'a DO block whose dollar-quoted body holds another dollar quote with semicolons',
    sql: 'DO $do$ BEGIN EXECUTE $x$SELECT 1; SELECT 2$x$; END $do$;\nSELECT 3',
    statements: ['DO $do$ BEGIN EXECUTE $x$SELECT 1; SELECT 2$x$; END $do$', 'SELECT 3'],
    lines: [1, 2],
  },
  {
    name: 'parameters are not dollar quotes',
    sql: 'PREPARE q(int) AS SELECT $1; EXECUTE q(1); DEALLOCATE q',
    statements: ['PREPARE q(int) AS SELECT $1', 'EXECUTE q(1)', 'DEALLOCATE q'],
    lines: [1, 1, 1],
  },
  {
    name: "E'' strings take backslash escapes; standard strings and typed literals do not",
    sql: "SELECT E'it\\'s; here', e'\\\\';\nSELECT 'plain\\';\nSELECT text'\\'; SELECT 4",
    statements: [
      "SELECT E'it\\'s; here', e'\\\\'",
      "SELECT 'plain\\'",
      "SELECT text'\\'",
      'SELECT 4',
    ],
    lines: [1, 2, 3, 3],
  },
  {
    name: 'doubled quotes inside strings and quoted identifiers',
    sql: `CREATE TABLE "we""ird;" (id int, "x;y" text DEFAULT 'a'';b');\nSELECT "x;y" FROM "we""ird;"`,
    statements: [
      `CREATE TABLE "we""ird;" (id int, "x;y" text DEFAULT 'a'';b')`,
      'SELECT "x;y" FROM "we""ird;"',
    ],
    lines: [1, 2],
  },
  {
    name: 'U&\'\' strings and U&"" identifiers',
    sql: `SELECT U&'d\\0061t\\+000061;' AS U&"a;b"; SELECT u&'x;' AS "u&"`,
    statements: [`SELECT U&'d\\0061t\\+000061;' AS U&"a;b"`, `SELECT u&'x;' AS "u&"`],
    lines: [1, 1],
  },
  {
    name: 'bit, hex and national strings',
    sql: "SELECT B'101', X'1F', N'nat;ional'; SELECT 5",
    statements: ["SELECT B'101', X'1F', N'nat;ional'", 'SELECT 5'],
    lines: [1, 1],
  },
  {
    name: 'BEGIN ATOMIC bodies, with CASE ... END inside, and CREATE OR REPLACE PROCEDURE',
    sql: `CREATE TABLE t (x int);
CREATE FUNCTION f1(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
  SELECT 2;
END;
CREATE OR REPLACE PROCEDURE p1() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END;
SELECT f1(1)`,
    statements: [
      'CREATE TABLE t (x int)',
      'CREATE FUNCTION f1(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND',
      'CREATE OR REPLACE PROCEDURE p1() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END',
      'SELECT f1(1)',
    ],
    lines: [1, 2, 7, 8],
  },
  {
    name: 'a function whose parameter is named begin does not open a body',
    sql: 'CREATE FUNCTION f2("begin" int) RETURNS int LANGUAGE sql RETURN 1; SELECT f2(1)',
    statements: [
      'CREATE FUNCTION f2("begin" int) RETURNS int LANGUAGE sql RETURN 1',
      'SELECT f2(1)',
    ],
    lines: [1, 1],
  },
  {
    name: 'empty statements and comment-only tails',
    sql: ';;  -- x\n/* y */ ;',
    statements: [],
    lines: [],
  },
  {
    name: 'statements PostgreSQL refuses in a transaction block still split as one statement each',
    sql: 'CREATE TABLE u (x int);\nCREATE INDEX CONCURRENTLY u_x ON u (x);\nVACUUM u;',
    statements: ['CREATE TABLE u (x int)', 'CREATE INDEX CONCURRENTLY u_x ON u (x)', 'VACUUM u'],
    lines: [1, 2, 3],
    fails: { 1: '25001', 2: '25001' },
  },
];

/** Runs one statement alone, extended protocol, under a savepoint: its SQLSTATE, or 'ok'. */
async function serverVerdict(sql: string): Promise<string> {
  await client.query('SAVEPOINT s');
  try {
    await client.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig);
    await client.query('RELEASE s');
    return 'ok';
  } catch (err) {
    await client.query('ROLLBACK TO s');
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

describe('splitStatements, checked by PostgreSQL', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const st = splitStatements(c.sql);
      expect(st.map((s) => s.sql)).toEqual(c.statements);
      expect(st.map((s) => s.line)).toEqual(c.lines);
      // each statement's offset points at its text in the file
      for (const s of st) expect(c.sql.slice(s.offset, s.offset + s.sql.length)).toBe(s.sql);
      await client.query('BEGIN');
      try {
        await client.query(`CREATE SCHEMA split_case; SET LOCAL search_path = split_case`);
        const verdicts: string[] = [];
        for (const s of c.statements) verdicts.push(await serverVerdict(s));
        expect(verdicts).toEqual(c.statements.map((_, i) => c.fails?.[i] ?? 'ok'));
      } finally {
        await client.query('ROLLBACK');
      }
    });
  }

  it('the check can fail: what the old splitter made of a nested comment is a syntax error', async () => {
    await client.query('BEGIN');
    try {
      expect(await serverVerdict('*/')).toBe('42601');
      expect(await serverVerdict('SELECT 1; SELECT 2')).toBe('42601'); // two statements in one
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

describe('transactionProblem, checked by PostgreSQL', () => {
  const words = (sql: string) => splitStatements(sql)[0];

  it('transaction control: PostgreSQL itself calls each a transaction command', async () => {
    const control = [
      'BEGIN',
      'begin work',
      'START TRANSACTION ISOLATION LEVEL SERIALIZABLE',
      'COMMIT',
      'COMMIT AND CHAIN',
      'END',
      'ROLLBACK',
      'ABORT',
      "PREPARE TRANSACTION 'x'",
      "COMMIT PREPARED 'x'",
      "ROLLBACK PREPARED 'x'",
    ];
    for (const sql of control) {
      expect(transactionProblem(words(sql))?.kind, sql).toBe('transaction-control');
      // PL/pgSQL's EXECUTE refuses exactly the transaction commands (0A000)
      const r = await client
        .query(`DO $d$ BEGIN EXECUTE $s$${sql}$s$; END $d$`)
        .then(() => 'ok')
        .catch((e) => e.code);
      expect(r, sql).toBe('0A000');
    }
  });

  it('savepoints stay inside the transaction: allowed, and the transaction is still ours after them', async () => {
    const inside = [
      'SAVEPOINT a',
      'ROLLBACK TO SAVEPOINT a',
      'ROLLBACK TO a',
      'ROLLBACK WORK TO a',
      'RELEASE SAVEPOINT a',
    ];
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('tenantctl_test.mark', 'ours', true)`);
      for (const sql of inside) {
        expect(transactionProblem(words(sql)), sql).toBeUndefined();
        await client.query(sql);
      }
      const { rows } = await client.query(
        `SELECT current_setting('tenantctl_test.mark', true) AS m`,
      );
      expect(rows[0].m).toBe('ours');
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('commands PostgreSQL refuses inside a transaction block fail there with 25001', async () => {
    const dbName = db.name;
    const outside = [
      'VACUUM',
      'VACUUM (ANALYZE) t',
      'CREATE INDEX CONCURRENTLY i ON t (x)',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i2 ON t (x)',
      'DROP INDEX CONCURRENTLY IF EXISTS i',
      'REINDEX TABLE CONCURRENTLY t',
      'REINDEX (VERBOSE) INDEX CONCURRENTLY i0',
      `REINDEX SYSTEM ${dbName}`,
      `REINDEX DATABASE ${dbName}`,
      'CREATE DATABASE tenantctl_never',
      'DROP DATABASE IF EXISTS tenantctl_never',
      "CREATE TABLESPACE tenantctl_never LOCATION '/nonexistent'",
      'DROP TABLESPACE IF EXISTS tenantctl_never',
      "ALTER SYSTEM SET work_mem = '4MB'",
      'DISCARD ALL',
      'CLUSTER',
      'ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY',
      `ALTER DATABASE ${dbName} SET TABLESPACE pg_default`,
    ];
    const fine = [
      'CREATE INDEX i ON t (x)',
      'REINDEX TABLE t',
      'ANALYZE t',
      'CLUSTER t USING i0',
      'DROP INDEX IF EXISTS i',
      'PREPARE q AS SELECT 1',
      'ALTER TABLE p DETACH PARTITION p1',
    ];
    await client.query('BEGIN');
    try {
      await client.query(`CREATE SCHEMA tx_probe; SET LOCAL search_path = tx_probe;
        CREATE TABLE t (x int); CREATE INDEX i0 ON t (x);
        CREATE TABLE p (x int) PARTITION BY RANGE (x); CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10)`);
      for (const sql of outside) {
        expect(transactionProblem(words(sql))?.kind, sql).toBe('no-transaction-block');
        expect(await serverVerdict(sql), sql).toBe('25001');
      }
      for (const sql of fine) {
        expect(transactionProblem(words(sql)), sql).toBeUndefined();
        expect(await serverVerdict(sql), sql).toBe('ok');
      }
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
