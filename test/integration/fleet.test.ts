import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { startServers, type TestServers } from '../helpers/servers.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { dropTenant } from '../../src/provision/drop.js';
import { adopt } from '../../src/provision/adopt.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { createPlaced } from '../../src/fleet/create.js';
import { addServer, drainServer } from '../../src/fleet/server-admin.js';
import { routeTenant } from '../../src/fleet/route.js';
import { IntentRun, insertIntents, resolveIntents } from '../../src/fleet/placement-store.js';

let db: TestDb;
let fleetServers: TestServers;
beforeAll(async () => {
  [db, fleetServers] = await Promise.all([freshDatabase(), startServers(2)]);
});
afterAll(async () => {
  await fleetServers?.stopAll();
  await db?.cleanup();
});

/** Each case its own control schema and tenant prefix: on the control database and on the servers. */
function fleetFor(tag: string): Fleet {
  return new Fleet(db.ctx({ controlSchema: `ctl_${tag}`, schemaPrefix: `${tag}_` }), { env: {} });
}

async function placements(tag: string) {
  const { rows } = await db.query(
    `SELECT slug, schema_name, server, state FROM ctl_${tag}.placements ORDER BY slug`,
  );
  return rows;
}

async function withFleet<T>(tag: string, fn: (f: Fleet) => Promise<T>): Promise<T> {
  const f = fleetFor(tag);
  try {
    return await fn(f);
  } finally {
    await f.close();
    await f.control.db.end();
  }
}

