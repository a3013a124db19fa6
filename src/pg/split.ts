// One scanner for SQL text, modelled on PostgreSQL's own lexer (scan.l) and psql's statement
// splitting (psqlscan.l): it finds comments (nested /* */ and --), strings ('', E'', U&'', B'',
// X'', N''), quoted identifiers ("" and U&""), dollar quotes with tags, bare words, parentheses
// and semicolons. Splitting, comment stripping and the transaction-control check all read its
// tokens, so they cannot disagree about where a comment or a string ends.
//
// Assumes standard_conforming_strings = on (PostgreSQL's default since 9.1): a backslash escapes
// only inside E'' strings.

export type TokenKind =
  | 'space'
  | 'comment'
  | 'string'
  | 'quoted-ident'
  | 'dollar'
  | 'word'
  | 'number'
  | 'open'
  | 'close'
  | 'semicolon'
  | 'other';

export interface Token {
  kind: TokenKind;
  /** Offsets into the text, end exclusive. */
  start: number;
  end: number;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number) => c >= 48 && c <= 57;
// PostgreSQL takes every byte >= 0x80 as an identifier character; in UTF-16, every code unit >= 0x80.
const isIdentStart = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdentCont = (c: number) => isIdentStart(c) || isDigit(c) || c === 36; // $ continues an identifier
const isTagCont = (c: number) => isIdentStart(c) || isDigit(c);

/** End of a '...' literal whose opening quote is at `i`; E'' strings also take backslash escapes. */
function stringEnd(text: string, i: number, backslash: boolean): number {
  let k = i + 1;
  while (k < text.length) {
    const ch = text.charCodeAt(k);
    if (backslash && ch === 92) k += 2;
    else if (ch === 39) {
      if (text.charCodeAt(k + 1) === 39) k += 2;
      else return k + 1;
    } else k++;
  }
  return text.length; // unterminated: PostgreSQL will say so
}

function quotedIdentEnd(text: string, i: number): number {
  let k = i + 1;
  while (k < text.length) {
    if (text.charCodeAt(k) === 34) {
      if (text.charCodeAt(k + 1) === 34) k += 2;
      else return k + 1;
    } else k++;
  }
  return text.length;
}

/** Block comments nest in PostgreSQL: each slash-star needs its own star-slash. */
function blockCommentEnd(text: string, i: number): number {
  let depth = 1;
  let k = i + 2;
  while (k < text.length && depth > 0) {
    if (text.charCodeAt(k) === 47 && text.charCodeAt(k + 1) === 42) {
      depth++;
      k += 2;
    } else if (text.charCodeAt(k) === 42 && text.charCodeAt(k + 1) === 47) {
      depth--;
      k += 2;
    } else k++;
  }
  return k;
}

/** `$tag$` (or `$$`) at i: its length, or 0 when this `$` opens no dollar quote (e.g. `$1`). */
function dollarTagLength(text: string, i: number): number {
  let k = i + 1;
  if (k < text.length && isTagCont(text.charCodeAt(k)) && !isDigit(text.charCodeAt(k))) {
    while (k < text.length && isTagCont(text.charCodeAt(k))) k++;
  }
  return text.charCodeAt(k) === 36 ? k + 1 - i : 0;
}

