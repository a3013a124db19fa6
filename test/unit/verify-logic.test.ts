import { describe, it, expect } from 'vitest';
import { normaliser, buildFingerprints, diffFingerprint } from '../../src/verify/fingerprint.js';
import { isolationProblems, controlProblems, describeGrants } from '../../src/verify/isolation.js';
import type { AclGrant } from '../../src/pg/acl.js';

describe('normaliser', () => {
  it('removes the schema as qualifier and elsewhere, but not inside longer names', () => {
    const n = normaliser('org_t1', ['org_t1_ab12_rw']);
    expect(n(`nextval('org_t1.users_id_seq'::regclass)`)).toBe(`nextval('users_id_seq'::regclass)`);
    expect(n('CREATE INDEX i ON org_t1.users USING btree (x)')).toBe(
      'CREATE INDEX i ON users USING btree (x)',
    );
    expect(n('REFERENCES org_t10.users(id)')).toBe('REFERENCES org_t10.users(id)');
    expect(n('REFERENCES "org_t1".users(id)')).toBe('REFERENCES users(id)');
    expect(n('SET search_path TO org_t1, public')).toBe('SET search_path TO <schema>, public');
    expect(n('TO org_t1_ab12_rw')).toBe('TO <tenant role 1>');
  });
});

function fp(rows: [string, string, string | null, string][]) {
  return buildFingerprints(
    rows.map(([kind, name, parent, def]) => ({ schema: 's', kind, name, parent, def })),
  ).get('s')!;
}

describe('diffFingerprint', () => {
  const ref = fp([
    ['table', 'users', null, 'TABLE'],
    ['column', 'users.id', 'users', 'bigint NOT NULL'],
    ['column', 'users.email', 'users', 'text NOT NULL'],
    ['index', 'users_pkey', 'users', 'CREATE UNIQUE INDEX users_pkey ON users USING btree (id)'],
    ['table', 'notes', null, 'TABLE'],
    ['column', 'notes.body', 'notes', 'text'],
  ]);
  it('is empty for equal structures', () => {
    expect(diffFingerprint(ref, ref)).toEqual([]);
  });
  it('names missing, extra and different objects; a missing table hides its own objects', () => {
    const actual = fp([
      ['table', 'users', null, 'TABLE'],
      ['column', 'users.id', 'users', 'bigint NOT NULL'],
      ['column', 'users.email', 'users', 'character varying(20) NOT NULL'],
      ['column', 'users.nick', 'users', 'text'],
      ['index', 'users_pkey', 'users', 'CREATE UNIQUE INDEX users_pkey ON users USING btree (id)'],
    ]);
    expect(diffFingerprint(ref, actual)).toEqual([
      'missing table notes',
      'extra column users.nick (text)',
      'column users.email differs: expected "text NOT NULL", found "character varying(20) NOT NULL"',
    ]);
  });
});

const grant = (
  schema: string,
  kind: string,
  grantee: string,
  privilege: string,
  objects = 1,
  sample = ['x'],
): AclGrant => ({ schema, kind, grantee, privilege, objects, sample });
const tenants = ['a', 'b', 'c'].map((s) => ({
  slug: s,
  schema: `org_${s}`,
  status: 'active',
  rwRole: `org_${s}_rw`,
  roRole: `org_${s}_ro`,
}));

const iso = (input: Parameters<typeof isolationProblems>[0]) => isolationProblems(input).problems;

