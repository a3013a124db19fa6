import type { Command } from 'commander';
import { Option } from 'commander';
import { withSession, showResult, type Session } from '../session.js';
import { concurrencyOption, migrationsDirOption, templateOption } from '../options.js';
import type { CreateResult } from '../../provision/create.js';
import { formatDuration } from '../../shared/duration.js';

function render(s: Session, r: CreateResult): string[] {
  const { c } = s.out;
  if (r.dryRun) {
    return (r.plan ?? []).flatMap((p) => [
      c.bold(`-- tenant ${p.slug} -> schema ${p.schema} (roles ${p.roles.rw}, ${p.roles.ro})`),
      ...p.steps,
      '',
    ]);
  }
  return r.tenants.map((t) =>
    t.ok
      ? `${c.green('created')} ${t.slug} (${t.schema}, ${t.migrations.length} migrations, ${formatDuration(t.durationMs)})`
      : `${c.red('failed')}  ${t.slug}: ${t.error}`,
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
  const cancelled = 'cancelled; nothing created';
  const slug = await askText(
    s.out,
    'Tenant slug:',
    hint,
    (v) => slugProblem(v, s.settings.schemaPrefix) ?? true,
    cancelled,
  );
  const chosen =
    template ?? (await askChoice(s.out, 'Template:', builtinTemplateNames(), hint, cancelled));
  return { slugs: [slug], template: chosen };
}

export function register(program: Command): void {
  program
    .command('create')
    .description(
      'provision tenants: schema, template, every known migration and tenant roles, one transaction each',
    )
    .argument('[slugs...]', 'tenant slugs (lower-case letters, digits, "-", "_")')
    .addOption(templateOption())
    .option('--name <display name>', 'display name (one tenant only)')
    .addOption(concurrencyOption())
    .addOption(migrationsDirOption())
    .addOption(new Option('--dry-run', 'print what would run and change nothing'))
    .action(
      async (
        slugs: string[],
        opts: { template?: string; name?: string; concurrency?: number; dryRun?: boolean },
        cmd: Command,
      ) =>
        withSession(cmd, async (s) => {
          const { createTenants } = await import('../../provision/create.js');
          let input: { slugs: string[]; template?: string } = { slugs, template: opts.template };
          if (slugs.length === 0 && s.out.interactive) input = await askForTenant(s, opts.template);
          const ctx = await s.ctx();
          await showResult(
            s,
            () =>
              createTenants(ctx, {
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
}
