import type { Command } from 'commander';
import { withSession, type Session } from '../session.js';
import {
  concurrencyOption,
  migrationsDirOption,
  selectionOptions,
  readSelection,
  type SelectionFlags,
} from '../options.js';
import { examples } from '../help.js';
import type { VerifyResult } from '../../verify/verify.js';

/** Per tenant in human output; --json carries every problem. */
const MAX_PROBLEMS = 20;

function render(s: Session, r: VerifyResult): string[] {
  const { c } = s.out;
  const lines: string[] = [];
  for (const t of r.tenants) {
    if (t.ok) {
      if (t.notes.length) {
        lines.push(`${c.yellow('note')}  ${t.slug} (${t.schema})`);
        for (const n of t.notes) lines.push(`        - ${n}`);
      } else if (s.out.verbose) lines.push(`${c.green('ok')}    ${t.slug} (${t.schema})`);
      continue;
    }
    lines.push(
      `${c.red('FAIL')}  ${t.slug} (${t.schema}, template ${t.template ?? 'none'}, version ${t.version})`,
    );
    for (const n of t.notes) lines.push(c.dim(`        - note: ${n}`));
    for (const p of t.problems.slice(0, MAX_PROBLEMS)) lines.push(`        - ${p}`);
    if (t.problems.length > MAX_PROBLEMS)
      lines.push(
        c.dim(`        ... ${t.problems.length - MAX_PROBLEMS} more (--json lists them all)`),
      );
  }
  if (!r.control.ok) {
    lines.push(`${c.red('FAIL')}  control schema ${r.control.schema}`);
    for (const p of r.control.problems) lines.push(`        - ${p}`);
  }
  // A failure's summary is the error line main prints; saying it here too would say it twice.
  if (r.ok)
    lines.push(c.green(`verify: ${r.checked} of ${r.checked} tenants clean; control schema clean`));
  return lines;
}

export function register(program: Command): void {
  const cmd = program
    .command('verify')
    .description(
      'drift and isolation check of every tenant against template + migrations; exit 1 when anything is off',
    )
    .addOption(migrationsDirOption())
    .addOption(concurrencyOption());
  selectionOptions(cmd, 'check only these tenants (isolation still looks at the whole fleet)');
  cmd.action(async (opts: SelectionFlags, command: Command) =>
    withSession(command, async (s) => {
      const [{ verifyFleet }, { CheckFailedError }] = await Promise.all([
        import('../../verify/verify.js'),
        import('../../shared/errors.js'),
      ]);
      const selection = await readSelection(opts);
      const r = await verifyFleet(await s.ctx(1), {
        slugs: selection.tenants,
        exclude: selection.exclude,
      });
      if (r.ok) {
        s.out.result(r, () => render(s, r));
        return;
      }
      if (!s.out.json) s.out.result(r, () => render(s, r));
      const what = [
        r.failed
          ? `${r.failed} of ${r.checked} tenant${r.checked === 1 ? '' : 's'} with problems`
          : '',
        r.control.ok ? '' : 'control schema reachable',
      ]
        .filter(Boolean)
        .join('; ');
      throw new CheckFailedError(`verify failed: ${what}`, r as VerifyResult & { ok: false });
    }),
  );
  examples(cmd, [
    {
      cmd: 'tenantctl verify --migrations-dir db/tenant',
      does: 'every tenant against its template and migrations, plus isolation; exit 1 if anything is off',
    },
    {
      cmd: "tenantctl verify --tenant 'acme*' -v",
      does: 'only some tenants, listing the clean ones too',
    },
    { cmd: 'tenantctl verify --json > verify.json', does: 'every problem as data for a report' },
  ]);
}
