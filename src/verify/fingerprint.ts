import type { FingerprintRow } from './fingerprint-sql.js';

export interface FingerprintEntry {
  kind: string;
  name: string;
  parent: string | null;
  def: string;
}

/** Objects of one schema keyed by "kind name", definitions free of the schema's own name. */
export type Fingerprint = Map<string, FingerprintEntry>;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes what differs between tenants by construction: the schema name (qualifying its own
 * objects, or inside a search_path setting) and the tenant's own role names. Identifier
 * boundaries keep org_t1 from matching inside org_t10.
 */
export function normaliser(schema: string, roles: string[] = []): (def: string) => string {
  const forms = [`"${schema.replace(/"/g, '""')}"`, schema].map(escapeRe).join('|');
  const qualified = new RegExp(`(?<![\\w$"])(?:${forms})\\.`, 'g');
  const bare = new RegExp(`(?<![\\w$"])(?:${forms})(?![\\w$"])`, 'g');
  const roleRes = roles.map((r, i) => ({
    re: new RegExp(`(?<![\\w$"])"?${escapeRe(r)}"?(?![\\w$"])`, 'g'),
    to: `<tenant role ${i + 1}>`,
  }));
  return (def) => {
    let out = def.replace(qualified, '').replace(bare, '<schema>');
    for (const { re, to } of roleRes) out = out.replace(re, to);
    return out;
  };
}

/** Groups catalog rows by schema into fingerprints. */
export function buildFingerprints(
  rows: FingerprintRow[],
  rolesOf: (schema: string) => string[] = () => [],
): Map<string, Fingerprint> {
  const out = new Map<string, Fingerprint>();
  const norms = new Map<string, (d: string) => string>();
  for (const r of rows) {
    let fp = out.get(r.schema);
    let norm = norms.get(r.schema);
    if (!fp || !norm) {
      fp = new Map();
      norm = normaliser(r.schema, rolesOf(r.schema));
      out.set(r.schema, fp);
      norms.set(r.schema, norm);
    }
    // Keys too: a function taking a tenant type names the schema in its signature.
    const name = norm(r.name);
    fp.set(`${r.kind} ${name}`, {
      kind: r.kind,
      name,
      parent: r.parent === null ? null : norm(r.parent),
      def: norm(r.def ?? ''),
    });
  }
  return out;
}

const SHORT = 100;

/** Where two long definitions first part, with a little context, so the message stays one line. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 20);
  const snip = (s: string) =>
    JSON.stringify(
      `${from > 0 ? '…' : ''}${s.slice(from, i + 40).replace(/\s+/g, ' ')}${s.length > i + 40 ? '…' : ''}`,
    );
  return `expected ${snip(a)}, found ${snip(b)}`;
}

const KIND_ORDER = [
  'table',
  'foreign table',
  'view',
  'materialized view',
  'type',
  'sequence',
  'column',
  'constraint',
  'index',
  'trigger',
  'policy',
  'function',
  'procedure',
  'aggregate',
];
const rank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
};

/**
 * What is missing, extra or different in `actual` compared with `expected`. Objects of a table
 * that is itself missing or extra are not listed again: "missing table x" says it all.
 */
/** Keys present on both sides whose definitions differ. */
export function changedKeys(expected: Fingerprint, actual: Fingerprint): string[] {
  return [...expected.entries()]
    .filter(([k, e]) => actual.has(k) && actual.get(k)!.def !== e.def)
    .map(([k]) => k);
}

/**
 * Of the changed keys, those whose canonical forms (canonical.ts) agree: the same meaning,
 * spelled differently by PostgreSQL's deparser.
 */
export function sameMeaning(
  keys: string[],
  expected: Fingerprint | undefined,
  actual: Fingerprint | undefined,
): Set<string> {
  const out = new Set<string>();
  if (!expected || !actual) return out;
  for (const k of keys) {
    const e = expected.get(k);
    const a = actual.get(k);
    if (e && a && e.def === a.def) out.add(k);
  }
  return out;
}

export function diffFingerprint(
  expected: Fingerprint,
  actual: Fingerprint,
  spelledDifferently: ReadonlySet<string> = new Set(),
): string[] {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const goneTables = new Set(
    [...missing, ...extra]
      .map((k) => (expected.get(k) ?? actual.get(k))!)
      .filter((e) => e.kind === 'table')
      .map((e) => e.name),
  );
  const covered = (e: FingerprintEntry) =>
    e.kind !== 'table' && e.parent !== null && goneTables.has(e.parent);
  const byKind = (a: FingerprintEntry, b: FingerprintEntry) =>
    rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name);
  const problems: string[] = [];
  for (const e of missing
    .map((k) => expected.get(k)!)
    .filter((e) => !covered(e))
    .sort(byKind)) {
    problems.push(`missing ${e.kind} ${e.name}${e.kind === 'column' ? ` (${e.def})` : ''}`);
  }
  for (const e of extra
    .map((k) => actual.get(k)!)
    .filter((e) => !covered(e))
    .sort(byKind)) {
    problems.push(`extra ${e.kind} ${e.name}${e.kind === 'column' ? ` (${e.def})` : ''}`);
  }
  const changed = [...expected.entries()]
    .filter(([k, e]) => actual.has(k) && actual.get(k)!.def !== e.def && !spelledDifferently.has(k))
    .map(([k, e]) => [e, actual.get(k)!] as const);
  for (const [e, a] of changed.sort((x, y) => byKind(x[0], y[0]))) {
    const detail =
      e.def.length <= SHORT && a.def.length <= SHORT
        ? `expected ${JSON.stringify(e.def)}, found ${JSON.stringify(a.def)}`
        : firstDifference(e.def, a.def);
    problems.push(`${e.kind} ${e.name} differs: ${detail}`);
  }
  return problems;
}
