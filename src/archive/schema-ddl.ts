import { FailedError } from '../shared/errors.js';
import type { ArchiveObject, ObjectPart, Section } from './catalog/model.js';
import type { CopyTable, TenantCatalog } from './catalog.js';
import { setvalSql } from './catalog/sequences.js';
import { relocate } from './relocate.js';

/**
 * Writes a tenant's objects as schema-less SQL, to be run with search_path = <target>, public:
 * pre-data (everything the rows need), the rows (COPY), post-data (keys, indexes, foreign keys,
 * triggers, rules, statistics, materialized view contents), as pg_dump splits it. Within each
 * section objects come in a topological order of their pg_depend edges, the way pg_dump sorts its
 * archive: an object is written once everything it needs is, ties broken by kind (collations,
 * text search, types, functions... first) and creation order. Functions whose bodies are not
 * checked at creation (check_function_bodies = off in the restore) come as early as their
 * signatures allow. A cycle through a column default or CHECK constraint is broken by adding it
 * after the table, as pg_dump does.
 */

export type { CopyTable };

export interface SchemaDdl {
  preData: string;
  postData: string;
  tables: CopyTable[];
  warnings: string[];
  /** Object facts that survive a round trip: what `export verify --restore` compares. */
  description: string[];
}

interface Node {
  id: string;
  kind: string;
  name: string;
  section: Section;
  priority: number;
  seq: number;
  deps: Set<string>;
  object?: ArchiveObject;
  part?: ObjectPart;
}

const lines = (xs: string[]) => (xs.length ? `${xs.join(';\n')};\n` : '');

