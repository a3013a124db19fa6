import { describe, it, expect } from 'vitest';
import {
  searchPathNames,
  renamedSearchPath,
  setSearchPathTo,
  alterRoleSearchPathSql,
} from '../../src/pg/search-path.js';

// The stored forms below are what PostgreSQL writes into proconfig / pg_db_role_setting (see
// test/integration/rename.test.ts for the round trip through a real server).
describe('search_path settings as PostgreSQL stores them', () => {
  it('reads names: unquoted folded to lower case, quotes keep case, commas and doubled quotes', () => {
    expect(searchPathNames('org_acme, public')).toEqual(['org_acme', 'public']);
    expect(searchPathNames('"$user", Public')).toEqual(['$user', 'public']);
    expect(searchPathNames('"Org", "a,b", "we""ird"')).toEqual(['Org', 'a,b', 'we"ird']);
    expect(searchPathNames('')).toEqual([]);
  });
  it('replaces the schema only where it is a whole name', () => {
    expect(renamedSearchPath('org_acme, public', 'org_acme', 'org_acme_corp')).toEqual([
      'org_acme_corp',
      'public',
    ]);
    expect(renamedSearchPath('"org_acme"', 'org_acme', 'x')).toEqual(['x']);
    expect(renamedSearchPath('org_acme2, public', 'org_acme', 'x')).toBeUndefined();
  });
  it('writes each name as a literal, which PostgreSQL quotes where needed', () => {
    expect(setSearchPathTo(['org_x', '$user', "o'k"])).toBe(
      "SET search_path TO 'org_x', '$user', 'o''k'",
    );
    expect(alterRoleSearchPathSql('App', 'db', ['org_x'])).toBe(
      `ALTER ROLE "App" IN DATABASE "db" SET search_path TO 'org_x'`,
    );
  });
});
