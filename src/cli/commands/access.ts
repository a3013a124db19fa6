import type { Command } from 'commander';
import { withSession } from '../session.js';
import { table } from '../output.js';
import { examples } from '../help.js';

const modeText = (m: 'rw' | 'ro') => (m === 'rw' ? 'read-write' : 'read-only');

export function register(program: Command): void {
  const access = program
    .command('access')
    .description(
      'give existing roles read-write or read-only access to one tenant, take it away, list who has what',
    );
  examples(access, [
    {
      cmd: 'tenantctl access grant app_acme acme --search-path',
      does: 'an application role gets read-write access, jailed in org_acme',
    },
    { cmd: 'tenantctl access list', does: 'who has access to which tenant' },
  ]);
  const grant = access
    .command('grant')
    .description("make <role> a member of the tenant's read-write (or read-only) group role")
    .argument('<role>', 'an existing database role (case-sensitive, as in pg_roles)')
    .argument('<slug>', 'the tenant')
    .option('--read-only', 'SELECT only (default: read-write)')
    .option('--search-path', "set the role's search_path in this database to the tenant's schema")
    .action(
      async (
        role: string,
        slug: string,
        opts: { readOnly?: boolean; searchPath?: boolean },
        command: Command,
      ) =>
        withSession(command, async (s) => {
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
  examples(grant, [
    {
      cmd: 'tenantctl access grant app_acme acme --search-path',
      does: 'read-write, with search_path set to org_acme for that role',
    },
    { cmd: 'tenantctl access grant analyst acme --read-only', does: 'SELECT only' },
  ]);
  const revoke = access
    .command('revoke')
    .description("take a role's access to one tenant away (and the search_path that grant set)")
    .argument('<role>', 'the role, as given to grant')
    .argument('<slug>', 'the tenant')
    .action(async (role: string, slug: string, _opts, command: Command) =>
      withSession(command, async (s) => {
        const { revokeAccess } = await import('../../access/access.js');
        const r = await revokeAccess(await s.ctx(1), { role, slug });
        s.out.result(r, () =>
          r.changed
            ? `${r.role} no longer has access to ${r.slug}${r.searchPathReset ? ' (search_path reset)' : ''}`
            : `unchanged: ${r.role} had no access to ${r.slug}`,
        );
      }),
    );
  examples(revoke, [
    { cmd: 'tenantctl access revoke app_acme acme', does: "take app_acme's access to acme away" },
    {
      cmd: 'tenantctl access revoke analyst acme --json',
      does: 'the same from a script; "changed" says whether it had any',
    },
  ]);
  const list = access
    .command('list')
    .description('who has access to which tenant (recorded grants and memberships made by hand)')
    .argument('[slug]', 'only this tenant')
    .action(async (slug: string | undefined, _opts, command: Command) =>
      withSession(command, async (s) => {
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
  examples(list, [
    { cmd: 'tenantctl access list', does: 'every grant in the database' },
    { cmd: 'tenantctl access list acme', does: "acme's grants, also memberships made by hand" },
  ]);
}
