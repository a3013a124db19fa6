import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { register as registerInit } from './commands/init.js';
import { register as registerCreate } from './commands/create.js';
import { register as registerList } from './commands/list.js';
import { register as registerInfo } from './commands/info.js';
import { register as registerDrop } from './commands/drop.js';
import { register as registerDev } from './commands/dev.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerMigrate } from './commands/migrate.js';
import { register as registerAdopt } from './commands/adopt.js';
import { register as registerAccess } from './commands/access.js';
import { register as registerSuspend } from './commands/suspend.js';
import { register as registerActivate } from './commands/activate.js';
import { register as registerExport } from './commands/export.js';
import { register as registerImport } from './commands/import.js';
import { register as registerStats } from './commands/stats.js';
import { register as registerVerify } from './commands/verify.js';

function version(): string {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
}

/**
 * Commander wiring only. Each command's file declares its flags and loads its core module lazily
 * in the action, so `--help` never pays for pg, chalk or inquirer.
 */
export function buildProgram(): Command {
  const program = new Command('tenantctl')
    .description(
      'Schema-per-tenant PostgreSQL: provision, migrate, suspend, export and verify tenant schemas',
    )
    .version(version(), '--version')
    .addOption(
      new Option(
        '--database-url <url>',
        'PostgreSQL URL (else DATABASE_URL, else PG* variables, else the dev database)',
      ),
    )
    .addOption(
      new Option(
        '--direct-url <url>',
        'direct (or session-mode) URL for what needs a session (migrate, init, disable-transaction migrations) when --database-url is a transaction pooler (env TENANTCTL_DIRECT_URL)',
      ),
    )
    .addOption(new Option('--config <file>', 'config file (default ./tenantctl.config.json)'))
    .addOption(
      new Option('--schema-prefix <prefix>', 'tenant schema prefix (default org_)').env(
        'TENANTCTL_SCHEMA_PREFIX',
      ),
    )
    .addOption(
      new Option('--control-schema <name>', 'control schema (default tenantctl)').env(
        'TENANTCTL_CONTROL_SCHEMA',
      ),
    )
    .addOption(
      new Option(
        '--lock-timeout <duration>',
        'longest wait for a lock, e.g. 5s, 500ms (default 5s)',
      ).env('TENANTCTL_LOCK_TIMEOUT'),
    )
    .option('--json', 'exactly one JSON document on stdout; everything human on stderr')
    .option('-y, --yes', 'answer yes to confirmations (required without a terminal)')
    .option('-q, --quiet', 'only errors and results')
    .option('-v, --verbose', 'more detail, and stack traces on unexpected errors')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .exitOverride()
    .showSuggestionAfterError();
  for (const register of [
    registerInit,
    registerCreate,
    registerList,
    registerInfo,
    registerDrop,
    registerMigrate,
    registerAdopt,
    registerAccess,
    registerSuspend,
    registerActivate,
    registerDev,
    registerDemo,
    registerExport,
    registerImport,
    registerStats,
    registerVerify,
  ]) {
    register(program);
  }
  // Subcommands inherit exitOverride so their parse errors also reach main() as exit 2.
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}
