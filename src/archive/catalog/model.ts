/**
 * What the catalog readers hand to the DDL writer: the tenant's objects, each with the SQL that
 * creates it and the objects it needs first. Identities are catalog keys, `pg_class:16384`, so
 * pg_depend edges map onto them directly.
 */

/** pre-data runs before the rows are loaded, post-data after (keys, indexes, triggers...). */
export type Section = 'pre' | 'post';

/**
 * A piece of an object's creation that is written inline when it can be (a column default or a
 * CHECK constraint inside CREATE TABLE) and as its own statement when a dependency cycle runs
 * through it (a default calling a function that takes the table's row type), as pg_dump does.
 */
export interface ObjectPart {
  id: string;
  kind: string;
  name: string;
  /** Objects the part needs, besides its owner. */
  deps: Set<string>;
  /** The statement that adds the part to an existing owner. */
  separate: string;
}

export interface ArchiveObject {
  id: string;
  /** table, view, function, aggregate, index... for messages and the manifest's description. */
  kind: string;
  /** Schema-free name: `people`, `full_name(p people)`, `people.people_pkey`. */
  name: string;
  section: Section;
  /** Tie-break among objects whose dependencies allow either order (pg_dump's type priority). */
  priority: number;
  deps: Set<string>;
  /** Statements creating the object with the parts not in `split` inline. */
  build(split: ReadonlySet<string>): string[];
  parts?: ObjectPart[];
  /**
   * Facts about the object that survive a round trip unchanged (no deparsed expressions, which
   * PostgreSQL may print differently after a restore): what `export verify --restore` compares.
   */
  describe?: string[];
}

/** A COMMENT ON target and the object (or part) whose creation it follows. */
export interface CommentTarget {
  owner: string;
  ref: string;
}

/** Something the archive does not carry: export refuses unless --allow-incomplete. */
export interface Gap {
  object: string;
  reason: string;
}

/** A routine whose body names the tenant's own schema: a copy under another name would point back. */
export interface SchemaMention {
  routine: string;
  /** Line of the body (1-based) and its text. */
  line: number;
  text: string;
}

/** Owner of catalog rows that are reported as not carried. */
export const GAP = '@gap';

/** Catalog key of an object: `pg_class:16384`, and with a sub-id `pg_class:16384:2` (a column). */
export const key = (catalog: string, oid: number | string, sub = 0): string =>
  sub ? `${catalog}:${oid}:${sub}` : `${catalog}:${oid}`;

export function staticObject(
  o: Omit<ArchiveObject, 'build' | 'deps'> & { sql: string[]; deps?: Iterable<string> },
): ArchiveObject {
  const { sql, deps, ...rest } = o;
  return { ...rest, deps: new Set(deps ?? []), build: () => sql };
}

/**
 * Where the readers record what they found: the objects, which catalog rows belong to which
 * object (so dependencies found in pg_depend land on the right one), what comments attach to.
 */
export class Registry {
  readonly objects: ArchiveObject[] = [];
  /** Catalog key of every row the archive creates -> id of the object or part creating it. */
  readonly owners = new Map<string, string>();
  readonly comments = new Map<string, CommentTarget>();
  readonly gaps: Gap[] = [];
  readonly warnings: string[] = [];
  readonly mentions: SchemaMention[] = [];

  add(o: ArchiveObject, ...alsoOwns: string[]): ArchiveObject {
    this.objects.push(o);
    this.owners.set(o.id, o.id);
    for (const k of alsoOwns) this.owners.set(k, o.id);
    for (const p of o.parts ?? []) this.owners.set(p.id, p.id);
    return o;
  }

  own(catalogKey: string, id: string): void {
    this.owners.set(catalogKey, id);
  }

  commentOn(catalogKey: string, owner: string, ref: string): void {
    this.comments.set(catalogKey, { owner, ref });
  }

  gap(object: string, reason: string): void {
    this.gaps.push({ object, reason });
  }
}

/** Priorities, in the spirit of pg_dump's dbObjectTypePriority. */
export const PRIORITY = {
  collation: 1,
  textSearch: 2,
  conversion: 3,
  type: 4,
  function: 5,
  aggregate: 6,
  operator: 7,
  opfamily: 8,
  sequence: 9,
  table: 10,
  attach: 11,
  tableProperty: 12,
  view: 13,
  ownedBy: 14,
  default: 15,
  check: 16,
  // post-data
  sequenceValue: 20,
  constraint: 21,
  index: 22,
  indexAttach: 23,
  indexProperty: 24,
  foreignKey: 25,
  notValid: 26,
  trigger: 27,
  rule: 28,
  statistics: 29,
  refresh: 30,
} as const;
