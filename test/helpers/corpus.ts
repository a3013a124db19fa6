import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  parseHeader,
  requirementsMet,
  prepareSql,
  loadSql,
  serverFacts,
  findTools,
  // @ts-expect-error plain JavaScript, shared with the corpus checker
} from '../corpus/check.mjs';
import { freshDatabase, adminUrl, type TestDb } from './db.js';
import { describeSchema } from './describe.js';
import { initControlSchema } from '../../src/control/init.js';
import { adopt } from '../../src/provision/adopt.js';
import { exportTenant } from '../../src/archive/export.js';
import { importArchive } from '../../src/archive/import.js';
import { UsageError } from '../../src/shared/errors.js';
import { verifyFleet, type VerifyResult } from '../../src/verify/verify.js';
import { fleetStats, type FleetStats } from '../../src/inspect/stats.js';

/**
 * One corpus file through every way tenantctl restores a tenant: adopted in a database, exported,
 * imported under a new slug in the same database, imported with its slug into another database,
 * restored by restore.sql under psql (under another schema name), each compared with the pg_dump
 * oracle (the file's schema dumped with `pg_dump -n` and restored) when a pg_dump of the server's
 * major version is at hand, else with the source schema's own description.
 */

export interface Facts {
  versionNum: number;
  major: number;
  superuser: boolean;
  icu: boolean;
  extensions: string[];
}

export async function corpusFacts(): Promise<{
  facts: Facts;
  tools: { pgDump: string; psql: string } | null;
}> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const facts: Facts = await serverFacts(client);
    return { facts, tools: findTools(facts.major) };
  } finally {
    await client.end();
  }
}

export interface CorpusHeader {
  minVersion: number;
  setup: string[];
  extensions: string[];
  placeholder: boolean;
  dumpDiffers: string | null;
}

export function corpusHeader(file: string): { text: string; header: CorpusHeader } {
  const text = readFileSync(file, 'utf8');
  return { text, header: parseHeader(text) };
}

export function skipReason(header: CorpusHeader, facts: Facts): string | null {
  return requirementsMet(header, facts);
}

function psql(url: string, sql: string, args: string[] = [], cwd?: string) {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args, '-d', url], {
    input: sql,
    encoding: 'utf8',
    cwd,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r;
}

async function rolesOf(db: TestDb, slug: string): Promise<Record<string, string>> {
  const {
    rows: [t],
  } = await db.query(`SELECT rw_role, ro_role FROM tenantctl.tenants WHERE slug = $1`, [slug]);
  return { [t.rw_role]: '<rw>', [t.ro_role]: '<ro>' };
}

type Description = Awaited<ReturnType<typeof describeSchema>>;

/** Without the grants a copy under another name does not get (the source tenant's roles). */
export function withoutTenantGrants(d: Description, owner: string): Description {
  const acl = (a: string[] | null) => {
    const kept = a?.filter((x) => !/<r[wo]>/.test(x) && !x.startsWith(`${owner}=`)) ?? [];
    return kept.length ? kept : null;
  };
  const strip = (rows: any[]) => rows.map((r) => ('acl' in r ? { ...r, acl: acl(r.acl) } : r));
  return {
    ...d,
    relations: strip(d.relations),
    columns: strip(d.columns),
    types: strip(d.types),
    functions: strip(d.functions),
    policies: d.policies.filter((p: any) => !p.roles.some((r: string) => /<r[wo]>/.test(r))),
    defaultAcls: d.defaultAcls
      .map((x: any) => ({ ...x, acl: acl(x.acl) }))
      .filter((x: any) => x.acl !== null),
    schemaAcl: d.schemaAcl.map((x: any) => ({ ...x, acl: acl(x.acl) })),
  };
}

/** Function bodies left out: a copy of a tenant whose bodies name its schema keeps naming it. */
export function withoutBodies(d: Description): Description {
  return { ...d, functions: d.functions.map((f: any) => ({ ...f, prosrc: null, sqlbody: null })) };
}

/**
 * Expression text left out, for comparing with the source itself: PostgreSQL prints some restored
 * expressions differently (the corpus header says dump-differs), so pg_dump's copy differs too.
 */
export function withoutExpressionText(d: Description): Description {
  return {
    ...d,
    constraints: d.constraints.map((c: any) => ({ ...c, def: null })),
    views: d.views.map((v: any) => ({ ...v, def: null })),
  };
}

