import { Header } from 'tar';
import { createHash } from 'node:crypto';

/**
 * The few tar operations archives need, on top of node-tar's header codec. Entries are written
 * straight into the gzip stream (no temp files) and read back as streams, so an archive of any
 * size passes through constant memory. A tar header must state the entry's size, which is why
 * table data is cut into files of bounded size (see write.ts).
 */

export const BLOCK = 512;

export function entryHeader(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`archive entry name too long: ${name}`);
  const buf = Buffer.alloc(BLOCK);
  new Header({ path: name, mode: 0o644, size, mtime, type: 'File', uid: 0, gid: 0 }).encode(buf, 0);
  return buf;
}

export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

export function sha256(): ReturnType<typeof createHash> {
  return createHash('sha256');
}

/** Why an archive could not be read; the caller names the file. */
export class TarFormatError extends Error {}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    return true;
  }

  /** Exactly n bytes, or null at a clean end of input before the first byte. */
  async exact(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) {
      if (!(await this.more())) {
        if (this.buf.length === 0) return null;
        throw new TarFormatError('archive is truncated');
      }
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.more()))
        throw new TarFormatError('archive is truncated');
      const take = Math.min(left, this.buf.length);
      const out = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      yield out;
    }
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** Must be consumed (or left alone: the reader skips what is left) before asking for the next entry. */
  body: AsyncGenerator<Buffer>;
}

export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  for (;;) {
    const block = await r.exact(BLOCK);
    if (block === null) throw new TarFormatError('archive is truncated (no end-of-archive marker)');
    const h = new Header(block, 0);
    if (h.nullBlock) return;
    if (!h.cksumValid) throw new TarFormatError('archive is damaged (bad tar header checksum)');
    if (h.type !== 'File' || !h.path || h.size === undefined)
      throw new TarFormatError(
        `archive holds an unexpected entry ${JSON.stringify(h.path)} (${h.type})`,
      );
    const size = h.size;
    let consumed = 0;
    const body = (async function* () {
      for await (const c of r.chunks(size)) {
        consumed += c.length;
        yield c;
      }
    })();
    yield { name: h.path, size, body };
    // Whatever the consumer left (or abandoned mid-way) is skipped to reach the next header.
    if (consumed < size) for await (const _ of r.chunks(size - consumed)) void _;
    const pad = padding(size).length;
    if (pad && (await r.exact(pad)) === null) throw new TarFormatError('archive is truncated');
  }
}
