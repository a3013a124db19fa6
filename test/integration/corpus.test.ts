import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  corpusFacts,
  corpusHeader,
  skipReason,
  roundTrip,
  withoutTenantGrants,
  withoutBodies,
  withoutExpressionText,
  type Facts,
} from '../helpers/corpus.js';
// @ts-expect-error plain JavaScript, shared with the corpus checker
import { corpusFiles, CORPUS_DIR } from '../corpus/check.mjs';

/**
 * Every corpus schema (test/corpus: one object kind or dependency shape per small file, public
 * schemas written by others in real/) round-tripped through export / import --as, another
 * database and restore.sql under psql, and compared with the pg_dump oracle (or, without a
 * pg_dump of the server's version, with the source schema). Files whose requirements the server
 * does not meet (version, ICU, extensions, superuser) are skipped with the reason.
 */

let facts: Facts;
let tools: { pgDump: string; psql: string } | null;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tctl-corpus-'));

beforeAll(async () => {
  ({ facts, tools } = await corpusFacts());
});

const files: string[] = corpusFiles();

describe.concurrent('corpus round trip', () => {
  for (const file of files) {
    const rel = path.relative(CORPUS_DIR, file);
    it(rel, async (t) => {
      const { header } = corpusHeader(file);
      const why = skipReason(header, facts);
      if (why) {
        t.skip(why);
        return;
      }
      const r = await roundTrip(file, tools, tmp);
      try {
        // The description is not vacuous: it holds the file's objects.
        expect(
          Object.values(r.source).reduce(
            (n: number, v) => n + (Array.isArray(v) ? v.length : 0),
            0,
          ),
        ).toBeGreaterThan(1);
        // Bodies that name the schema keep naming it in a copy: import --as refuses them.
        const names = header.placeholder;
        expect(r.refusedAs !== undefined).toBe(names);
        // pg_dump -n leaves publication membership out; tenantctl carries it, so that part of
        // the description is compared with the source.
        const reference = { ...r.reference, publications: r.source.publications };
        const comparable = (d: typeof r.copy) => (names ? withoutBodies(d) : d);
        // Where pg_dump itself restores the schema differently (dump-differs), the copy may
        // equal either pg_dump's copy or the source; compared with the source, expression text
        // that PostgreSQL prints differently after a restore is left out.
        const matches = (d: typeof r.copy, ref: typeof r.copy, source: typeof r.copy) => {
          if (!header.dumpDiffers) {
            expect(comparable(d)).toEqual(comparable(ref));
            return;
          }
          const asOracle = JSON.stringify(comparable(d)) === JSON.stringify(comparable(ref));
          if (!asOracle)
            expect(withoutExpressionText(comparable(d))).toEqual(
              withoutExpressionText(comparable(source)),
            );
        };
        matches(r.copy, reference, r.source);
        matches(r.otherDatabase, reference, r.source);
        const noGrants = (d: typeof r.copy) => withoutTenantGrants(d, r.owner);
        matches(noGrants(r.psqlRenamed), noGrants(reference), noGrants(r.source));

        // verify: the source, built from its template, and the copy, restored from the archive,
        // both agree with the template's reference (in meaning: PostgreSQL prints some restored
        // expressions differently); whatever else verify says of the source, it says of the copy.
        const [src, cp] = ['src', 'copy'].map(
          (slug) => r.verify.tenants.find((t) => t.slug === slug)!,
        );
        const structural = (ps: string[]) =>
          ps.filter((p) => /^(missing|extra) |differs: /.test(p));
        expect(structural(src.problems)).toEqual([]);
        expect(structural(cp.problems)).toEqual([]);
        if (names)
          for (const t of [src, cp])
            expect(t.notes.join('\n')).toMatch(/^no reference: adopted without --template/);
        const isolation = (ps: string[], slug: string) =>
          ps
            .filter((p) => !/^(missing|extra) |differs: /.test(p))
            .map((p) => p.split(`org_${slug}`).join('<schema>'));
        expect(isolation(cp.problems, 'copy')).toEqual(isolation(src.problems, 'src'));
        // stats: both tenants, the same tables
        const st = (slug: string) => r.stats.tenants.find((t) => t.slug === slug)!;
        expect(st('copy').tables).toBe(st('src').tables);
        expect(st('src').schemaExists && st('copy').schemaExists).toBe(true);
      } finally {
        await r.cleanup();
      }
    });
  }
});
