export interface Statement {
  sql: string;
  /** 1-based line of the statement's first character in the file. */
  line: number;
}

/**
 * Splits a migration into statements for migrations that cannot run in a transaction: PostgreSQL
 * runs a multi-statement query as one implicit transaction, so CREATE INDEX CONCURRENTLY must be
 * sent alone. Understands quotes, E'' strings, dollar quotes and both comment styles.
 */
export function splitStatements(text: string): Statement[] {
  const out: Statement[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    if (stripComments(raw).trim().length > 0) {
      const lead = leadingNoise(raw);
      out.push({ sql: raw.slice(lead).trim(), line: lineAt(text, start + lead) });
    }
  };
  while (i < n) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '-' && next === '-') {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'") {
      const escapes =
        i > 0 && /[eE]/.test(text[i - 1]) && (i < 2 || !/[A-Za-z0-9_]/.test(text[i - 2]));
      i++;
      while (i < n) {
        if (escapes && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
      i++;
    } else if (ch === '"') {
      i++;
      while (i < n && !(text[i] === '"' && text[i + 1] !== '"')) i += text[i] === '"' ? 2 : 1;
      i++;
    } else if (ch === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (m && !(i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]))) {
        const close = text.indexOf(m[0], i + m[0].length);
        i = close === -1 ? n : close + m[0].length;
      } else i++;
    } else if (ch === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(n);
  return out;
}

/** Length of the whitespace and comments before a statement's first token. */
function leadingNoise(s: string): number {
  const m = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(s);
  return m ? m[0].length : 0;
}

function stripComments(s: string): string {
  return s.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}
