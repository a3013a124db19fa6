import { describe, it, expect } from 'vitest';
import {
  relocate,
  schemaReferences,
  dynamicStatement,
  SCHEMA_MARK,
} from '../../src/archive/relocate.js';
import { orderObjects } from '../../src/archive/schema-ddl.js';
import { staticObject, type ArchiveObject } from '../../src/archive/catalog/model.js';
import { searchPathElements, bodyMentions } from '../../src/archive/catalog/functions.js';
import { manifestProblems } from '../../src/archive/manifest.js';

describe('relocate: what names the source schema lands in the target', () => {
  it('leaves statements that do not name the schema alone', () => {
    const sql = `CREATE VIEW v AS SELECT 'org_src.x' AS label, "org_src" AS col FROM t -- org_src.t`;
    expect(schemaReferences(sql, 'org_src')).toEqual([]);
    expect(relocate(sql, 'org_src')).toBe(sql);
  });

  it('finds qualified references and object names in reg* constants, not inside longer names or bodies', () => {
    const sql = `CREATE INDEX i ON t USING gin (to_tsvector('org_src.english'::regconfig, b)) WHERE c = org_src.f() AND d = "org_src".g() AND e = org_src10.h() AND x = $$ org_src.y $$`;
    const refs = schemaReferences(sql, 'org_src');
    expect(refs.map((r) => sql.slice(r.at, r.at + r.length))).toEqual([
      'org_src.',
      'org_src.',
      '"org_src".',
    ]);
  });

  it('rewrites such a statement as a DO block naming current_schema()', () => {
    expect(relocate(`CREATE TABLE t (l org_src.line, p text DEFAULT '100%')`, 'org_src')).toBe(
      `DO $relocate$ BEGIN EXECUTE format('CREATE TABLE t (l %1$I.line, p text DEFAULT ''100%%'')', current_schema()); END $relocate$`,
    );
    expect(dynamicStatement(`SELECT '$relocate$', ${SCHEMA_MARK}`)).toMatch(/^DO \$relocate0\$ /);
  });
});

function obj(
  id: string,
  priority: number,
  deps: string[] = [],
  extra: Partial<ArchiveObject> = {},
) {
  return {
    ...staticObject({
      id,
      kind: id.split(':')[0],
      name: id,
      section: 'pre',
      priority,
      sql: [id],
      deps,
    }),
    ...extra,
  };
}

describe('orderObjects: topological, kind priority breaks ties, cycles through defaults broken', () => {
  it('puts what an object needs first even against kind priority (a function on a row type after its table)', () => {
    const { pre } = orderObjects({
      objects: [
        obj('view:v', 13, ['function:f']),
        obj('function:f', 5, ['table:t']),
        obj('table:t', 10),
        obj('function:g', 5),
      ],
      edges: [],
    });
    expect(pre.map((n) => n.id)).toEqual(['function:g', 'table:t', 'function:f', 'view:v']);
  });

  it('moves pre-data that needs post-data after it (a view grouping by a primary key)', () => {
    const { pre, post } = orderObjects({
      objects: [
        obj('table:t', 10),
        obj('pk:t', 21, ['table:t'], { section: 'post' }),
        obj('view:v', 13, ['table:t']),
      ],
      edges: [['view:v', 'pk:t']],
    });
    expect(pre.map((n) => n.id)).toEqual(['table:t']);
    expect(post.map((n) => n.id)).toEqual(['pk:t', 'view:v']);
  });

  it('splits a default out of its table when a cycle runs through it, as pg_dump does', () => {
    let built: ReadonlySet<string> = new Set();
    const table: ArchiveObject = {
      ...obj('table:t', 10),
      parts: [
        {
          id: 'default:t.a',
          kind: 'default',
          name: 't.a',
          deps: new Set(),
          separate: 'ALTER TABLE t ALTER a SET DEFAULT f(t)',
        },
      ],
      build: (split) => {
        built = split;
        return [
          split.has('default:t.a')
            ? 'CREATE TABLE t (a int)'
            : 'CREATE TABLE t (a int DEFAULT f(t))',
        ];
      },
    };
    const fn = obj('function:f', 5, ['table:t']);
    const { pre, split } = orderObjects({
      objects: [table, fn],
      edges: [['default:t.a', 'function:f']],
    });
    expect(pre.map((n) => n.id)).toEqual(['table:t', 'function:f', 'default:t.a']);
    expect([...split]).toEqual(['default:t.a']);
    table.build(split);
    expect(built.has('default:t.a')).toBe(true);
  });

  it('fails naming the objects of a cycle nothing can break', () => {
    expect(() =>
      orderObjects({
        objects: [obj('view:a', 13, ['view:b']), obj('view:b', 13, ['view:a'])],
        edges: [],
      }),
    ).toThrow(/cycle that cannot be written in order: view view:a, view view:b/);
  });
});

describe('function settings and bodies', () => {
  it('splits a search_path into its elements, quotes kept', () => {
    expect(searchPathElements('org_src, public')).toEqual(['org_src', 'public']);
    expect(searchPathElements('"$user", "a, b", pg_temp')).toEqual([
      '"$user"',
      '"a, b"',
      'pg_temp',
    ]);
  });

  it('finds the lines of a body that name the schema as an identifier', () => {
    expect(
      bodyMentions(
        'BEGIN\n  RETURN (SELECT count(*) FROM org_src.people);\n  -- org_src10 is another\nEND',
        'org_src',
      ),
    ).toEqual([{ line: 2, text: 'RETURN (SELECT count(*) FROM org_src.people);' }]);
    expect(bodyMentions(`SELECT format('%I.q', 'ORG_SRC')`, 'org_src')).toHaveLength(1);
  });
});

describe('manifest formats', () => {
  const base = {
    format: 'tenantctl-archive',
    tenantctlVersion: '0.1.0',
    serverVersion: '15.20',
    serverVersionNum: 150020,
    createdAt: '2026-01-01T00:00:00Z',
    slug: 'a',
    schema: 'org_a',
    template: null,
    status: 'active',
    roles: { rw: 'x', ro: 'y' },
    migrations: [],
    tables: [],
    access: { acls: [], defaultAcls: [], policies: [] },
    warnings: [],
    files: Object.fromEntries(
      ['pre-data.sql', 'post-data.sql', 'access.sql', 'restore.sql', 'README.txt'].map((n) => [
        n,
        { bytes: 0, sha256: '0'.repeat(64) },
      ]),
    ),
  };
  it('reads format 1 and 2; format 2 must say what it lacks and describe the tenant', () => {
    expect(manifestProblems({ ...base, formatVersion: 1 })).toEqual([]);
    expect(
      manifestProblems({
        ...base,
        formatVersion: 2,
        gaps: [],
        description: [],
        schemaMentions: [],
      }),
    ).toEqual([]);
    expect(manifestProblems({ ...base, formatVersion: 2 })).toEqual([
      'manifest.json: "gaps" must be a list of {object, reason}',
      'manifest.json: "description" must be a list of strings',
      'manifest.json: "schemaMentions" must be a list',
    ]);
    expect(manifestProblems({ ...base, formatVersion: 3 })[0]).toMatch(/reads versions 1 and 2/);
  });
});
