import { archiveEntries, ArchiveError, hashing, readAll, describeReadError } from './read.js';
import { MANIFEST, manifestProblems, type Manifest } from './manifest.js';

export interface VerifyResult {
  file: string;
  ok: true;
  slug: string;
  schema: string;
  formatVersion: number;
  tenantctlVersion: string;
  serverVersion: string;
  createdAt: string;
  files: number;
  tables: number;
  rows: number;
  migrations: number;
  warnings: string[];
  /** What the archive does not carry (it was exported with --allow-incomplete). */
  gaps: { object: string; reason: string }[];
}

/**
 * Reads the whole archive without a database: gzip and tar framing, the manifest, every file's
 * size and sha256, and the row count of every data file. Every mismatch is reported at once.
 */
export async function verifyArchive(
  file: string,
): Promise<{ result: VerifyResult; manifest: Manifest }> {
  const seen = new Map<string, { bytes: number; sha256: string; rows: number }>();
  const problems: string[] = [];
  let manifestText: Buffer | undefined;
  try {
    for await (const e of archiveEntries(file)) {
      if (e.name === MANIFEST) {
        manifestText = await readAll(e.body);
        continue;
      }
      if (seen.has(e.name)) problems.push(`${e.name} appears twice`);
      const h = hashing(e.body);
      let rows = 0;
      for await (const c of h.chunks)
        for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) rows++;
      seen.set(e.name, { bytes: h.bytes(), sha256: h.digest(), rows });
    }
  } catch (err) {
    throw describeReadError(file, err);
  }
  if (!manifestText)
    throw new ArchiveError(`${file}: no manifest.json (not a tenantctl archive, or truncated)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText.toString('utf8'));
  } catch {
    throw new ArchiveError(`${file}: manifest.json is not valid JSON`);
  }
  const structural = manifestProblems(manifest);
  if (structural.length) throw new ArchiveError(structural.map((p) => `${file}: ${p}`));
  for (const [name, want] of Object.entries(manifest.files)) {
    const got = seen.get(name);
    if (!got) problems.push(`${name} is missing`);
    else if (got.bytes !== want.bytes || got.sha256 !== want.sha256)
      problems.push(`${name} does not match its checksum (altered or damaged)`);
  }
  for (const name of seen.keys())
    if (!(name in manifest.files)) problems.push(`${name} is not listed in manifest.json`);
  for (const t of manifest.tables) {
    for (const f of t.files) {
      const got = seen.get(f.name);
      if (got && got.rows !== f.rows)
        problems.push(
          `${f.name} (table ${t.name}) holds ${got.rows} rows, manifest says ${f.rows}`,
        );
    }
    const sum = t.files.reduce((n, f) => n + f.rows, 0);
    if (sum !== t.rows)
      problems.push(`table ${t.name}: files hold ${sum} rows, manifest says ${t.rows}`);
  }
  if (problems.length)
    throw new ArchiveError(
      problems.map((p) => `${file}: ${p}`),
      { hint: 'the archive is damaged; use another copy' },
    );
  return {
    manifest,
    result: {
      file,
      ok: true,
      slug: manifest.slug,
      schema: manifest.schema,
      formatVersion: manifest.formatVersion,
      tenantctlVersion: manifest.tenantctlVersion,
      serverVersion: manifest.serverVersion,
      createdAt: manifest.createdAt,
      files: Object.keys(manifest.files).length + 1,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
      migrations: manifest.migrations.length,
      warnings: manifest.warnings,
      gaps: manifest.gaps ?? [],
    },
  };
}