export interface RoundTrip {
  /** What the copies are compared with, and where it came from. */
  reference: Description;
  referenceFrom: 'pg_dump' | 'source';
  source: Description;
  copy: Description;
  otherDatabase: Description;
  psqlRenamed: Description;
  /** import --as refused the archive because function bodies name the source schema. */
  refusedAs?: string;
  /** verify and stats of the source database after the copy was imported there. */
  verify: VerifyResult;
  stats: FleetStats;
  warnings: string[];
  owner: string;
  cleanup(): Promise<void>;
}

export async function roundTrip(
  file: string,
  tools: { pgDump: string; psql: string } | null,
  tmp: string,
): Promise<RoundTrip> {
  const { text, header } = corpusHeader(file);
  const name = path.basename(file, '.sql');
  const [src, dst, oracle] = await Promise.all([
    freshDatabase(),
    freshDatabase(),
    tools ? freshDatabase() : Promise.resolve(null),
  ]);
  const dbs = [src, dst, oracle].filter((d): d is TestDb => d !== null);
  const cleanup = async () => {
    await Promise.all(dbs.map((d) => d.cleanup()));
  };
  try {
    const prep = prepareSql(header) as string[];
    for (const db of dbs) for (const st of prep) await db.query(st);
    const srcCtx = src.ctx();
    const dstCtx = dst.ctx();
    await initControlSchema(srcCtx);
    await initControlSchema(dstCtx);
    psql(src.url, `CREATE SCHEMA org_src;\n${loadSql(text, 'org_src')}`);
    // The file is also the tenant's template, so verify compares the tenant and its copies with
    // a reference built from the very SQL that made them (in one transaction: the file's own
    // BEGIN/COMMIT go). A file that names its own schema cannot be a template (its reference
    // would name the source); such a tenant is adopted without one.
    const dir = path.join(tmp, name);
    const template = path.join(dir, 'template');
    mkdirSync(template, { recursive: true });
    writeFileSync(
      path.join(template, '01_schema.sql'),
      loadSql(text, 'org_src')
        .split('\n')
        .slice(1)
        .filter((l: string) => !/^\s*(BEGIN|COMMIT);\s*$/i.test(l))
        .join('\n'),
    );
    await adopt(srcCtx, {
      schemas: ['org_src'],
      template: header.placeholder ? undefined : template,
    });
    const owner = (await src.query('SELECT current_user AS u')).rows[0].u as string;
    const exported = await exportTenant(srcCtx, 'src', { outDir: dir });
    const srcRoles = await rolesOf(src, 'src');
    const source = await describeSchema(src.url, 'org_src', srcRoles);
    let reference = source;
    if (oracle && tools) {
      const dump = spawnSync(tools.pgDump, ['-n', 'org_src', '-d', src.url], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
      psql(oracle.url, dump.stdout);
      reference = await describeSchema(oracle.url, 'org_src', srcRoles);
    }
    let refusedAs: string | undefined;
    try {
      await importArchive(srcCtx, exported.file, { as: 'copy' });
    } catch (err) {
      if (!(err instanceof UsageError) || err.code !== 'archive-names-source') throw err;
      refusedAs = err.message;
      await importArchive(srcCtx, exported.file, { as: 'copy', force: true });
    }
    const copy = await describeSchema(src.url, 'org_copy', await rolesOf(src, 'copy'));
    const verify = await verifyFleet(srcCtx);
    const stats = await fleetStats(srcCtx);
    await importArchive(dstCtx, exported.file);
    const otherDatabase = await describeSchema(dst.url, 'org_src', await rolesOf(dst, 'src'));
    const extracted = path.join(dir, 'extracted');
    mkdirSync(extracted);
    execFileSync('tar', ['-xzf', exported.file, '-C', extracted]);
    psql(dst.url, '', ['-v', 'schema=restored', '-f', 'restore.sql'], extracted);
    const psqlRenamed = await describeSchema(dst.url, 'restored', srcRoles);
    return {
      reference,
      referenceFrom: oracle ? 'pg_dump' : 'source',
      source,
      copy,
      otherDatabase,
      psqlRenamed,
      refusedAs,
      verify,
      stats,
      warnings: exported.warnings,
      owner,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
