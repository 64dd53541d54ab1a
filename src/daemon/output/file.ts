// The writer proper: appends bytes to the open log with synchronous writes (strictly ordered; a
// crash loses at most what was not yet written), remembers the size at the last flush point and
// can cut a failed write back to it. It knows nothing of lines, frames or retries.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, writeSync } from 'node:fs';
import type { Compress } from '../defaults.js';
import type { Sink } from './frames.js';
import { openLog } from './open.js';

export class LogFile {
  private fd: number | null = null;
  /** File size at the last flush point: a failed write is cut back to it (no partial garbage). */
  private flushedSize = 0;
  /** Bytes that reached a flush point (compressed, as on disk), for the metrics file. */
  committedBytes = 0;

  constructor(
    readonly path: string,
    private readonly compress: Compress,
  ) {}

  /** Opens (creates) the log for appending; throws what openLog throws. */
  open(): void {
    this.fd = openLog(this.path, this.compress);
    this.flushedSize = fstatSync(this.fd).size;
  }

  /** Writes every byte of `chunk` (throws on a write error, ENOSPC included). */
  readonly append: Sink = (chunk) => {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd!, chunk, off, chunk.length - off);
  };

  /** Everything appended so far is a flush point; with `sync`, fsync'd first. */
  commit(sync: boolean): void {
    if (this.fd === null) return;
    if (sync) fsyncSync(this.fd);
    const size = fstatSync(this.fd).size;
    if (size > this.flushedSize) this.committedBytes += size - this.flushedSize;
    this.flushedSize = size;
  }

  /**
   * Cuts what a failed write left after the last flush point: a plain log keeps whole lines only,
   * and a compressed one ends at a block boundary, so the records counted lost are exactly the
   * records missing.
   */
  cutBack(): void {
    if (this.fd === null) return;
    try {
      if (fstatSync(this.fd).size > this.flushedSize) ftruncateSync(this.fd, this.flushedSize);
    } catch {
      // Best effort: a reader skips a broken tail anyway.
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing can report a deferred write error; the records are already counted.
    }
    this.fd = null;
  }
}
