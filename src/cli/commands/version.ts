import type { Command } from 'commander';
import { withSession } from '../session.js';
import { examples } from '../help.js';
import { offlineVersions, versionLines, type Versions } from '../version.js';

export function register(program: Command): void {
  const cmd = program
    .command('version')
    .description(
      "versions of tenantctl, Node and, when a connection is configured, the server's; exit 1 when that server cannot be reached",
    )
    .action(async (_opts, command: Command) =>
      withSession(command, async (s) => {
        const v: Versions = { ...offlineVersions(), server: null };
        const { serverVersion } = await import('../../inspect/version.js');
        try {
          const ctx = await s.ctx(1);
          v.server = { version: await serverVersion(ctx), at: ctx.db.target.label };
        } catch (err) {
          // Nothing configured is an answer (no server line), not a failure.
          if ((err as { code?: string }).code !== 'no-database') {
            s.out.result(v, () => versionLines(v).trimEnd());
            throw err;
          }
        }
        s.out.result(v, () => versionLines(v).trimEnd());
      }),
    );
  examples(cmd, [
    { cmd: 'tenantctl version', does: 'tenantctl, Node and the server it would talk to' },
    { cmd: 'tenantctl --version', does: 'tenantctl and Node only, without connecting' },
    {
      cmd: 'tenantctl version --json | jq -r .result.server.version',
      does: "the server's version for a script",
    },
  ]);
}
