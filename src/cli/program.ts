import { Command, Option } from 'commander';
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
import { register as registerRename } from './commands/rename.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerVersion } from './commands/version.js';
import { register as registerCompletion } from './commands/completion.js';
import { examples, exitCodesText, ENVIRONMENT, allCommands, commandPath } from './help.js';
import { setCommand } from './envelope.js';
import { offlineVersions, versionLines } from './version.js';
import { register as registerServer } from './commands/server.js';
import { register as registerRoute } from './commands/route.js';

/**
 * `tenantctl help migrate status`: commander's own help command takes one name; this one walks a
 * whole command path, as kubectl's does.
 */
function registerHelp(program: Command): void {
  const cmd = program
    .command('help')
    .description('display help for a command')
    .argument('[command...]', 'a command path, e.g. migrate status')
    .action((names: string[]) => {
      let target = program;
      for (const name of names) {
        const next = target.commands.find((c) => c.name() === name);
        if (!next) cmd.error(`error: unknown command '${names.join(' ')}'`);
        target = next!;
      }
      target.help();
    });
  examples(cmd, [
    { cmd: 'tenantctl help migrate status', does: 'the help of one command' },
    { cmd: 'tenantctl help', does: 'every command, the global options and the exit codes' },
  ]);
}

export interface ProgramOptions {
  /** Where help and version text go (main captures it for the JSON envelope under --json). */
  writeOut?: (s: string) => void;
}

/**
 * Commander wiring only. Each command's file declares its flags and examples and loads its core
 * module lazily in the action, so `--help` never pays for pg, chalk or inquirer.
 */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('tenantctl')
    .description(
      'Schema-per-tenant PostgreSQL: provision, migrate, suspend, export and verify tenant schemas',
    )
    // Set before any command is added: subcommands copy these settings when they are created.
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({ writeOut: options.writeOut ?? ((s) => process.stdout.write(s)) })
    .version(
      versionLines(offlineVersions()).trimEnd(),
      '-V, --version',
      'print the versions of tenantctl and Node (`tenantctl version` adds the server)',
    )
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
    .option(
      '--json',
      'exactly one JSON document on stdout (README "JSON output"); humans on stderr',
    )
    .option(
      '--ndjson',
      'per-tenant results as JSON lines on stdout as they happen, then the document',
    )
    .option('-y, --yes', 'answer yes to confirmations (required without a terminal)')
    .option('-q, --quiet', 'only errors and results')
    .option('-v, --verbose', 'more detail, and stack traces on unexpected errors')
    .addOption(
      new Option('--color <when>', 'colour: always, never or auto (a terminal)').choices([
        'always',
        'never',
        'auto',
      ]),
    )
    .option('--no-color', 'no colour (also NO_COLOR; FORCE_COLOR forces it)')
    .showSuggestionAfterError();
  examples(program, [
    { cmd: 'tenantctl demo', does: 'try it end to end on a local embedded PostgreSQL' },
    {
      cmd: 'DATABASE_URL=postgres://admin@db/app tenantctl init',
      does: 'set up the control schema in your database',
    },
    {
      cmd: 'tenantctl migrate --migrations-dir db/tenant --json',
      does: 'migrate every tenant from CI, one JSON document on stdout',
    },
  ]);
  program.addHelpText(
    'after',
    () =>
      `\n${exitCodesText()}\n\nEnvironment:\n${ENVIRONMENT.map(([k, v]) => `  ${k}\n      ${v}`).join('\n')}\n\nSee \`tenantctl <command> --help\` for a command's options and examples, \`man tenantctl\` for everything.`,
  );
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
    registerRename,
    registerExport,
    registerImport,
    registerStats,
    registerVerify,
    registerAudit,
    registerServer,
    registerRoute,
    registerDev,
    registerDemo,
    registerVersion,
    registerCompletion,
    registerHelp,
  ]) {
    register(program);
  }
  program.hook('preAction', (_program, action) => setCommand(commandPath(action)));
  for (const cmd of allCommands(program)) {
    // Parse errors reach main() as CommanderErrors (exit 2), knowing which command they belong to.
    cmd.exitOverride((err) => {
      setCommand(commandPath(cmd));
      throw err;
    });
    // Commander's "error: ..." in tenantctl's words, with where to look.
    const path = commandPath(cmd);
    cmd.configureOutput({
      outputError: (str, write) =>
        write(
          `${str.replace(/^error: /, 'tenantctl: ')}hint: see \`tenantctl ${path ? `${path} ` : ''}--help\`\n`,
        ),
    });
    // `tenantctl migrate help status`: a help subcommand wherever there are subcommands, also
    // under commands that run something themselves (commander adds it only to pure groups).
    if (cmd !== program && cmd.commands.length) cmd.helpCommand(true);
  }
  return program;
}
