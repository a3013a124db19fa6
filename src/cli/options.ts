import { Option, InvalidArgumentError } from 'commander';

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
