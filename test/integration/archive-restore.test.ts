import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDb } from '../helpers/db.js';
import { migrationsDir } from '../helpers/migrations.js';
import { initControlSchema } from '../../src/control/init.js';
import { createTenants } from '../../src/provision/create.js';
import { adopt } from '../../src/provision/adopt.js';
import { exportTenant } from '../../src/archive/export.js';
import { importArchive } from '../../src/archive/import.js';
import { verifyArchive } from '../../src/archive/verify.js';
import { verifyRestore } from '../../src/archive/restore-check.js';
import { verifyFleet } from '../../src/verify/verify.js';
import { tenantInfo } from '../../src/inspect/info.js';
import { FailedError, UsageError } from '../../src/shared/errors.js';
import type { Ctx } from '../../src/control/context.js';

/**
 * The faults issue 12 found, each as the input it gave: an archive that exports restores, a copy
 * uses its own objects, nothing is lost silently, and a broken archive is caught before the night
 * it is needed.
 */

let db: TestDb;
let ctx: Ctx;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-restore-'));

async function tenantWith(slug: string, sql: string) {
  await createTenants(ctx, { slugs: [slug] });
  await db.query(`SET search_path = org_${slug.replace(/-/g, '_')}, public; ${sql}`);
}

beforeAll(async () => {
  db = await freshDatabase();
  ctx = db.ctx();
  await initControlSchema(ctx);
});
afterAll(async () => {
  await db?.cleanup();
});

describe('the inputs of issue 12', () => {
  it('restore by import --as, and the copy uses its own objects, not its source', async () => {
    const icu = (
      await db.query(`SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collprovider = 'i') AS y`)
    ).rows[0].y;
    await tenantWith(
      'inputs',
      `CREATE FUNCTION _cat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1 || ',' || $2 $$;
       CREATE AGGREGATE cat(text) (SFUNC = _cat, STYPE = text);
       CREATE TABLE tg (g int, v text);
       CREATE VIEW t_cat AS SELECT g, cat(v) FROM tg GROUP BY g;
       CREATE TABLE people (id int PRIMARY KEY, first text, last text);
       CREATE FUNCTION full_name(p people) RETURNS text LANGUAGE sql AS $$ SELECT p.first || ' ' || p.last $$;
       CREATE VIEW people_v AS SELECT id, full_name(p) AS n FROM people p;
       CREATE FUNCTION count_people() RETURNS bigint LANGUAGE sql STABLE SET search_path FROM CURRENT
         AS $$ SELECT count(*) FROM people $$;
       ${icu ? `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false); CREATE TABLE tc (x text COLLATE ci);` : ''}
       CREATE TEXT SEARCH CONFIGURATION cfg (COPY = pg_catalog.simple); CREATE TABLE doc (body text);
       CREATE INDEX doc_fts ON doc USING gin (to_tsvector('cfg'::regconfig, body));
       CREATE TABLE tr (a int); CREATE RULE t_no_delete AS ON DELETE TO tr DO INSTEAD NOTHING;
       CREATE TABLE tp (a int); ALTER TABLE tp ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON tp USING (true);
       COMMENT ON POLICY p ON tp IS 'x';
       CREATE TABLE ev (id bigint NOT NULL, d text); CREATE TABLE ev_1 () INHERITS (ev); CREATE SEQUENCE ev_1_seq;
       ALTER TABLE ev_1 ALTER COLUMN id SET DEFAULT nextval('ev_1_seq');
       INSERT INTO tg VALUES (1, 'a'), (1, 'b'); INSERT INTO people VALUES (1, 'Ada', 'Lovelace'), (2, 'Alan', 'Turing');
       INSERT INTO tr VALUES (1);`,
    );
    const exported = await exportTenant(ctx, 'inputs', { outDir: tmp });
    expect(exported.gaps).toEqual([]);
    await importArchive(ctx, exported.file, { as: 'inputs-copy' });
    const q = async (sql: string) => (await db.query(sql)).rows;
    const tCat = await q(`SELECT * FROM org_inputs.t_cat`);
    expect(tCat).toHaveLength(1);
    expect(await q(`SELECT * FROM org_inputs_copy.t_cat`)).toEqual(tCat);
    expect(await q(`SELECT n FROM org_inputs_copy.people_v ORDER BY id`)).toEqual([
      { n: 'Ada Lovelace' },
      { n: 'Alan Turing' },
    ]);
    // the clone counts its own rows: its search_path names its own schema
    await db.query(`DELETE FROM org_inputs_copy.people WHERE id = 2`);
    expect(await q(`SELECT org_inputs_copy.count_people() AS n`)).toEqual([{ n: '1' }]);
    expect(await q(`SELECT org_inputs.count_people() AS n`)).toEqual([{ n: '2' }]);
    expect(
      await q(
        `SELECT proconfig FROM pg_proc WHERE oid = 'org_inputs_copy.count_people()'::regprocedure`,
      ),
    ).toEqual([{ proconfig: ['search_path=org_inputs_copy, public'] }]);
    // the index uses the copy's text search configuration, the column the copy's collation
    const bound = await q(
      `SELECT n.nspname FROM pg_depend d
       JOIN pg_ts_config c ON d.refclassid = 'pg_ts_config'::regclass AND c.oid = d.refobjid
       JOIN pg_namespace n ON n.oid = c.cfgnamespace
       WHERE d.classid = 'pg_class'::regclass AND d.objid = 'org_inputs_copy.doc_fts'::regclass
       ${
         icu
           ? `UNION ALL SELECT n.nspname FROM pg_attribute a JOIN pg_collation co ON co.oid = a.attcollation
              JOIN pg_namespace n ON n.oid = co.collnamespace WHERE a.attrelid = 'org_inputs_copy.tc'::regclass AND a.attname = 'x'`
           : ''
       }`,
    );
    expect(bound.length).toBe(icu ? 2 : 1);
    for (const b of bound) expect(b.nspname).toBe('org_inputs_copy');
    // the rule is the copy's, on the copy's table
    await db.query(`DELETE FROM org_inputs_copy.tr`);
    expect(await q(`SELECT count(*)::int AS n FROM org_inputs_copy.tr`)).toEqual([{ n: 1 }]);
    expect(
      await q(
        `SELECT obj_description(oid, 'pg_policy') AS c FROM pg_policy WHERE polrelid = 'org_inputs_copy.tp'::regclass`,
      ),
    ).toEqual([{ c: 'x' }]);
    // the child's own default came along
    await db.query(`INSERT INTO org_inputs_copy.ev_1 (d) VALUES ('x')`);
    // and the source can be dropped without taking anything of the copy along
    await db.query(`DROP SCHEMA org_inputs CASCADE`);
    expect(await q(`SELECT count(*)::int AS n FROM org_inputs_copy.ev_1`)).toEqual([{ n: 1 }]);
    expect(await q(`SELECT * FROM org_inputs_copy.t_cat`)).toEqual(tCat);
  });
});

