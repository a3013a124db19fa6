import { quoteLiteral } from '../pg/quote.js';

/**
 * An archive restores under any schema name: its SQL names the tenant's objects unqualified and
 * runs with search_path = <target>, public. A few references come out of PostgreSQL's deparser
 * with the source schema spelled out (a tenant type called `line` that pg_catalog's shadows, a
 * regconfig constant 'org_src.english'::regconfig...). Such a statement is rewritten to name
 * whatever schema it is restored into: a DO block that formats the statement with
 * current_schema(), which is the target under both `import` and restore.sql.
 */

/** Stands for the target schema in a statement template. */
export const SCHEMA_MARK = '\u0001schema\u0001';

const REG_CAST =
  /^\s*::\s*(?:pg_catalog\.)?(regclass|regtype|regproc|regprocedure|regoper|regoperator|regconfig|regdictionary|regnamespace|regcollation)\b/i;

/** Offsets (and lengths) of the schema qualifier `org_src.` / `"org_src".` outside literals and comments. */
export function schemaReferences(sql: string, schema: string): { at: number; length: number }[] {
  const out: { at: number; length: number }[] = [];
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  const plainOk = /^[a-z_][a-z0-9_$]*$/.test(schema);
  const lower = sql.toLowerCase();
  const isIdent = (ch: string | undefined) =>
    ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]) && !isIdent(sql[i - 2]);
      const start = i + 1;
      i++;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      const end = i;
      i++;
      // 'org_src.cfg'::regconfig: an object name inside a constant of an object-identifier type.
      if (REG_CAST.test(sql.slice(i, i + 40))) {
        const body = sql.slice(start, end);
        const form = [schema, quoted].find((f) => body.startsWith(`${f}.`));
        if (form) out.push({ at: start, length: form.length + 1 });
      }
    } else if (ch === '"') {
      if (sql.startsWith(`${quoted}.`, i)) {
        out.push({ at: i, length: quoted.length + 1 });
        i += quoted.length + 1;
        continue;
      }
      i++;
      while (i < n && !(sql[i] === '"' && sql[i + 1] !== '"')) i += sql[i] === '"' ? 2 : 1;
      i++;
    } else if (ch === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m && !isIdent(sql[i - 1])) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close === -1 ? n : close + m[0].length;
      } else i++;
    } else if (isIdent(ch) && !isIdent(sql[i - 1])) {
      let j = i;
      while (j < n && isIdent(sql[j])) j++;
      if (
        plainOk &&
        j - i === schema.length &&
        lower.startsWith(schema, i) &&
        sql[j] === '.' &&
        sql[i - 1] !== '.'
      )
        out.push({ at: i, length: j - i + 1 });
      i = j;
    } else i++;
  }
  return out;
}

/** A statement with SCHEMA_MARK where the target schema goes, as a DO block run at restore time. */
export function dynamicStatement(template: string): string {
  const parts = template.split(SCHEMA_MARK);
  const format = parts.map((p) => p.replace(/%/g, '%%')).join('%1$I');
  let tag = '$relocate$';
  for (let k = 0; template.includes(tag); k++) tag = `$relocate${k}$`;
  return `DO ${tag} BEGIN EXECUTE format(${quoteLiteral(format).trim()}, current_schema()); END ${tag}`;
}

/**
 * The statement as it must be archived: unchanged when it does not name the source schema, else
 * the DO block that names the target instead. Inside a literal the qualifier is replaced by the
 * target quoted as an identifier, which object-identifier input accepts.
 */
export function relocate(sql: string, schema: string): string {
  const refs = schemaReferences(sql, schema);
  if (refs.length === 0) return sql;
  let out = '';
  let from = 0;
  for (const r of refs) {
    out += `${sql.slice(from, r.at)}${SCHEMA_MARK}.`;
    from = r.at + r.length;
  }
  return dynamicStatement(out + sql.slice(from));
}
