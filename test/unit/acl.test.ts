import { describe, it, expect } from 'vitest';
import {
  revokeObjectSql,
  revokeDefaultSql,
  grantObjectSql,
  grantDefaultSql,
  type AclObject,
} from '../../src/pg/acl.js';
import {
  grantMembershipSql,
  revokeMembershipSql,
  setSearchPathSql,
  resetSearchPathSql,
  setLoginSql,
} from '../../src/pg/roles.js';
import {
  makeSnapshot,
  parseSnapshot,
  restorePlan,
  revokePlan,
  aclDifferences,
} from '../../src/suspend/privileges.js';
import { roleProblem } from '../../src/access/access.js';
import { FailedError } from '../../src/shared/errors.js';

const entry = (
  grantee: string | null,
  privilege: string,
  grantor = 'admin',
  grantable = false,
) => ({ grantee, grantor, privilege, grantable });

const users: AclObject = {
  kind: 'table',
  oid: 100,
  attnum: 0,
  name: 'users',
  owner: 'admin',
  acl: [
    entry('t_rw', 'SELECT'),
    entry('t_rw', 'INSERT'),
    entry('ext', 'SELECT', 'admin', true),
    entry('ext2', 'SELECT', 'ext'),
  ],
};
const fn: AclObject = {
  kind: 'function',
  oid: 200,
  attnum: 0,
  name: 'f',
  owner: 'admin',
  signature: 'org_a.f(integer)',
  acl: [entry(null, 'EXECUTE')],
};
const col: AclObject = {
  kind: 'column',
  oid: 100,
  attnum: 2,
  name: 'e"mail',
  relname: 'users',
  owner: 'admin',
  acl: [entry('ext', 'SELECT')],
};

describe('ACL statements', () => {
  it('revoke: every non-owner grantee of an object in one statement, PUBLIC unquoted, CASCADE', () => {
    expect(revokeObjectSql('org_a', users)).toBe(
      'REVOKE ALL ON TABLE "org_a"."users" FROM "t_rw", "ext", "ext2" CASCADE',
    );
    expect(revokeObjectSql('org_a', fn)).toBe(
      'REVOKE ALL ON ROUTINE org_a.f(integer) FROM PUBLIC CASCADE',
    );
    expect(revokeObjectSql('org_a', col)).toBe(
      'REVOKE ALL ("e""mail") ON TABLE "org_a"."users" FROM "ext" CASCADE',
    );
    expect(revokeObjectSql('org_a', { ...users, acl: [] })).toBeUndefined();
    expect(
      revokeDefaultSql('org_a', { role: 'admin', objtype: 'S', acl: [entry('t_ro', 'SELECT')] }),
    ).toBe(
      'ALTER DEFAULT PRIVILEGES FOR ROLE "admin" IN SCHEMA "org_a" REVOKE ALL ON SEQUENCES FROM "t_ro" CASCADE',
    );
  });

  it('grant: grouped by grantee and grant option, privileges whitelisted', () => {
    expect(grantObjectSql('org_a', users, users.acl.slice(0, 3))).toEqual([
      'GRANT INSERT, SELECT ON TABLE "org_a"."users" TO "t_rw"',
      'GRANT SELECT ON TABLE "org_a"."users" TO "ext" WITH GRANT OPTION',
    ]);
    expect(grantObjectSql('org_a', col, col.acl)).toEqual([
      'GRANT SELECT ("e""mail") ON TABLE "org_a"."users" TO "ext"',
    ]);
    expect(
      grantDefaultSql('org_a', { role: 'admin', objtype: 'r', acl: [entry('t_ro', 'SELECT')] }),
    ).toEqual([
      'ALTER DEFAULT PRIVILEGES FOR ROLE "admin" IN SCHEMA "org_a" GRANT SELECT ON TABLES TO "t_ro"',
    ]);
    expect(() => grantObjectSql('org_a', users, [entry('x', 'SELECT; DROP TABLE y')])).toThrow(
      /unknown privilege/,
    );
  });

  it('membership and role settings: identifiers quoted, options by server version', () => {
    expect(grantMembershipSql('org_a_x_rw', 'App"1', 150000)).toBe(
      'GRANT "org_a_x_rw" TO "App""1"',
    );
    expect(grantMembershipSql('org_a_x_rw', 'app', 160000)).toBe(
      'GRANT "org_a_x_rw" TO "app" WITH INHERIT TRUE, SET FALSE',
    );
    expect(revokeMembershipSql('g', 'app', 'boss', 150000)).toBe('REVOKE "g" FROM "app"');
    expect(revokeMembershipSql('g', 'app', 'boss', 180000)).toBe(
      'REVOKE "g" FROM "app" GRANTED BY "boss"',
    );
    expect(setSearchPathSql('app', 'my db', 'org_a')).toBe(
      'ALTER ROLE "app" IN DATABASE "my db" SET search_path TO "org_a"',
    );
    expect(resetSearchPathSql('app', 'd')).toBe(
      'ALTER ROLE "app" IN DATABASE "d" RESET search_path',
    );
    expect(setLoginSql('app', false)).toBe('ALTER ROLE "app" NOLOGIN');
  });

  it('role names: as stored, control characters and reserved names refused', () => {
    expect(roleProblem('MyApp')).toBeNull();
    expect(roleProblem('x\ny')).toMatch(/control characters/);
    expect(roleProblem('PUBLIC')).toMatch(/PUBLIC/);
    expect(roleProblem('pg_read_all_data')).toMatch(/predefined/);
    expect(roleProblem('a'.repeat(64))).toMatch(/longer than 63 bytes/);
  });
});