describe('no silent gaps', () => {
  it('export fails naming what it cannot carry, nothing written; --allow-incomplete records it for import, export verify and info', async () => {
    await tenantWith(
      'gappy',
      `CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE CAST (text AS mood) WITH INOUT;`,
    );
    const dir = path.join(tmp, 'gappy');
    mkdirSync(dir);
    const err = await exportTenant(ctx, 'gappy', { outDir: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.code).toBe('archive-incomplete');
    expect(err.message).toMatch(/cast from text to .*mood: uses the tenant's types/);
    expect(readdirSync(dir)).toEqual([]);
    const r = await exportTenant(ctx, 'gappy', { outDir: dir, allowIncomplete: true });
    expect(r.gaps).toEqual([
      {
        object: expect.stringMatching(/^cast from text to/),
        reason: expect.stringMatching(/cast belongs to the database/),
      },
    ]);
    expect((await verifyArchive(r.file)).result.gaps).toEqual(r.gaps);
    const imported = await importArchive(ctx, r.file, { as: 'gappy-copy' });
    expect(imported.gaps).toEqual(r.gaps);
    expect(imported.warnings.join('\n')).toMatch(/does not carry cast from text/);
    expect((await tenantInfo(ctx, 'gappy-copy')).missing).toEqual(r.gaps);
    expect((await tenantInfo(ctx, 'gappy')).missing).toEqual([]);
  });
});

describe('an extension installed in the tenant schema', () => {
  it("is named as not carried (an extension belongs to the database); its members are not the tenant's", async (t) => {
    const have = await db.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'citext'`);
    if (have.rowCount === 0) {
      t.skip('citext is not available on this server');
      return;
    }
    await tenantWith(
      'extn',
      `CREATE EXTENSION citext SCHEMA org_extn; CREATE TABLE mail (a citext);`,
    );
    const err = await exportTenant(ctx, 'extn', {
      outDir: mkdtempSync(path.join(tmp, 'e-')),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedError);
    expect(err.message).toMatch(/1 object cannot be carried/);
    expect(err.message).toMatch(/extension citext: installed in the schema/);
  });
});

/** Extracts an archive, lets `edit` change its files, and packs it again with valid checksums. */
function tamper(archive: string, edit: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(tmp, 'tamper-'));
  const order = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  edit(dir);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const name of Object.keys(manifest.files)) {
    const body = readFileSync(path.join(dir, name));
    manifest.files[name] = {
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    };
  }
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const out = path.join(tmp, `tampered-${path.basename(dir)}.tar.gz`);
  execFileSync('tar', ['-czf', out, '-C', dir, ...order]);
  return out;
}

describe('export verify --restore', () => {
  let archive: string;
  beforeAll(async () => {
    await tenantWith(
      'proof',
      `CREATE TABLE item (id int PRIMARY KEY, name text); CREATE INDEX item_name ON item (name);
       INSERT INTO item SELECT g, 'n' || g FROM generate_series(1, 50) g;`,
    );
    archive = (await exportTenant(ctx, 'proof', { outDir: tmp })).file;
  });

  it('restores a good archive into a rolled-back scratch schema and finds it as described', async () => {
    const r = await verifyRestore(ctx, archive);
    expect(r).toMatchObject({ ok: true, problems: [], slug: 'proof' });
    expect(r.restoredInto).toMatch(/^tenantctl_restore_/);
    const left = await db.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenantctl_restore_%'`,
    );
    expect(left.rows).toEqual([]);
  });

  it('catches an archive whose restore would fail, though every checksum is right', async () => {
    const broken = tamper(archive, (dir) => {
      const f = path.join(dir, 'pre-data.sql');
      writeFileSync(
        f,
        `${readFileSync(f, 'utf8')}CREATE VIEW broken AS SELECT no_such_function();\n`,
      );
    });
    await expect(verifyArchive(broken)).resolves.toBeTruthy();
    const r = await verifyRestore(ctx, broken);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.stringMatching(
        /^the archive does not restore: restoring pre-data.sql line \d+ col \d+: function no_such_function\(\) does not exist/,
      ),
    ]);
    // and import of it changes nothing
    await expect(importArchive(ctx, broken, { as: 'proof-broken' })).rejects.toThrow(
      /no_such_function/,
    );
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'org_proof_broken'`,
        )
      ).rows[0].n,
    ).toBe(0);
  });

  it('catches an archive that restores without something it describes', async () => {
    const lossy = tamper(archive, (dir) => {
      const f = path.join(dir, 'post-data.sql');
      writeFileSync(
        f,
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => !l.includes('item_name'))
          .join('\n'),
      );
    });
    const r = await verifyRestore(ctx, lossy);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.stringMatching(/^not restored: index item\.item_name btree/),
    ]);
  });
});

describe('import checks migrations against what the database knows', () => {
  it('without a migrations directory: recorded hashes checked, unknown ones said to be unchecked, a different one refused', async () => {
    // A database of its own: tenants with migrations applied would make the other cases'
    // tenants (created without a migrations directory) be refused as born behind.
    const [own, empty, other] = [
      await freshDatabase(),
      await freshDatabase(),
      await freshDatabase(),
    ];
    try {
      await initControlSchema(own.ctx());
      const m = migrationsDir({ '1_notes.sql': 'CREATE TABLE notes (id int);\n' });
      const withDir = own.ctx({ migrationsDir: m.dir });
      await createTenants(withDir, { slugs: ['mig'] });
      const file = (await exportTenant(withDir, 'mig', { outDir: tmp })).file;
      const here = await importArchive(own.ctx(), file, { as: 'mig-copy' });
      expect(here.warnings.join('\n')).not.toMatch(/not checked/);

      await initControlSchema(empty.ctx());
      const r = await importArchive(empty.ctx(), file);
      expect(r.warnings.join('\n')).toMatch(
        /no migrations directory, and this database records none of the archive's 1 migration\(s\): their hashes were not checked/,
      );
      await initControlSchema(other.ctx());
      const changed = migrationsDir({ '1_notes.sql': 'CREATE TABLE notes (id bigint);\n' });
      await createTenants(other.ctx({ migrationsDir: changed.dir }), { slugs: ['local'] });
      const err = await importArchive(other.ctx(), file).catch((e) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toMatch(
        /migration 1 \(notes\) differs from the one this database records as applied/,
      );
      expect(
        (await other.query(`SELECT count(*)::int AS n FROM tenantctl.tenants WHERE slug = 'mig'`))
          .rows[0].n,
      ).toBe(0);
    } finally {
      await Promise.all([own.cleanup(), empty.cleanup(), other.cleanup()]);
    }
  });
});

describe('verify after import, adopt without a template', () => {
  it("a copy's grants to other roles are a note, not cross-tenant access; an adopted schema has no reference", async () => {
    const ext = `${db.rolePrefix}ext`;
    await db.query(`CREATE ROLE ${ext} NOLOGIN`);
    await tenantWith(
      'granting',
      `GRANT SELECT ON ALL TABLES IN SCHEMA org_granting TO ${ext}; GRANT USAGE ON SCHEMA org_granting TO ${ext};`,
    );
    const file = (await exportTenant(ctx, 'granting', { outDir: tmp })).file;
    await importArchive(ctx, file, { as: 'granting-copy' });
    await db.query(`CREATE SCHEMA org_brown; CREATE TABLE org_brown.t (a int)`);
    await adopt(ctx, { schemas: ['org_brown'] });
    const r = await verifyFleet(ctx, { slugs: ['granting', 'granting-copy', 'brown'] });
    const by = (slug: string) => r.tenants.find((t) => t.slug === slug)!;
    expect(by('granting')).toMatchObject({ ok: true, problems: [] });
    expect(by('granting-copy')).toMatchObject({ ok: true, problems: [] });
    expect(by('granting-copy').notes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^role ${ext} holds .* because the archive of tenant granting it was imported from did`,
        ),
      ),
    ]);
    expect(by('brown')).toMatchObject({ ok: true, template: null, problems: [] });
    expect(by('brown').notes).toEqual([
      expect.stringMatching(/^no reference: adopted without --template/),
    ]);
    expect(
      (await db.query(`SELECT template FROM tenantctl.tenants WHERE slug = 'brown'`)).rows,
    ).toEqual([{ template: null }]);
  });
});

