import { describe, it, expect } from 'vitest';
import { splitStatements } from '../../src/pg/split.js';
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
    expect(st.map((s) => s.line)).toEqual([2, 3, 5]);
    expect(st[0].sql).toBe('CREATE INDEX CONCURRENTLY a ON t (x)');
    expect(st[1].sql).toContain(`$fn$ body; $fn$)`);
    expect(st[2].sql).toMatch(/^CREATE FUNCTION f\(\).*\$body\$$/s);
  });
  it('ignores empty statements and comment-only tails', () => {
    expect(splitStatements(';;  -- x\n')).toEqual([]);
    expect(splitStatements('SELECT 1')).toEqual([{ sql: 'SELECT 1', line: 1 }]);
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
