import { quoteIdent, quoteLiteral } from '../pg/quote.js';
import type { TenantCatalog, CatColumn, CatRelation, CatComment } from './catalog.js';

/**
 * Turns a tenant's catalog into schema-less SQL: every name unqualified, to be run with
 * search_path set to the target schema. Split as pg_dump does (pre-data, data, post-data) so
 * rows load into bare tables and indexes, keys and triggers are built once, afterwards.
 */

const qi = quoteIdent;
const lines = (xs: string[]) => (xs.length ? `${xs.join(';\n')};\n` : '');

export interface CopyTable {
  name: string;
  /** Stored columns in table order; generated columns are left to the server. */
  columns: string[];
}

export interface SchemaDdl {
  preData: string;
  postData: string;
  tables: CopyTable[];
  warnings: string[];
}

function columnSql(
  col: CatColumn,
  identitySeq: { name: string; seq: TenantCatalog['sequences'][number] } | undefined,
): string {
  let s = `${qi(col.name)} ${col.type}`;
  if (col.collation) s += ` COLLATE ${col.collation}`;
  if (col.generated)
    s += ` GENERATED ALWAYS AS (${col.default}) ${col.generated === 'v' ? 'VIRTUAL' : 'STORED'}`;
  else if (col.identity && identitySeq) {
    const q = identitySeq.seq;
    s += ` GENERATED ${col.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (SEQUENCE NAME ${qi(q.name)} START WITH ${q.start} INCREMENT BY ${q.increment} MINVALUE ${q.min} MAXVALUE ${q.max} CACHE ${q.cache}${q.cycle ? ' CYCLE' : ''})`;
  } else if (col.default !== null) s += ` DEFAULT ${col.default}`;
  if (col.notNull) s += ' NOT NULL';
  return s;
}

/** Parents before children, otherwise creation (oid) order. */
function tableOrder(rels: CatRelation[]): CatRelation[] {
  const byName = new Map(rels.map((r) => [r.name, r]));
  const out: CatRelation[] = [];
  const seen = new Set<string>();
  const visit = (r: CatRelation) => {
    if (seen.has(r.name)) return;
    seen.add(r.name);
    for (const p of r.parents) {
      const parent = byName.get(p);
      if (parent) visit(parent);
    }
    out.push(r);
  };
  rels.forEach(visit);
  return out;
}