describe('restore.sql under psql', () => {
  it('restores the archive of a tenant with every issue input under another schema name', async () => {
    await tenantWith(
      'psqlr',
      `CREATE TABLE people (id int PRIMARY KEY, first text, last text);
       CREATE FUNCTION full_name(p people) RETURNS text LANGUAGE sql AS $$ SELECT p.first || ' ' || p.last $$;
       CREATE VIEW people_v AS SELECT id, full_name(p) AS n FROM people p;
       CREATE TABLE tr (a int); CREATE RULE t_no_delete AS ON DELETE TO tr DO INSTEAD NOTHING;
       INSERT INTO people VALUES (1, 'Ada', 'Lovelace');`,
    );
    const file = (await exportTenant(ctx, 'psqlr', { outDir: tmp })).file;
    const dir = mkdtempSync(path.join(tmp, 'x-'));
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    const r = spawnSync(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-v',
        'schema=elsewhere',
        '-f',
        'restore.sql',
        '-d',
        db.url,
      ],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.status).toBe(0);
    expect((await db.query(`SELECT n FROM elsewhere.people_v`)).rows).toEqual([
      { n: 'Ada Lovelace' },
    ]);
    const rule = await db.query(
      `SELECT ev_class::regclass::text AS t FROM pg_rewrite WHERE rulename = 't_no_delete' AND ev_class = 'elsewhere.tr'::regclass`,
    );
    expect(rule.rows).toEqual([{ t: 'elsewhere.tr' }]);
  });
});

