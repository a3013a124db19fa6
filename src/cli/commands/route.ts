import type { Command } from 'commander';
import { withSession } from '../session.js';
import { examples } from '../help.js';

export function register(program: Command): void {
  const cmd = program
    .command('route')
    .description(
      "where an application finds a tenant: its server's URL (without password), schema and search_path",
    )
    .argument('<slug>', 'the tenant')
    .action(async (slug: string, _opts, command: Command) =>
      withSession(command, async (s) => {
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
  examples(cmd, [
    { cmd: 'tenantctl route acme', does: "acme's server URL, schema and search_path" },
    {
      cmd: "tenantctl route acme --json | jq -r '.result.url'",
      does: 'the URL alone, for an application or a script',
    },
  ]);
}
