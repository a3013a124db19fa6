import type { Command } from 'commander';
import { withSession } from '../session.js';
import { table } from '../output.js';

const modeText = (m: 'rw' | 'ro') => (m === 'rw' ? 'read-write' : 'read-only');

export function register(program: Command): void {
  const access = program
    .command('access')
    .description(
      'give existing roles read-write or read-only access to one tenant, take it away, list who has what',
    );
  access
    .command('grant')
    .description("make <role> a member of the tenant's read-write (or read-only) group role")
    .argument('<role>', 'an existing database role (case-sensitive, as in pg_roles)')
    .argument('<slug>')
    .option('--read-only', 'SELECT only (default: read-write)')
    .option('--search-path', "set the role's search_path in this database to the tenant's schema")
    .action(
      async (
        role: string,
        slug: string,
        opts: { readOnly?: boolean; searchPath?: boolean },
        cmd: Command,
      ) =>
        withSession(cmd, async (s) => {
          const { grantAccess } = await import('../../access/access.js');
          const r = await grantAccess(await s.ctx(1), {
            role,
            slug,
            readOnly: opts.readOnly,
            searchPath: opts.searchPath,
          });
          s.out.result(r, () => {
            const what = `${r.role} has ${modeText(r.mode)} access to ${r.slug} (schema ${r.schema})${r.searchPath ? ', search_path set to it' : ''}`;
            if (!r.changed) return `unchanged: ${what}`;
            return r.previousMode && r.previousMode !== r.mode
              ? `${what} (was ${modeText(r.previousMode)})`
              : what;
          });
        }),
    );
  access
    .command('revoke')
    .description("take a role's access to one tenant away (and the search_path that grant set)")
    .argument('<role>')
    .argument('<slug>')
    .action(async (role: string, slug: string, _opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { revokeAccess } = await import('../../access/access.js');
        const r = await revokeAccess(await s.ctx(1), { role, slug });
        s.out.result(r, () =>
          r.changed
            ? `${r.role} no longer has access to ${r.slug}${r.searchPathReset ? ' (search_path reset)' : ''}`
            : `unchanged: ${r.role} had no access to ${r.slug}`,
        );
      }),
    );
  access
    .command('list')
    .description('who has access to which tenant (recorded grants and memberships made by hand)')
    .argument('[slug]')
    .action(async (slug: string | undefined, _opts, cmd: Command) =>
      withSession(cmd, async (s) => {
        const { listAccess } = await import('../../access/access.js');
        const rows = await listAccess(await s.ctx(1), slug);
        const { c } = s.out;
        s.out.result({ access: rows }, () =>
          rows.length === 0
            ? c.dim('no access granted')
            : table(
                ['SLUG', 'ROLE', 'MODE', 'SEARCH_PATH', 'SOURCE', 'TENANT'],
                rows.map((r) => [
                  r.slug,
                  r.role,
                  modeText(r.mode),
                  r.searchPath ? 'yes' : '-',
                  r.source === 'missing' ? c.red('missing (membership gone)') : r.source,
                  r.status === 'active' ? r.status : c.yellow(r.status),
                ]),
              ),
        );
      }),
    );
}
