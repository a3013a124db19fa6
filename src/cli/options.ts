import { readFile } from 'node:fs/promises';
import { type Command, Option, InvalidArgumentError } from 'commander';
import { UsageError } from '../shared/errors.js';

/** Argument parsers: bad flag values are usage errors (exit 2) with a line saying what is accepted. */
export function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

export const concurrencyOption = () =>
  new Option(
    '--concurrency <n>',
    'tenants worked on at once (default 4, or "concurrency" in the config)',
  )
    .env('TENANTCTL_CONCURRENCY')
    .argParser(positiveInt(64));

export const migrationsDirOption = () =>
  new Option('--migrations-dir <dir>', 'tenant migrations (postgres-migrations layout)').env(
    'TENANTCTL_MIGRATIONS_DIR',
  );

export const templateOption = () =>
  new Option(
    '--template <name|dir>',
    'table template: a built-in name or a directory (default "default")',
  ).env('TENANTCTL_TEMPLATE');

/**
 * The tenant selection of every fan-out (control/selection.ts): --tenant, --exclude and
 * --tenants-from, the same flags and rules on migrate, migrate status, verify and export --all.
 */
export function selectionOptions(cmd: Command, scope = 'only these tenants'): Command {
  return cmd
    .option('--tenant <slug...>', `${scope}: slugs or globs ('acme-*')`)
    .option('--exclude <slug...>', "leave these tenants out: slugs or globs ('test-*')")
    .option(
      '--tenants-from <file>',
      'slugs or globs one per line ("#" comments; "-" reads stdin), added to --tenant',
    );
}

export interface SelectionFlags {
  tenant?: string[];
  exclude?: string[];
  tenantsFrom?: string;
}

/** --tenant plus the lines of --tenants-from; a missing or empty file is a usage error (exit 2). */
export async function readSelection(
  flags: SelectionFlags,
): Promise<{ tenants?: string[]; exclude?: string[] }> {
  let fromFile: string[] = [];
  if (flags.tenantsFrom !== undefined) {
    const file = flags.tenantsFrom;
    let text: string;
    try {
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--tenants-from ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    }
    fromFile = text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .flatMap((line) => (line ? line.split(/[\s,]+/) : []));
    if (!fromFile.length)
      throw new UsageError(`--tenants-from ${file} names no tenant`, {
        hint: 'one slug or glob per line; leave the flag out to select every tenant',
      });
  }
  const tenants = [...(flags.tenant ?? []), ...fromFile];
  return { tenants: tenants.length ? tenants : undefined, exclude: flags.exclude };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