describe('the fleet in the control database', () => {
  it('a single database upgrades in place: init adds the local server and places every tenant on it', async () => {
    await withFleet('up', async (f) => {
      await initControlSchema(f.control);
      await createTenants(f.control, { slugs: ['acme', 'beta-co'] });
      // the control schema as the tenantctl before the fleet left it: without migrations 7 and 8
      await db.query(`DROP TABLE ctl_up.carried_grants;
        ALTER TABLE ctl_up.tenants DROP COLUMN import_gaps;
        DROP TRIGGER keep_local_placement ON ctl_up.tenants;
        DROP FUNCTION ctl_up.keep_local_placement();
        DROP TABLE ctl_up.placements, ctl_up.servers;
        DELETE FROM ctl_up.migrations WHERE name IN ('fleet', 'archive-lineage')`);
      expect((await initControlSchema(f.control)).applied).toEqual(['fleet', 'archive-lineage']);
      expect(await placements('up')).toEqual([
        { slug: 'acme', schema_name: 'up_acme', server: 'local', state: 'placed' },
        { slug: 'beta-co', schema_name: 'up_beta_co', server: 'local', state: 'placed' },
      ]);
      const { rows } = await db.query(
        `SELECT s.name, s.url, s.role_tag = g.value AS tagged FROM ctl_up.servers s, ctl_up.settings g WHERE g.key = 'role_tag'`,
      );
      expect(rows).toEqual([{ name: 'local', url: null, tagged: true }]);
      const located = await f.locate('beta-co');
      expect(located.server.name).toBe('local');
      expect(located.ctx).toBe(f.control);
      expect(await routeTenant(f, 'acme')).toMatchObject({
        server: 'local',
        schema: 'up_acme',
        searchPath: '"up_acme", public',
        url: db.url.replace(/:[^:@/]*@/, '@'),
      });
    });
  });

  it('keeps local placements with their tenants whatever command changes them, and refuses a slug placed on another server', async () => {
    await withFleet('trg', async (f) => {
      await initControlSchema(f.control);
      await createPlaced(f, { slugs: ['one', 'two'] });
      expect((await placements('trg')).map((p) => [p.slug, p.server, p.state])).toEqual([
        ['one', 'local', 'placed'],
        ['two', 'local', 'placed'],
      ]);
      await dropTenant(f.control, 'one');
      expect((await placements('trg')).map((p) => p.slug)).toEqual(['two']);
      await db.query('CREATE SCHEMA trg_legacy; CREATE SCHEMA trg_taken');
      await adopt(f.control, { schemas: ['trg_legacy'] });
      expect((await placements('trg')).map((p) => p.slug)).toEqual(['legacy', 'two']);
      // a placement on another server: adopting the same slug here must fail, whole
      await addServer(f, { name: 's1', url: fleetServers.servers[0].url });
      await db.query(
        `INSERT INTO ctl_trg.placements (slug, schema_name, server) VALUES ('taken', 'trg_taken', 's1')`,
      );
      const r = await adopt(f.control, { schemas: ['trg_taken'] }).catch((e) => e.result);
      expect(r.adopted).toMatchObject([{ slug: 'taken', ok: false }]);
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM ctl_trg.tenants WHERE slug = 'taken'`,
      );
      expect(rows[0].n).toBe(0);
      expect((await placements('trg')).find((p) => p.slug === 'taken')?.server).toBe('s1');
    });
  });

  it('default placement: fewest tenants, ties by size then name; --server and max-tenants under concurrency', async () => {
    const [s1, s2] = fleetServers.servers;
    await withFleet('pl', async (f) => {
      await initControlSchema(f.control);
      await addServer(f, { name: 'b-small', url: s1.url });
      await addServer(f, { name: 'a-big', url: s2.url, maxTenants: 3 });
      await drainServer(f, 'local');
      // equal counts (0) and sizes: by name
      expect((await createPlaced(f, { slugs: ['t1'] })).tenants[0].server).toBe('a-big');
      expect((await createPlaced(f, { slugs: ['t2'] })).tenants[0].server).toBe('b-small');
      // equal counts (1 each), a-big's tenant made bigger: the smaller server takes the next
      await s2.query(
        `CREATE TABLE pl_t1.big AS SELECT repeat('x', 500) AS body FROM generate_series(1, 2000)`,
      );
      await s2.query('VACUUM pl_t1.big');
      expect((await createPlaced(f, { slugs: ['t3'] })).tenants[0].server).toBe('b-small');
      // two runs at once, both naming a-big (1 of 3 taken): the placement lock lets one in
      const runs = await Promise.allSettled([
        withFleet('pl', (g) => createPlaced(g, { slugs: ['c1', 'c2'], server: 'a-big' })),
        withFleet('pl', (g) => createPlaced(g, { slugs: ['c3', 'c4'], server: 'a-big' })),
      ]);
      expect(runs.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = runs.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason.message).toMatch(
        /server "a-big" is full: it holds 3 of at most 3 tenants/,
      );
      const counts = await db.query(
        `SELECT server, count(*)::int AS n FROM ctl_pl.placements GROUP BY server ORDER BY server`,
      );
      expect(counts.rows).toEqual([
        { server: 'a-big', n: 3 },
        { server: 'b-small', n: 2 },
      ]);
      // each server's own registry agrees
      const onS2 = await s2.query(`SELECT slug FROM ctl_pl.tenants ORDER BY slug`);
      expect(onS2.rows.map((r) => r.slug)).toHaveLength(3);
    });
  });

  it("intents: a live run's are left to it; a dead run's are resolved by asking the server, both ways", async () => {
    const [s1] = fleetServers.servers;
    await withFleet('in', async (f) => {
      await initControlSchema(f.control);
      await addServer(f, { name: 's1', url: s1.url });
      const ctxS1 = await f.ctxFor('s1');
      // a run that is alive: its intent stays, whatever another command asks
      const run = await IntentRun.start(f.control);
      await withClient(f, (client) =>
        insertIntents(client, f.control.control, run.id, [
          { slug: 'live', schema: 'in_live', server: 's1' },
        ]),
      );
      const other = await withFleet('in', (g) => resolveIntents(g));
      expect(other.live).toEqual([{ slug: 'live', server: 's1' }]);
      await expect(withFleet('in', (g) => g.locate('live'))).rejects.toThrow(
        /still being created on server "s1"/,
      );
      // the run dies before provisioning: the intent goes
      await run.end();
      const after = await withFleet('in', (g) => resolveIntents(g));
      expect(after.removed).toEqual([{ slug: 'live', server: 's1' }]);
      // a dead run that did commit on the server: the intent becomes a placement
      await createTenants(ctxS1, { slugs: ['done'] });
      await withClient(f, (client) =>
        insertIntents(client, f.control.control, 'dead-run', [
          { slug: 'done', schema: 'in_done', server: 's1' },
        ]),
      );
      const located = await withFleet('in', (g) => g.locate('done'));
      expect(located.placement).toMatchObject({ server: 's1', state: 'placed', runId: null });
      expect(await placements('in')).toEqual([
        { slug: 'done', schema_name: 'in_done', server: 's1', state: 'placed' },
      ]);
    });
  });
});

async function withClient<T>(
  f: Fleet,
  fn: (client: import('pg').PoolClient) => Promise<T>,
): Promise<T> {
  const client = await f.control.db.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}