/** The tokens of `text`, in order, covering every character. */
export function* scan(text: string): Generator<Token> {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    let kind: TokenKind;
    if (isSpace(c)) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      kind = 'space';
    } else if (c === 45 && next === 45) {
      // -- runs to the end of the line (\n or \r, as in scan.l)
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      kind = 'comment';
    } else if (c === 47 && next === 42) {
      i = blockCommentEnd(text, i);
      kind = 'comment';
    } else if (c === 39) {
      i = stringEnd(text, i, false);
      kind = 'string';
    } else if (c === 34) {
      i = quotedIdentEnd(text, i);
      kind = 'quoted-ident';
    } else if (c === 36) {
      const tag = dollarTagLength(text, i);
      if (tag) {
        const close = text.indexOf(text.slice(i, i + tag), i + tag);
        i = close === -1 ? n : close + tag;
        kind = 'dollar';
      } else {
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++; // $1: a parameter
        kind = 'other';
      }
    } else if (isIdentStart(c)) {
      while (i < n && isIdentCont(text.charCodeAt(i))) i++;
      kind = 'word';
      // A one-letter word glued to a quote is a string prefix, as the lexer's longest match has it.
      const after = text.charCodeAt(i);
      const letter = i - start === 1 ? text[start].toLowerCase() : '';
      if (after === 39 && 'ebxn'.includes(letter) && letter !== '') {
        i = stringEnd(text, i, letter === 'e');
        kind = 'string';
      } else if (letter === 'u' && after === 38) {
        const q = text.charCodeAt(i + 1);
        if (q === 39) {
          i = stringEnd(text, i + 1, false);
          kind = 'string';
        } else if (q === 34) {
          i = quotedIdentEnd(text, i + 1);
          kind = 'quoted-ident';
        }
      }
    } else if (isDigit(c)) {
      while (i < n && (isTagCont(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
      kind = 'number';
    } else if (c === 40) {
      i++;
      kind = 'open';
    } else if (c === 41) {
      i++;
      kind = 'close';
    } else if (c === 59) {
      i++;
      kind = 'semicolon';
    } else {
      i++;
      kind = 'other';
    }
    yield { kind, start, end: i };
  }
}

const isNoise = (t: Token) => t.kind === 'space' || t.kind === 'comment';

export interface Statement {
  /** The statement from its first token to its last, without the `;` and surrounding comments. */
  sql: string;
  /** 1-based line of the statement's first token in the text. */
  line: number;
  /** Offset of `sql` in the text (0-based), to map PostgreSQL's error positions back. */
  offset: number;
  /** Its bare words (keywords and unquoted identifiers), lower-cased, in order. */
  words: string[];
}

/**
 * psql's rule for SQL-standard function bodies: in a statement that starts CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE, BEGIN ... END (and CASE ... END inside it) outside parentheses nest, and a
 * semicolon inside them does not end the statement.
 */
class BeginAtomicDepth {
  private letters: string[] = [];
  private count = 0;
  depth = 0;
  word(w: string, parenDepth: number): void {
    if (['create', 'function', 'procedure', 'or', 'replace'].includes(w) && this.count < 4)
      this.letters[this.count] = w[0];
    this.count++;
    const [a, b, c, d] = this.letters;
    const routine =
      a === 'c' && (b === 'f' || b === 'p' || (b === 'o' && c === 'r' && (d === 'f' || d === 'p')));
    if (!routine || parenDepth !== 0) return;
    if (w === 'begin') this.depth++;
    else if (w === 'case' && this.depth >= 1) this.depth++;
    else if (w === 'end' && this.depth > 0) this.depth--;
  }
  reset(): void {
    this.letters = [];
    this.count = 0;
  }
}

/**
 * Splits SQL text into statements as psql does: on semicolons outside strings, quoted
 * identifiers, dollar quotes, comments, parentheses and BEGIN ATOMIC bodies. Statements that are
 * only comments are left out.
 */
export function splitStatements(text: string): Statement[] {
  const out: Statement[] = [];
  let first: Token | undefined;
  let last: Token | undefined;
  let words: string[] = [];
  let parens = 0;
  const atomic = new BeginAtomicDepth();
  const lines = lineCounter(text);
  const push = () => {
    if (first && last)
      out.push({
        sql: text.slice(first.start, last.end),
        line: lines(first.start),
        offset: first.start,
        words,
      });
    first = undefined;
    last = undefined;
    words = [];
    atomic.reset();
  };
  for (const t of scan(text)) {
    if (t.kind === 'semicolon' && parens === 0 && atomic.depth === 0) {
      push();
      continue;
    }
    if (isNoise(t)) continue;
    first ??= t;
    last = t;
    if (t.kind === 'open') parens++;
    else if (t.kind === 'close' && parens > 0) parens--;
    else if (t.kind === 'word') {
      const w = text.slice(t.start, t.end).toLowerCase();
      words.push(w);
      atomic.word(w, parens);
    }
  }
  push();
  return out;
}

/** The text without its comments (each replaced by a space, so tokens never run together). */
export function stripComments(text: string): string {
  let out = '';
  for (const t of scan(text)) out += t.kind === 'comment' ? ' ' : text.slice(t.start, t.end);
  return out;
}

/** The text with every bare word `word` (any case) removed, e.g. CONCURRENTLY; strings and comments untouched. */
export function withoutWord(text: string, word: string): string {
  let out = '';
  for (const t of scan(text)) {
    const s = text.slice(t.start, t.end);
    if (!(t.kind === 'word' && s.toLowerCase() === word)) out += s;
  }
  return out;
}

/**
 * What in a statement cannot run inside tenantctl's per-tenant transaction: transaction control,
 * which would end (or fake) that transaction, and commands PostgreSQL refuses in a transaction
 * block. Returns the command's name, or undefined when the statement is fine there.
 */
export function transactionProblem(
  st: Pick<Statement, 'words'>,
): { kind: 'transaction-control' | 'no-transaction-block'; command: string } | undefined {
  const w = st.words;
  const [a, b, c] = w;
  const control = (command: string) => ({ kind: 'transaction-control' as const, command });
  const outside = (command: string) => ({ kind: 'no-transaction-block' as const, command });
  const has = (x: string) => w.includes(x);
  switch (a) {
    case 'begin':
      return control('BEGIN');
    case 'start':
      return b === 'transaction' ? control('START TRANSACTION') : undefined;
    case 'commit':
      return control(b === 'prepared' ? 'COMMIT PREPARED' : 'COMMIT');
    case 'end':
      return control('END');
    case 'abort':
      return control('ABORT');
    case 'rollback':
      if (b === 'prepared') return control('ROLLBACK PREPARED');
      // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] x stays inside the transaction
      if (b === 'to' || ((b === 'work' || b === 'transaction') && c === 'to')) return undefined;
      return control('ROLLBACK');
    case 'prepare':
      return b === 'transaction' ? control('PREPARE TRANSACTION') : undefined;
    case 'vacuum':
      return outside('VACUUM');
    case 'discard':
      return b === 'all' ? outside('DISCARD ALL') : undefined;
    case 'cluster':
      return w.length === 1 || (w.length === 2 && b === 'verbose')
        ? outside('CLUSTER (every table)')
        : undefined;
    case 'reindex':
      if (has('concurrently')) return outside('REINDEX CONCURRENTLY');
      if (has('database') || has('system'))
        return outside(`REINDEX ${has('database') ? 'DATABASE' : 'SYSTEM'}`);
      return undefined;
    case 'create': {
      if (b === 'database' || b === 'tablespace' || b === 'subscription')
        return outside(`CREATE ${b.toUpperCase()}`);
      const index = b === 'index' ? 1 : b === 'unique' && c === 'index' ? 2 : 0;
      return index && w[index + 1] === 'concurrently'
        ? outside('CREATE INDEX CONCURRENTLY')
        : undefined;
    }
    case 'drop':
      if (b === 'database' || b === 'tablespace' || b === 'subscription')
        return outside(`DROP ${b.toUpperCase()}`);
      return b === 'index' && c === 'concurrently' ? outside('DROP INDEX CONCURRENTLY') : undefined;
    case 'alter':
      if (b === 'system') return outside('ALTER SYSTEM');
      if (b === 'database' && has('set') && has('tablespace'))
        return outside('ALTER DATABASE ... SET TABLESPACE');
      if (b === 'table' && has('detach') && has('concurrently'))
        return outside('ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY');
      return undefined;
    default:
      return undefined;
  }
}

export interface TransactionProblemAt {
  kind: 'transaction-control' | 'no-transaction-block';
  command: string;
  line: number;
  /** The statement's first line. */
  statement: string;
}

/** Every statement of `text` that cannot run inside a transaction someone else opened. */
export function transactionProblems(text: string): TransactionProblemAt[] {
  const out: TransactionProblemAt[] = [];
  for (const st of splitStatements(text)) {
    const p = transactionProblem(st);
    if (p) out.push({ ...p, line: st.line, statement: st.sql.split('\n')[0].trim() });
  }
  return out;
}

/** 1-based line of an offset; asked in increasing order, so the text is read once. */
function lineCounter(text: string): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (; at < offset; at++) if (text.charCodeAt(at) === 10) line++;
    return line;
  };
}