/** Views and materialized views after everything they read. */
function viewOrder(views: CatRelation[], deps: { view: string; uses: string }[]): CatRelation[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const uses = new Map<string, string[]>();
  for (const d of deps) uses.set(d.view, [...(uses.get(d.view) ?? []), d.uses]);
  const out: CatRelation[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (v: CatRelation) => {
    if (state.get(v.name)) return;
    state.set(v.name, 'visiting');
    for (const u of uses.get(v.name) ?? []) {
      const dep = byName.get(u);
      if (dep) visit(dep);
    }
    state.set(v.name, 'done');
    out.push(v);
  };
  views.forEach(visit);
  return out;
}

function withOptions(options: string[] | null): string {
  return options?.length ? ` WITH (${options.join(', ')})` : '';
}

const RELKIND_WORD: Record<string, string> = {
  r: 'TABLE',
  p: 'TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  S: 'SEQUENCE',
  i: 'INDEX',
  I: 'INDEX',
  f: 'FOREIGN TABLE',
};

function commentSql(c: CatComment): string | null {
  const text = quoteLiteral(c.text);
  switch (c.kind) {
    case 'relation':
      return RELKIND_WORD[c.relkind!]
        ? `COMMENT ON ${RELKIND_WORD[c.relkind!]} ${qi(c.object)} IS ${text}`
        : null;
    case 'column':
      return `COMMENT ON COLUMN ${qi(c.object)}.${qi(c.sub!)} IS ${text}`;
    case 'constraint':
      return `COMMENT ON CONSTRAINT ${qi(c.sub!)} ON ${qi(c.object)} IS ${text}`;
    case 'domain-constraint':
      return `COMMENT ON CONSTRAINT ${qi(c.sub!)} ON DOMAIN ${qi(c.object)} IS ${text}`;
    case 'trigger':
      return `COMMENT ON TRIGGER ${qi(c.sub!)} ON ${qi(c.object)} IS ${text}`;
    case 'policy':
      return `COMMENT ON POLICY ${qi(c.sub!)} ON ${qi(c.object)} IS ${text}`;
    case 'rule':
      return `COMMENT ON RULE ${qi(c.sub!)} ON ${qi(c.object)} IS ${text}`;
    case 'function':
      if (c.prokind !== 'f' && c.prokind !== 'p') return null;
      return `COMMENT ON ${c.prokind === 'p' ? 'PROCEDURE' : 'FUNCTION'} ${qi(c.object)}(${c.signature}) IS ${text}`;
    case 'type':
      // A table's row type shares the table's comment slot; relation comments cover it.
      if (c.typtype === 'c' || c.typtype === 'b') return null;
      return `COMMENT ON ${c.typtype === 'd' ? 'DOMAIN' : 'TYPE'} ${qi(c.object)} IS ${text}`;
    default:
      return null;
  }
}

export function schemaDdl(
  cat: TenantCatalog,
  seqValues: Map<string, { lastValue: string; isCalled: boolean }>,
): SchemaDdl {
  const pre: string[] = [];
  const post: string[] = [];
  const warnings: string[] = [];
  for (const u of cat.unsupported)
    warnings.push(`${u.count} ${u.what}${u.count === 1 ? '' : 's'} in ${cat.schema} not exported`);

  const colsOf = new Map<number, CatColumn[]>();
  for (const c of cat.columns) colsOf.set(c.relid, [...(colsOf.get(c.relid) ?? []), c]);
  const relByName = new Map(cat.relations.map((r) => [r.name, r]));

  // Types: enums first (others may use them), then domains, composites and ranges in creation order.
  for (const t of cat.types.filter((t) => t.kind === 'e')) {
    pre.push(
      `CREATE TYPE ${qi(t.name)} AS ENUM (${(t.labels ?? []).map(quoteLiteral).join(', ')})`,
    );
  }
  for (const t of cat.types.filter((t) => t.kind !== 'e')) {
    if (t.kind === 'd') {
      let s = `CREATE DOMAIN ${qi(t.name)} AS ${t.base}`;
      if (t.default !== null) s += ` DEFAULT ${t.default}`;
      if (t.notNull) s += ' NOT NULL';
      pre.push(s);
      for (const ck of cat.domainChecks.filter((d) => d.typeName === t.name))
        pre.push(`ALTER DOMAIN ${qi(t.name)} ADD CONSTRAINT ${qi(ck.name)} ${ck.def}`);
    } else if (t.kind === 'c') {
      const attrs = (colsOf.get(t.relid) ?? []).map(
        (a) => `${qi(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`,
      );
      pre.push(`CREATE TYPE ${qi(t.name)} AS (${attrs.join(', ')})`);
    } else if (t.kind === 'r') {
      pre.push(`CREATE TYPE ${qi(t.name)} AS RANGE (SUBTYPE = ${t.rangeSubtype})`);
    }
  }

  // Free-standing and serial sequences; identity sequences come with their column.
  for (const s of cat.sequences.filter((s) => s.ownership !== 'i')) {
    pre.push(
      `CREATE SEQUENCE ${qi(s.name)} AS ${s.type} START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} CACHE ${s.cache}${s.cycle ? ' CYCLE' : ''}`,
    );
  }

  const early = cat.functions.filter((f) => f.def !== null && !f.late);
  const late = cat.functions.filter((f) => f.def !== null && f.late);
  for (const f of cat.functions) {
    if (f.mentionsSchema)
      warnings.push(
        `function ${f.name}(${f.identityArgs}) spells the schema name ${cat.schema} in its body or settings; it is copied as is and still points there after a restore under another name`,
      );
  }
  // pg_get_functiondef ends the body without a statement terminator of its own.
  for (const f of early) pre.push(f.def!.trim());

  const identityOf = new Map<string, { name: string; seq: TenantCatalog['sequences'][number] }>();
  for (const s of cat.sequences)
    if (s.ownership === 'i' && s.ownedByTable)
      identityOf.set(`${s.ownedByTable}.${s.ownedByColumn}`, { name: s.name, seq: s });

  const tables = tableOrder(cat.relations.filter((r) => r.kind === 'r' || r.kind === 'p'));
  const copyTables: CopyTable[] = [];
  for (const r of tables) {
    for (const fp of r.foreignParents)
      warnings.push(
        `table ${r.name} inherits from ${fp} outside the schema; restored without that link`,
      );
    const cols = colsOf.get(r.oid) ?? [];
    const head = `CREATE ${r.unlogged ? 'UNLOGGED ' : ''}TABLE ${qi(r.name)}`;
    const partKey = r.partitionKey ? ` PARTITION BY ${r.partitionKey}` : '';
    if (r.partitionBound !== null && r.parents.length === 1) {
      const parent = relByName.get(r.parents[0])!;
      pre.push(
        `${head} PARTITION OF ${qi(parent.name)} ${r.partitionBound}${partKey}${withOptions(r.options)}`,
      );
      const parentCols = new Map((colsOf.get(parent.oid) ?? []).map((c) => [c.name, c]));
      for (const c of cols) {
        const pc = parentCols.get(c.name);
        if (c.notNull && pc && !pc.notNull)
          pre.push(`ALTER TABLE ${qi(r.name)} ALTER COLUMN ${qi(c.name)} SET NOT NULL`);
        if (!c.generated && !c.identity && c.default !== null && c.default !== pc?.default)
          pre.push(`ALTER TABLE ${qi(r.name)} ALTER COLUMN ${qi(c.name)} SET DEFAULT ${c.default}`);
      }
    } else {
      const own = r.parents.length ? cols.filter((c) => c.local) : cols;
      const body = own.map((c) => columnSql(c, identityOf.get(`${r.name}.${c.name}`)));
      const inherits = r.parents.length ? ` INHERITS (${r.parents.map(qi).join(', ')})` : '';
      pre.push(
        `${head} (\n    ${body.join(',\n    ')}\n)${inherits}${partKey}${withOptions(r.options)}`,
      );
    }
    if (r.kind === 'r')
      copyTables.push({
        name: r.name,
        columns: cols.filter((c) => !c.generated).map((c) => c.name),
      });
  }
  // Checks go in before the rows so a bad row is refused at load, as in the source.
  for (const c of cat.constraints.filter((c) => c.type === 'c'))
    pre.push(`ALTER TABLE ${qi(c.table)} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
  for (const s of cat.sequences.filter((s) => s.ownership === 'a' && s.ownedByTable)) {
    pre.push(
      `ALTER SEQUENCE ${qi(s.name)} OWNED BY ${qi(s.ownedByTable!)}.${qi(s.ownedByColumn!)}`,
    );
  }

  const views = viewOrder(
    cat.relations.filter((r) => r.kind === 'v' || r.kind === 'm'),
    cat.viewDeps,
  );
  for (const v of views) {
    if (v.kind === 'v')
      pre.push(`CREATE VIEW ${qi(v.name)}${withOptions(v.options)} AS\n${v.viewDef}`);
    else
      pre.push(
        `CREATE MATERIALIZED VIEW ${qi(v.name)}${withOptions(v.options)} AS\n${v.viewDef}\nWITH NO DATA`,
      );
  }
  for (const f of late) pre.push(f.def!.trim());

  // Post-data: sequence positions, materialized views, keys and indexes, foreign keys, triggers, rules, RLS, comments.
  for (const s of cat.sequences) {
    const v = seqValues.get(s.name);
    if (v)
      post.push(
        `SELECT pg_catalog.setval(${quoteLiteral(qi(s.name))}, ${v.lastValue}, ${v.isCalled})`,
      );
  }
  for (const v of views.filter((v) => v.kind === 'm' && v.populated))
    post.push(`REFRESH MATERIALIZED VIEW ${qi(v.name)}`);
  for (const c of cat.constraints.filter((c) => c.type === 'p' || c.type === 'u' || c.type === 'x'))
    post.push(`ALTER TABLE ${qi(c.table)} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
  for (const i of cat.indexes) post.push(i.def);
  for (const i of cat.indexes.filter((i) => i.clustered))
    post.push(`ALTER TABLE ${qi(i.table)} CLUSTER ON ${qi(i.name)}`);
  for (const c of cat.constraints.filter((c) => c.type === 'f'))
    post.push(`ALTER TABLE ${qi(c.table)} ADD CONSTRAINT ${qi(c.name)} ${c.def}`);
  for (const t of cat.triggers) {
    post.push(t.def);
    const mode = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' }[t.enabled];
    if (mode) post.push(`ALTER TABLE ${qi(t.table)} ${mode} TRIGGER ${qi(t.name)}`);
  }
  for (const r of cat.rules) post.push(r.def.replace(/;\s*$/, ''));
  for (const r of cat.relations) {
    if (r.rowSecurity) post.push(`ALTER TABLE ${qi(r.name)} ENABLE ROW LEVEL SECURITY`);
    if (r.forceRowSecurity) post.push(`ALTER TABLE ${qi(r.name)} FORCE ROW LEVEL SECURITY`);
  }
  for (const s of cat.statistics) post.push(s.def);
  for (const c of cat.comments) {
    const sql = commentSql(c);
    if (sql) post.push(sql);
  }

  return { preData: lines(pre), postData: lines(post), tables: copyTables, warnings };
}
