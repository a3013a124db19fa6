import type { Command } from 'commander';
import { withSession } from '../session.js';

export function register(program: Command): void {
  program
    .command('route')
    .description(
      "where an application finds a tenant: its server's URL (without password), schema and search_path",
    )
    .argument('<slug>')
    .action(async (slug: string, _opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { routeTenant } = await import('../../fleet/route.js');
        const r = await routeTenant(await s.fleet(1), slug);
        s.out.result(r, () => [
          `server       ${r.server}${r.region ? ` (${r.region})` : ''}${r.state === 'moving' ? ' (moving: writes frozen)' : ''}`,
          `url          ${r.url}`,
          `schema       ${r.schema}`,
          `search_path  ${r.searchPath}`,
        ]);
      }),
    );
}