/** Smallest (priority, seq) first. */
class Ready {
  private heap: Node[] = [];
  get size() {
    return this.heap.length;
  }
  private less(a: Node, b: Node) {
    return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
  }
  push(n: Node) {
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Node {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Kahn's algorithm; returns the order and whatever is left in a cycle. */
function topoSort(nodes: Node[]): { order: Node[]; stuck: Node[] } {
  const ids = new Set(nodes.map((n) => n.id));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, Node[]>();
  for (const n of nodes) {
    let count = 0;
    for (const d of n.deps) {
      if (!ids.has(d)) continue;
      count++;
      dependents.set(d, [...(dependents.get(d) ?? []), n]);
    }
    waiting.set(n.id, count);
  }
  const ready = new Ready();
  for (const n of nodes) if (waiting.get(n.id) === 0) ready.push(n);
  const order: Node[] = [];
  while (ready.size) {
    const n = ready.pop();
    order.push(n);
    for (const m of dependents.get(n.id) ?? []) {
      const left = waiting.get(m.id)! - 1;
      waiting.set(m.id, left);
      if (left === 0) ready.push(m);
    }
  }
  const done = new Set(order.map((n) => n.id));
  return { order, stuck: nodes.filter((n) => !done.has(n.id)) };
}

/** Orders the catalog's objects; throws when a cycle cannot be broken. */
export function orderObjects(cat: Pick<TenantCatalog, 'objects' | 'edges'>): {
  pre: Node[];
  post: Node[];
  split: Set<string>;
} {
  const objects = new Map(cat.objects.map((o) => [o.id, o]));
  const parts = new Map<string, { part: ObjectPart; owner: ArchiveObject }>();
  for (const o of cat.objects)
    for (const p of o.parts ?? []) parts.set(p.id, { part: p, owner: o });
  for (const [from, to] of cat.edges) {
    const p = parts.get(from);
    if (p) {
      if (to !== p.owner.id) p.part.deps.add(to);
    } else objects.get(from)?.deps.add(to);
  }
  const split = new Set<string>();
  const seqOf = new Map(cat.objects.map((o, i) => [o.id, i]));
  for (;;) {
    // Where a dependency lands: a split part is its own node, an inline one is its owner.
    const target = (id: string) => (parts.has(id) && !split.has(id) ? parts.get(id)!.owner.id : id);
    const nodes = new Map<string, Node>();
    for (const o of cat.objects) {
      const deps = new Set<string>();
      for (const d of o.deps) deps.add(target(d));
      for (const p of o.parts ?? [])
        if (!split.has(p.id)) for (const d of p.deps) deps.add(target(d));
      deps.delete(o.id);
      nodes.set(o.id, {
        id: o.id,
        kind: o.kind,
        name: o.name,
        section: o.section,
        priority: o.priority,
        seq: seqOf.get(o.id)!,
        deps,
        object: o,
      });
    }
    for (const id of split) {
      const { part, owner } = parts.get(id)!;
      const deps = new Set([owner.id, ...[...part.deps].map(target)]);
      deps.delete(id);
      nodes.set(id, {
        id,
        kind: part.kind,
        name: part.name,
        section: owner.section,
        priority: owner.priority + 0.5,
        seq: seqOf.get(owner.id)!,
        deps,
        part,
      });
    }
    // Pre-data must not wait for post-data: a view grouping by a primary key needs the key.
    let changed = true;
    let resplit = false;
    while (changed) {
      changed = false;
      for (const n of nodes.values()) {
        if (n.section !== 'pre') continue;
        const late = [...n.deps].filter((d) => nodes.get(d)?.section === 'post');
        if (late.length === 0) continue;
        const o = n.object;
        const movable = o?.parts?.filter(
          (p) => !split.has(p.id) && [...p.deps].some((d) => late.includes(target(d))),
        );
        if (movable?.length) {
          for (const p of movable) split.add(p.id);
          resplit = true;
          break;
        }
        if (o && (o.kind === 'table' || o.kind === 'foreign table'))
          throw new FailedError(
            `${o.kind} ${o.name} needs ${late.map((d) => describe(nodes.get(d)!)).join(', ')}, which are created after the data`,
          );
        n.section = 'post';
        changed = true;
      }
      if (resplit) break;
    }
    if (resplit) continue;
    const pre = topoSort([...nodes.values()].filter((n) => n.section === 'pre'));
    const post = topoSort([...nodes.values()].filter((n) => n.section === 'post'));
    const stuck = [...pre.stuck, ...post.stuck];
    if (stuck.length === 0) return { pre: pre.order, post: post.order, split };
    const stuckIds = new Set(stuck.map((n) => n.id));
    let broke = false;
    for (const n of stuck)
      for (const p of n.object?.parts ?? [])
        if (!split.has(p.id) && [...p.deps].some((d) => stuckIds.has(target(d)))) {
          split.add(p.id);
          broke = true;
        }
    if (!broke)
      throw new FailedError(
        `the tenant's objects depend on each other in a cycle that cannot be written in order: ${stuck.map(describe).join(', ')}`,
      );
  }
}

const describe = (n: { kind: string; name: string }) => `${n.kind} ${n.name}`;

/** Pre-data and post-data SQL of a tenant, with sequence positions and its description. */
export function schemaDdl(
  cat: TenantCatalog,
  seqValues: Map<string, { lastValue: string; isCalled: boolean }>,
): SchemaDdl {
  const { pre, post, split } = orderObjects(cat);
  const emit = (n: Node): string[] => {
    const out = n.part ? [n.part.separate] : n.object!.build(split);
    out.push(...(cat.comments.get(n.id) ?? []));
    for (const p of n.object?.parts ?? [])
      if (!split.has(p.id)) out.push(...(cat.comments.get(p.id) ?? []));
    return out.map((sql) => relocate(sql, cat.schema));
  };
  const preSql = pre.flatMap(emit);
  // Materialized views are refreshed last, in the order they were created (one may read another).
  const position = new Map(pre.map((n, i) => [n.id, i]));
  const refreshes = post
    .filter((n) => n.kind === 'refresh')
    .sort((a, b) => (position.get([...a.deps][0]) ?? 0) - (position.get([...b.deps][0]) ?? 0));
  const postSql = [
    ...cat.sequences.flatMap((name) => {
      const v = seqValues.get(name);
      return v ? [setvalSql(name, v)] : [];
    }),
    ...post.filter((n) => n.kind !== 'refresh').flatMap(emit),
    ...refreshes.flatMap(emit),
  ];
  const warnings = [...cat.warnings];
  for (const m of cat.mentions)
    warnings.push(
      `function ${m.routine} names its schema ${cat.schema} in its body (line ${m.line}: ${m.text}); a copy under another name still points there (import --as refuses it unless --force)`,
    );
  return {
    preData: lines(preSql),
    postData: lines(postSql),
    tables: cat.tables,
    warnings,
    description: describeTenant(cat),
  };
}

/** Facts about every object that a restore must reproduce, sorted, schema-free. */
export function describeTenant(
  cat: Pick<TenantCatalog, 'objects' | 'comments' | 'access'>,
): string[] {
  const out: string[] = [];
  for (const o of cat.objects) out.push(...(o.describe ?? [describe(o)]));
  for (const list of cat.comments.values()) out.push(...list);
  for (const p of cat.access.policies)
    out.push(`policy ${p.table}.${p.name}${p.comment ? ` ${p.comment}` : ''}`);
  return out.filter((l) => l.length > 0).sort();
}
