import { describe, it, expect } from 'vitest';
import { parseSlugs, schemaForSlug, slugProblem, tenantRoleName } from '../../src/shared/names.js';
import { quoteIdent, quoteLiteral } from '../../src/pg/quote.js';

describe('slugs and schema names', () => {
  it('lower-cases and maps "-" to "_"', () => {
    expect(parseSlugs(['New-Company'], 'org_')).toEqual({
      names: [{ slug: 'new-company', schema: 'org_new_company' }],
      problems: [],
    });
    expect(schemaForSlug('a-b-c', 'org_')).toBe('org_a_b_c');
  });

  it.each([
    'x; drop schema public cascade; --',
    'a"b',
    '../etc',
    '',
    '-lead',
    'trail_',
    'ünïcode',
    'İstanbul',
    'a b',
    "o'brien",
    'a\0b',
    'tab\there',
  ])('refuses %j with a line naming it and the rule', (input) => {
    const p = slugProblem(input, 'org_');
    expect(p).toMatch(/invalid slug/);
    expect(p).toContain('letters, digits, "-" and "_"');
    expect(p).toContain('case-insensitive');
  });

  it('refuses slugs whose schema would pass 63 bytes and accepts the longest that fits', () => {
    expect(slugProblem('a'.repeat(59), 'org_')).toBeNull();
    expect(slugProblem('a'.repeat(60), 'org_')).toMatch(/at most 59/);
  });

  it('reports every problem at once, including two slugs mapping to one schema', () => {
    const { problems } = parseSlugs(['a-b', 'a_b', 'bad!', 'ok', 'OK'], 'org_');
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/invalid slug "bad!"/);
    expect(problems.join('\n')).toMatch(/"a-b" and "a_b" both map to schema org_a_b/);
  });

  it('role names carry the database tag and stay within 63 bytes', () => {
    expect(tenantRoleName('org_acme', 'rw', 'abc123')).toBe('org_acme_abc123_rw');
    const long = `org_${'x'.repeat(59)}`;
    const r = tenantRoleName(long, 'ro', 'abc123');
    expect(Buffer.byteLength(r)).toBeLessThanOrEqual(63);
    expect(r.endsWith('_abc123_ro')).toBe(true);
    expect(tenantRoleName(`org_${'x'.repeat(58)}y`, 'ro', 'abc123')).not.toBe(r);
  });
});

describe('quoting', () => {
  it('doubles quotes and refuses what PostgreSQL would truncate', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('x; drop schema public; --')).toBe('"x; drop schema public; --"');
    expect(() => quoteIdent('a'.repeat(64))).toThrow(/63 bytes/);
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
  it('quotes literals like PQescapeLiteral', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe(" E'a\\\\b'");
  });
});
