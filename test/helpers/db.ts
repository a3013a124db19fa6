import { inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { Database } from '../../src/pg/pool.js';
import { resolveConnection } from '../../src/pg/connection.js';
import { makeCtx, type Ctx } from '../../src/control/context.js';
import { resolveSettings, type SettingOverrides } from '../../src/shared/config.js';
import { quoteIdent } from '../../src/pg/quote.js';

export const adminUrl = (): string => inject('adminUrl');

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
  url = adminUrl(),
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<T>(sql, params);
  } finally {
    await client.end();
  }
}

export interface TestDb {
  name: string;
  url: string;
  /** A short prefix for roles this file creates by hand, dropped at cleanup. */
  rolePrefix: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<T>>;
  ctx(overrides?: SettingOverrides): Ctx;
  cleanup(): Promise<void>;
}

/**
 * A fresh database for one test file. Cleanup drops it and every cluster-wide role it created:
 * tenant roles (found through each control schema's role tag) and roles named with rolePrefix.
 */
export async function freshDatabase(): Promise<TestDb> {
  const id = randomBytes(4).toString('hex');
  const name = `tct_${id}`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
  const url = withDatabase(adminUrl(), name);
  const pools: Database[] = [];
  const target = await resolveConnection(url, {}, () => undefined);
  const rolePrefix = `tr${id}_`;
  return {
    name,
    url,
    rolePrefix,
    query: (sql, params) => adminQuery(sql, params, url),
    ctx(overrides = {}) {
      const db = new Database(target, 8);
      pools.push(db);
      return makeCtx(db, resolveSettings(overrides, undefined, '/nonexistent-config-dir'));
    },
    async cleanup() {
      await Promise.all(pools.map((p) => p.end().catch(() => {})));
      const tags = await adminQuery(
        `SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE c.relname = 'settings' AND n.nspname NOT LIKE 'org%'`,
        [],
        url,
      ).catch(() => ({ rows: [] as { nspname: string }[] }));
      const roleTags: string[] = [];
      for (const { nspname } of tags.rows) {
        const r = await adminQuery(
          `SELECT value FROM ${quoteIdent(nspname)}.settings WHERE key = 'role_tag'`,
          [],
          url,
        ).catch(() => ({ rows: [] }));
        roleTags.push(...r.rows.map((x) => x.value as string));
      }
      await adminQuery(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      const { rows } = await adminQuery<{ rolname: string }>(
        `SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) OR rolname ~ ANY($2)`,
        [rolePrefix, roleTags.map((t) => `_${t}_r[wo]$`)],
      );
      for (const { rolname } of rows)
        await adminQuery(`DROP ROLE IF EXISTS ${quoteIdent(rolname)}`).catch(() => {});
    },
  };
}