describe('isolationProblems', () => {
  const own = tenants.flatMap((t) => [
    grant(t.schema, 'schema', t.rwRole, 'USAGE'),
    grant(t.schema, 'table', t.roRole, 'SELECT', 3, ['a', 'b', 'c']),
  ]);

  it('a fleet where every tenant is reached only by its own roles is clean', () => {
    expect(iso({ tenants, grants: own, members: [], recorded: [] }).size).toBe(0);
  });

  it('PUBLIC: EXECUTE on functions and USAGE on types allowed, anything else reported', () => {
    const grants = [
      ...own,
      grant('org_a', 'function', 'PUBLIC', 'EXECUTE'),
      grant('org_a', 'type', 'PUBLIC', 'USAGE'),
      grant('org_b', 'table', 'PUBLIC', 'SELECT', 1, ['users']),
    ];
    const p = iso({ tenants, grants, members: [], recorded: [] });
    expect([...p.keys()]).toEqual(['b']);
    expect(p.get('b')).toEqual(['PUBLIC has SELECT on table users']);
  });

  it('a role on two tenants is reported where tenantctl did not grant it', () => {
    const grants = [
      ...own,
      grant('org_a', 'schema', 'stray', 'USAGE'),
      grant('org_c', 'schema', 'stray', 'USAGE'),
    ];
    const members = [{ role: 'org_b_ro', member: 'stray' }];
    const p = iso({
      tenants,
      grants,
      members,
      recorded: [{ slug: 'b', role: 'stray' }],
    });
    expect([...p.keys()].sort()).toEqual(['a', 'c']);
    expect(p.get('a')![0]).toMatch(/role stray also reaches b, c/);
    // granted everywhere through tenantctl: clean
    const ok = iso({
      tenants,
      grants,
      members,
      recorded: ['a', 'b', 'c'].map((slug) => ({ slug, role: 'stray' })),
    });
    expect(ok.size).toBe(0);
  });

  it("one tenant's group role on another tenant is reported even when that is its only other reach", () => {
    const p = iso({
      tenants,
      grants: [...own, grant('org_b', 'table', 'org_a_ro', 'SELECT', 1, ['users'])],
      members: [],
      recorded: [],
    });
    expect([...p.keys()]).toEqual(['b']);
    expect(p.get('b')![0]).toMatch(/org_a_ro \(a group role of tenant a\) also reaches a/);
  });

  it('grants an import carried over from the source tenant are a note on the copy, not cross-tenant access', () => {
    const grants = [
      ...own,
      grant('org_a', 'table', 'ext', 'SELECT', 1, ['users']),
      grant('org_b', 'table', 'ext', 'SELECT', 1, ['users']),
    ];
    const input = { tenants, grants, members: [], recorded: [] };
    // without the record of the import, ext reaching a and b is reported on both
    expect([...iso(input).keys()].sort()).toEqual(['a', 'b']);
    const r = isolationProblems({ ...input, carried: [{ slug: 'b', role: 'ext', from: 'a' }] });
    expect(r.problems.size).toBe(0);
    expect(r.notes.get('b')).toEqual([
      'role ext holds SELECT on table users here because the archive of tenant a it was imported from did (not granted by tenantctl)',
    ]);
    // a third, unrelated tenant reached by hand is still cross-tenant access
    const c = isolationProblems({
      ...input,
      grants: [...grants, grant('org_c', 'schema', 'ext', 'USAGE')],
      carried: [{ slug: 'b', role: 'ext', from: 'a' }],
    });
    expect([...c.problems.keys()].sort()).toEqual(['a', 'c']);
  });

  it('a suspended tenant must hold no grants', () => {
    const susp = tenants.map((t) => (t.slug === 'c' ? { ...t, status: 'suspended' } : t));
    const p = iso({ tenants: susp, grants: own, members: [], recorded: [] });
    expect([...p.keys()]).toEqual(['c']);
    expect(p.get('c')!.join('\n')).toMatch(
      /suspended, but role org_c_ro still holds SELECT on 3 tables/,
    );
  });

  it('control schema: every non-owner privilege is a problem', () => {
    expect(controlProblems([grant('tenantctl', 'function', 'PUBLIC', 'EXECUTE')])).toEqual([]);
    expect(
      controlProblems([
        grant('tenantctl', 'table', 'app', 'SELECT', 1, ['tenants']),
        grant('tenantctl', 'schema', 'app', 'USAGE'),
      ]),
    ).toEqual(['app has SELECT on table tenants; USAGE on the schema']);
  });

  it('describes grants compactly', () => {
    expect(
      describeGrants([
        grant('s', 'table', 'r', 'SELECT', 40, ['a', 'b', 'c']),
        grant('s', 'table', 'r', 'INSERT', 40, ['a', 'b', 'c']),
      ]),
    ).toBe('SELECT, INSERT on 40 tables (a, b, c, ...)');
  });
});
