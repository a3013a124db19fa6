import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../shared/errors.js';
import { BUILTIN_TEMPLATES } from '../shared/paths.js';
import { splitStatements, transactionProblems } from '../pg/split.js';
import { SqlFileError } from '../pg/sql-error.js';
import type { Queryable } from '../pg/pool.js';
import { describeTransactionProblem } from '../control/migration-files.js';

export interface TemplateFile {
  name: string;
  sql: string;
}

export interface Template {
  /** What the registry records: the built-in name, or the directory's absolute path. */
  id: string;
  dir: string;
  files: TemplateFile[];
}

const FILE_RE = /^(\d+)_[A-Za-z0-9._-]+\.sql$/;

export function builtinTemplateNames(): string[] {
  return existsSync(BUILTIN_TEMPLATES)
    ? readdirSync(BUILTIN_TEMPLATES).filter((n) =>
        statSync(path.join(BUILTIN_TEMPLATES, n)).isDirectory(),
      )
    : [];
}

/**
 * A template is a directory of NN_name.sql files applied in numeric order with search_path set to
 * the new tenant's schema. A bare name means a built-in template; anything with a slash or an
 * existing directory is a path.
 */
export function loadTemplate(spec: string, cwd = process.cwd()): Template {
  const looksLikePath = spec.includes('/') || spec.startsWith('.') || path.isAbsolute(spec);
  const builtin = path.join(BUILTIN_TEMPLATES, spec);
  let dir: string;
  let id: string;
  if (!looksLikePath && /^[a-z0-9_-]+$/.test(spec) && existsSync(builtin)) {
    dir = builtin;
    id = spec;
  } else {
    dir = path.resolve(cwd, spec);
    id = dir;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(
        `unknown template ${JSON.stringify(spec)}: not a built-in template (${builtinTemplateNames().join(', ')}) nor a directory`,
      );
    }
  }
  const problems: string[] = [];
  const entries = readdirSync(dir).filter((n) => n.endsWith('.sql'));
  for (const n of entries)
    if (!FILE_RE.test(n))
      problems.push(
        `template file ${JSON.stringify(n)} in ${dir}: name it NN_name.sql (digits, "_", then letters, digits, ".", "-" or "_")`,
      );
  if (problems.length) throw new UsageError(problems);
  if (entries.length === 0) throw new UsageError(`template ${dir} has no NN_name.sql files`);
  const files = entries
    .map((name) => ({ name, order: Number(FILE_RE.exec(name)![1]) }))
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
    .map(({ name }) => ({ name, sql: readFileSync(path.join(dir, name), 'utf8') }));
  // Templates run inside the new tenant's provisioning transaction, which a COMMIT would end.
  for (const f of files)
    for (const p of transactionProblems(f.sql))
      problems.push(describeTransactionProblem(`template file ${path.join(dir, f.name)}`, p));
  if (problems.length)
    throw new UsageError(problems, {
      hint: "a template runs inside the new tenant's transaction: take these statements out (put CREATE INDEX CONCURRENTLY in a disable-transaction migration)",
    });
  return { id, dir, files };
}

/** How errors name a template file: the built-in name or the directory, then the file. */
export function templateFileLabel(template: Template, f: TemplateFile): string {
  return `${template.id === template.dir ? template.dir : template.id}/${f.name}`;
}

/**
 * Runs a template's files in order on the caller's transaction (search_path already on the
 * tenant): each file as one query, or statement by statement, so an error PostgreSQL gives no
 * position for (a constraint, a dependency) still names its statement.
 */
export async function runTemplateFiles(
  client: Queryable,
  template: Template,
  statementByStatement = false,
): Promise<void> {
  for (const f of template.files) {
    const file = templateFileLabel(template, f);
    const steps = statementByStatement
      ? splitStatements(f.sql)
      : [{ sql: f.sql, offset: 0, statement: undefined }];
    for (const st of steps) {
      try {
        await client.query(st.sql);
      } catch (err) {
        throw new SqlFileError(err, {
          label: `template ${file}`,
          file,
          text: f.sql,
          statement: statementByStatement ? st : undefined,
        });
      }
    }
  }
}
