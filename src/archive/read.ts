import { createReadStream, existsSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../shared/errors.js';
import { readTar, TarFormatError, sha256, type TarEntry } from './tar.js';

/** A damaged or unreadable archive: invalid input, found before anything is touched. */
export class ArchiveError extends UsageError {}

export function requireArchiveFile(file: string): void {
  if (!existsSync(file))
    throw new ArchiveError(`archive ${file} does not exist`, { code: 'archive-missing' });
  if (!statSync(file).isFile())
    throw new ArchiveError(`${file} is not a file`, { code: 'archive-missing' });
}

/** Gunzip and tar errors become one line naming the archive. */
export function describeReadError(file: string, err: unknown): unknown {
  if (err instanceof ArchiveError) return err;
  if (err instanceof TarFormatError) return new ArchiveError(`${file}: ${err.message}`);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'Z_BUF_ERROR' || (err as Error)?.message === 'unexpected end of file')
    return new ArchiveError(`${file}: archive is truncated (gzip stream ends early)`);
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new ArchiveError(`${file}: not a valid .tar.gz (${(err as Error).message})`);
  return err;
}

/** Entries of an archive in order, read as streams. */
export async function* archiveEntries(file: string): AsyncGenerator<TarEntry> {
  requireArchiveFile(file);
  // pipe() does not forward errors: a read error (the file removed or unreadable mid-way) would
  // be an unhandled 'error' event on the file stream; it is passed on to the gunzip stream.
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    yield* readTar(gunzip);
  } catch (err) {
    throw describeReadError(file, err);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** Hashes (and passes through) an entry's body; `check` afterwards compares with the manifest. */
export function hashing(body: AsyncIterable<Buffer>): {
  chunks: AsyncGenerator<Buffer>;
  digest: () => string;
  bytes: () => number;
} {
  const h = sha256();
  let n = 0;
  let digest: string | undefined;
  return {
    chunks: (async function* () {
      for await (const c of body) {
        h.update(c);
        n += c.length;
        yield c;
      }
    })(),
    digest: () => (digest ??= h.digest('hex')),
    bytes: () => n,
  };
}

export async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}
