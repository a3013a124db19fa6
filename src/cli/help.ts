import type { Command } from 'commander';

/**
 * Help a newcomer can act on, from one source: each command file declares its examples here, and
 * the --help pages, the man page (scripts/man.mjs) and the completion scripts read the same
 * commander metadata.
 */
export interface Example {
  /** The command line, starting with "tenantctl". */
  cmd: string;
  /** What it does, one short line. */
  does: string;
}

const EXAMPLES = new WeakMap<Command, Example[]>();

/** Declares a command's examples (2-4) and shows them at the end of its --help. */
export function examples(cmd: Command, list: Example[]): Command {
  EXAMPLES.set(cmd, list);
  cmd.addHelpText('after', () => `\n${formatExamples(list)}`);
  return cmd;
}

export function examplesOf(cmd: Command): Example[] {
  return EXAMPLES.get(cmd) ?? [];
}

function formatExamples(list: Example[]): string {
  return ['Examples:', ...list.flatMap((e) => [`  # ${e.does}`, `  $ ${e.cmd}`])].join('\n');
}

/** SPEC "Exit codes", shown in the program's help and the man page. */
export const EXIT_CODES: [number, string][] = [
  [0, 'done'],
  [1, 'failed; the tenant concerned is unchanged (also: a check found problems, a name not found)'],
  [2, 'usage or invalid input, found before anything was touched'],
  [3, 'partial: a fan-out finished with some tenants failed and the rest done'],
  [4, 'busy: a lock held by another run could not be had within --lock-timeout'],
  [130, 'cancelled at a prompt (Ctrl-C), or interrupted by SIGINT: running statements cancelled'],
  [143, 'interrupted by SIGTERM, as 130'],
];

export function exitCodesText(): string {
  return [
    'Exit codes:',
    ...EXIT_CODES.map(([code, what]) => `  ${String(code).padEnd(4)}${what}`),
  ].join('\n');
}

/** The environment variables tenantctl reads, for the program's help and the man page. */
export const ENVIRONMENT: [string, string][] = [
  ['DATABASE_URL', 'PostgreSQL URL when --database-url is not given'],
  [
    'PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE',
    'read as psql reads them when no URL is given; ~/.pgpass (or PGPASSFILE) as well',
  ],
  ['PGCONNECT_TIMEOUT', 'seconds to wait for a connection (default 10; 0 waits for ever)'],
  [
    'TENANTCTL_*',
    'SCHEMA_PREFIX, CONTROL_SCHEMA, TEMPLATE, MIGRATIONS_DIR, CONCURRENCY, LOCK_TIMEOUT, DIRECT_URL',
  ],
  [
    'TENANTCTL_SECRET_KEY, TENANTCTL_SECRET_KEY_FILE',
    "the key (32 bytes, hex or base64) that seals fleet servers' stored passwords",
  ],
  ['NO_COLOR, FORCE_COLOR', 'no colour / colour even without a terminal (--color beats both)'],
];

/** Every command below `cmd`, depth first, `cmd` included. */
export function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

/** "migrate status" for that command; "" for the program itself. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
