import { describe, it, expect } from 'vitest';
import { splitStatements, stripComments, withoutWord } from '../../src/pg/split.js';
import { groupMigrations } from '../../src/migrate/paths.js';
import type { MigrationFile } from '../../src/control/migration-files.js';

describe('splitStatements', () => {
  it('splits on top-level semicolons only, with starting lines', () => {
    const sql = `-- postgres-migrations disable-transaction
CREATE INDEX CONCURRENTLY a ON t (x);
/* a ; comment /* nested ; */ */
INSERT INTO t VALUES ('a;b', E'it\\'s;', "we;ird", $$ ; $$, $fn$ body; $fn$);
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
-- trailing comment ;
`;
    const st = splitStatements(sql);
    // the nested comment is line 3, so the INSERT starts on line 4
    expect(st.map((s) => s.line)).toEqual([2, 4, 5]);
    expect(st[1].sql).toMatch(/^INSERT INTO t VALUES/);
    expect(st[0].sql).toBe('CREATE INDEX CONCURRENTLY a ON t (x)');
    expect(st[1].sql).toContain(`$fn$ body; $fn$)`);
    expect(st[2].sql).toMatch(/^CREATE FUNCTION f\(\).*\$body\$$/s);
  });
  it('ignores empty statements and comment-only tails', () => {
    expect(splitStatements(';;  -- x\n')).toEqual([]);
    expect(splitStatements('SELECT 1')).toEqual([
      { sql: 'SELECT 1', line: 1, offset: 0, words: ['select'] },
    ]);
  });
  it('a nested block comment after the last statement is not a statement (issue #13)', () => {
    expect(splitStatements('SELECT 1;\n/* x /* y */ */\n').map((s) => s.sql)).toEqual(['SELECT 1']);
  });
  it('stripComments and withoutWord read the same tokens as the splitter', () => {
    expect(stripComments("SELECT '--x' /* a /* b */ c */ , 1 -- tail")).toBe(
      "SELECT '--x'   , 1  ",
    );
    expect(
      withoutWord('CREATE INDEX concurrently i ON t (x) -- CONCURRENTLY\n', 'concurrently'),
    ).toBe('CREATE INDEX  i ON t (x) -- CONCURRENTLY\n');
  });
});

describe('groupMigrations', () => {
  const m = (id: number, transactional = true) => ({ id, transactional }) as MigrationFile;
  it('groups consecutive transactional migrations and isolates the others', () => {
    expect(
      groupMigrations([m(1), m(2), m(3, false), m(4), m(5, false), m(6, false)]).map((g) =>
        g.map((x) => x.id),
      ),
    ).toEqual([[1, 2], [3], [4], [5], [6]]);
  });
});