describe('verify compares meaning, not spelling', () => {
  it('a tenant exported and imported verifies clean against its template; real drift is still found', async () => {
    const version = Number(
      (await db.query(`SELECT current_setting('server_version_num') AS v`)).rows[0].v,
    );
    const template = mkdtempSync(path.join(tmp, 'tpl-'));
    writeFileSync(
      path.join(template, '01_items.sql'),
      `CREATE TYPE mood AS ENUM ('sad', 'ok');
       CREATE FUNCTION cheer(m mood) RETURNS mood LANGUAGE sql IMMUTABLE AS $$ SELECT 'ok'::mood $$;
       CREATE TABLE items (id int PRIMARY KEY, kind varchar(20) CHECK (kind IN ('a','b')), length int${
         version >= 180000
           ? ', length_hours numeric GENERATED ALWAYS AS (round(length / 60.0, 2)) VIRTUAL'
           : ''
       });
       CREATE TABLE a (id int, name text); CREATE TABLE b (id int);
       CREATE VIEW ab AS SELECT id, name FROM a UNION ALL SELECT id, NULL FROM b;\n`,
    );
    const tctx = db.ctx({ template });
    await createTenants(tctx, { slugs: ['spelled'] });
    const file = (await exportTenant(tctx, 'spelled', { outDir: tmp })).file;
    await importArchive(tctx, file, { as: 'spelled-copy' });
    // the copy's CHECK is printed differently from the template's: same meaning
    const defs = await db.query(
      `SELECT n.nspname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE c.conname = 'items_kind_check' AND n.nspname IN ('org_spelled', 'org_spelled_copy') ORDER BY 1`,
    );
    expect(defs.rows[0].def).not.toBe(defs.rows[1].def);
    let r = await verifyFleet(tctx, { slugs: ['spelled', 'spelled-copy'] });
    expect(r.tenants.map((t) => [t.slug, t.problems])).toEqual([
      ['spelled', []],
      ['spelled-copy', []],
    ]);
    await db.query(
      `ALTER TABLE org_spelled_copy.items DROP CONSTRAINT items_kind_check,
         ADD CONSTRAINT items_kind_check CHECK (kind IN ('a', 'c'))`,
    );
    r = await verifyFleet(tctx, { slugs: ['spelled-copy'] });
    expect(r.tenants[0].problems).toEqual([
      expect.stringMatching(/^constraint items\.items_kind_check differs: /),
    ]);
  });
});
