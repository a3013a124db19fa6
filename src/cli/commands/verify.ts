import type { Command } from 'commander';
import { withSession, type Session } from '../session.js';
import { concurrencyOption, migrationsDirOption } from '../options.js';
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
  const summary = `${r.checked - r.failed} of ${r.checked} tenants clean; control schema ${r.control.ok ? 'clean' : 'reachable by other roles'}`;
  lines.push(r.ok ? c.green(`verify: ${summary}`) : c.red(`verify: ${summary}`));
  return lines;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'drift and isolation check of every tenant against template + migrations; exit 1 when anything is off',
    )
    .option('--tenant <slugs...>', 'only these tenants (isolation still looks at the whole fleet)')
    .addOption(migrationsDirOption())
    .addOption(concurrencyOption())
    .action(async (opts: { tenant?: string[] }, cmd: Command) =>
      withSession(cmd, async (s) => {
        const [{ verifyFleet }, { CheckFailedError }] = await Promise.all([
          import('../../verify/verify.js'),
          import('../../shared/errors.js'),
        ]);
        const r = await verifyFleet(await s.ctx(1), { slugs: opts.tenant });
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
}