describe('snapshot and restore plan', () => {
  const snap = makeSnapshot(
    'org_a',
    [users, fn],
    [{ role: 'admin', objtype: 'r', acl: [entry('t_rw', 'SELECT')] }],
    ['app'],
  );

  it('the stored snapshot has no signatures (recomputed from the catalog when used)', () => {
    expect(JSON.stringify(snap)).not.toContain('org_a.f(integer)');
    expect(revokePlan('org_a', [users, fn], snap.defaults)).toHaveLength(3);
  });

  it('grants in grant-option order, as the recorded grantor; new objects get default privileges; dropped ones and roles are reported', () => {
    const later: AclObject = {
      kind: 'table',
      oid: 300,
      attnum: 0,
      name: 'later',
      owner: 'admin',
      acl: [],
    };
    const current = [{ ...users, acl: [] }, later];
    const plan = restorePlan(
      'org_a',
      parseSnapshot(JSON.parse(JSON.stringify(snap)), 'a'),
      current,
      new Set(['admin', 't_rw', 'ext', 'ext2']),
    );
    expect(plan.statements).toEqual([
      'GRANT INSERT, SELECT ON TABLE "org_a"."users" TO "t_rw"',
      'GRANT SELECT ON TABLE "org_a"."users" TO "ext" WITH GRANT OPTION',
      'SET LOCAL ROLE "ext"',
      'GRANT SELECT ON TABLE "org_a"."users" TO "ext2"',
      'RESET ROLE',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "admin" IN SCHEMA "org_a" GRANT SELECT ON TABLES TO "t_rw"',
      'GRANT SELECT ON TABLE "org_a"."later" TO "t_rw"',
    ]);
    expect(plan.gone).toEqual(['function f']);
    expect(plan.newObjects).toEqual(['table later']);
    expect(plan.missingRoles).toEqual(['app']);
    expect(plan.logins).toEqual([]);
  });

  it('differences name what did not come back', () => {
    expect(
      aclDifferences(
        snap,
        [{ ...users, acl: users.acl.slice(1) }],
        new Set(['admin', 't_rw', 'ext', 'ext2']),
      ),
    ).toEqual(['table users: missing t_rw=SELECT/admin']);
  });

  it('a tampered or missing snapshot is refused before any SQL', () => {
    expect(() => parseSnapshot(null, 'a')).toThrow(FailedError);
    expect(() => parseSnapshot({ ...snap, version: 2 }, 'a')).toThrow(/format version/);
    expect(() =>
      parseSnapshot({ ...snap, defaults: [{ role: 'x', objtype: 'Z', acl: [] }] }, 'a'),
    ).toThrow(/default privileges/);
    expect(() =>
      parseSnapshot({ ...snap, objects: [{ ...users, kind: 'database' }] }, 'a'),
    ).toThrow(/malformed object/);
  });
});
