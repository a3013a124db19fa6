import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { entryHeader, padding, END_OF_ARCHIVE, sha256 } from './tar.js';
import type { ArchiveFile } from './manifest.js';

/**
 * Largest data file: COPY output is held in memory up to this size, because a tar header must
 * carry its entry's size before the entry. Cuts fall on row boundaries, so each file is a valid
 * COPY input by itself.
 */
export const DATA_FILE_BYTES = 8 * 1024 * 1024;

/**
 * A .tar.gz written under a temporary name next to its destination and renamed into place only
 * when complete and synced: a failure at any point (unwritable directory, full disk, lost
 * connection) leaves nothing at the destination and no temporary file either.
 */
export class ArchiveWriter {
  readonly files: Record<string, ArchiveFile> = {};
  private readonly gzip: Gzip;
  private readonly done: Promise<void>;
  private readonly mtime = new Date();
  private failed: unknown;
  private published = false;

  private constructor(
    readonly finalPath: string,
    readonly tempPath: string,
  ) {
    this.gzip = createGzip({ level: 6 });
    // 'wx': never write through a file someone else created at the temporary name.
    this.done = pipeline(this.gzip, createWriteStream(tempPath, { flags: 'wx', mode: 0o600 }));
    this.done.catch((err) => (this.failed ??= err));
  }

  static open(finalPath: string): ArchiveWriter {
    const dir = path.dirname(finalPath);
    const temp = path.join(
      dir,
      `.${path.basename(finalPath)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    return new ArchiveWriter(finalPath, temp);
  }

  private async write(buf: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    if (buf.length === 0) return;
    if (!this.gzip.write(buf))
      await Promise.race([once(this.gzip, 'drain'), this.done.then(() => {})]);
    if (this.failed) throw this.failed;
  }

  private async entry(name: string, parts: Buffer[], size: number): Promise<void> {
    const hash = sha256();
    await this.write(entryHeader(name, size, this.mtime));
    for (const p of parts) {
      hash.update(p);
      await this.write(p);
    }
    await this.write(padding(size));
    this.files[name] = { bytes: size, sha256: hash.digest('hex') };
  }

  async addFile(name: string, content: string | Buffer): Promise<void> {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await this.entry(name, [buf], buf.length);
  }

  /**
   * COPY text from `source` as one or more files named by `nameOf(part)`; returns each file with
   * its row count (one row per newline: COPY text escapes newlines inside values).
   */
  async addCopyData(
    source: AsyncIterable<Buffer>,
    nameOf: (part: number) => string,
  ): Promise<{ name: string; rows: number }[]> {
    const out: { name: string; rows: number }[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (parts: Buffer[], size: number) => {
      const name = nameOf(out.length);
      let rows = 0;
      for (const p of parts) for (let i = p.indexOf(10); i !== -1; i = p.indexOf(10, i + 1)) rows++;
      await this.entry(name, parts, size);
      out.push({ name, rows });
    };
    for await (const chunk of source) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < DATA_FILE_BYTES) continue;
      const cut = chunk.lastIndexOf(10);
      // A single row longer than the limit: keep reading until it ends.
      if (cut === -1) continue;
      const head = chunk.subarray(0, cut + 1);
      const tail = chunk.subarray(cut + 1);
      pending[pending.length - 1] = head;
      await flush(pending, pendingBytes - tail.length);
      pending = tail.length ? [tail] : [];
      pendingBytes = tail.length;
    }
    if (pendingBytes > 0) await flush(pending, pendingBytes);
    return out;
  }

  /** Ends the archive and syncs it, still under its temporary name; returns its size. */
  async finish(): Promise<number> {
    await this.write(END_OF_ARCHIVE);
    this.gzip.end();
    await this.done;
    const fh = await open(this.tempPath, 'r+');
    try {
      await fh.sync();
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  }

  /** Renames the finished archive into place, durably. */
  async publish(): Promise<void> {
    await rename(this.tempPath, this.finalPath);
    this.published = true;
    // The rename itself must survive a crash for a cron job to trust the file.
    const dir = await open(path.dirname(this.finalPath), 'r').catch(() => null);
    await dir?.sync().catch(() => {});
    await dir?.close();
  }

  /** Ends the archive, syncs it and renames it into place. */
  async commit(): Promise<number> {
    const size = await this.finish();
    await this.publish();
    return size;
  }

  /** Removes the temporary file (never a published archive); safe to call more than once. */
  async abort(): Promise<void> {
    if (this.published) return;
    this.failed ??= new Error('aborted');
    this.gzip.destroy();
    await this.done.catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
}
