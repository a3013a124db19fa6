import type { Command } from 'commander';
import { Option } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import { concurrencyOption, migrationsDirOption, templateOption } from '../options.js';
import type { FleetCreateResult } from '../../fleet/create.js';
import { formatDuration } from '../../shared/duration.js';
import { plural, sqlErrorLines } from '../output.js';
import { examples } from '../help.js';

/** " on <server>" when the tenant is not on the control database's own server. */
const on = (server: string | null) => (server && server !== 'local' ? ` on ${server}` : '');

function render(s: Session, r: FleetCreateResult): string[] {
  const { c } = s.out;
  if (r.dryRun) {
    return (r.plan ?? []).flatMap((p) => [
      c.bold(
        `-- tenant ${p.slug} -> schema ${p.schema}${on(p.server)} (roles ${p.roles.rw}, ${p.roles.ro})`,
      ),
      ...p.steps,
      '',
    ]);
  }
  // With one tenant its error (and PostgreSQL's details) is the command's, printed once below.
  const details = r.tenants.length > 1;
  return r.tenants.flatMap((t) =>
    t.ok
      ? [
          `${c.green('created')} ${t.slug}${on(t.server)} (${t.schema}, ${plural(t.migrations.length, 'migration')}, ${formatDuration(t.durationMs)})`,
        ]
      : [
          `${c.red('failed')}  ${t.slug}: ${t.error}`,
          ...(details ? sqlErrorLines(t.sql, '          ') : []),
        ],
  );
}

/** In a terminal with no slug given, ask for one and for the template. */
async function askForTenant(
  s: Session,
  template: string | undefined,
): Promise<{ slugs: string[]; template?: string }> {
  const { askText, askChoice } = await import('../prompts.js');
  const { slugProblem } = await import('../../shared/names.js');
  const { builtinTemplateNames } = await import('../../provision/template.js');
  const hint = 'give the slug as an argument: tenantctl create <slug>';
  const slug = await askText(
    s.out,
    'Tenant slug:',
    hint,
    (v) => slugProblem(v, s.settings.schemaPrefix) ?? true,
    'nothing created',
  );
  const chosen =
    template ??
    (await askChoice(s.out, 'Template:', builtinTemplateNames(), hint, 'nothing created'));
  return { slugs: [slug], template: chosen };
}

export function register(program: Command): void {
  const cmd = program
    .command('create')
    .description(
      'provision tenants: schema, template, every known migration and tenant roles, one transaction each',
    )
    .argument(
      '[slug...]',
      'tenant slugs: letters, digits, "-" and "_", case-insensitive (stored lower-case); asked for in a terminal when none is given',
    )
    .addOption(templateOption())
    .option('--name <display name>', 'display name (one tenant only)')
    .addOption(concurrencyOption())
    .addOption(migrationsDirOption())
    .addOption(new Option('--dry-run', 'print what would run and change nothing'))
    .option(
      '--server <name>',
      'create on this server (default: the active, non-dedicated server with the fewest tenants)',
    )
    .action(
      async (
        slugs: string[],
        opts: {
          template?: string;
          name?: string;
          concurrency?: number;
          dryRun?: boolean;
          server?: string;
        },
        cmd: Command,
      ) =>
        withSession(cmd, async (s) => {
          const { createPlaced } = await import('../../fleet/create.js');
          let input: { slugs: string[]; template?: string } = { slugs, template: opts.template };
          if (slugs.length === 0 && s.out.interactive) input = await askForTenant(s, opts.template);
          const fleet = await s.fleet();
          await showResult(
            s,
            () =>
              createPlaced(fleet, {
                server: opts.server,
                slugs: input.slugs,
                template: input.template,
                displayName: opts.name,
                concurrency: opts.concurrency,
                dryRun: opts.dryRun,
              }),
            (r) => render(s, r),
          );
        }),
    );
  examples(cmd, [
    {
      cmd: 'tenantctl create acme globex --migrations-dir db/tenant',
      does: 'two tenants from the default template, with every migration applied',
    },
    {
      cmd: 'tenantctl create new-co --name "New Co" --template ./templates/crm',
      does: 'one tenant from your own template directory, with a display name',
    },
    { cmd: 'tenantctl create acme --dry-run', does: 'print the SQL it would run; change nothing' },
    { cmd: 'tenantctl create big-co --server eu-2', does: 'place the tenant on server eu-2' },
  ]);
}
