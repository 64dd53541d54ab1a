// The line batcher: serialized records encoded to UTF-8 as they arrive, newline-terminated, waiting
// for the next frame write.

// Batches are compressed once they reach this size even before the flush interval: bounds memory
// during a storm and keeps zlib/zstd calls large enough to be cheap per record.
export const CHUNK_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The records queued for the next compression call, UTF-8 encoded as they arrive into one reused
 * buffer: under an exec storm an array of pending strings outlived young-generation collections
 * (promotion, old-generation GC), and joining it copied every byte once more before encoding.
 * The bytes are exactly those of `lines.join('\n') + '\n'`.
 */
export class PendingLines {
  private buf = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  private used = 0;
  /** Lines queued. */
  count = 0;
  /** UTF-16 units of the lines plus their newlines: the batch size is measured as it always was. */
  units = 0;
  /** Where the bytes not yet handed out by sinceMark() begin. */
  private mark = 0;

  push(line: string): void {
    // A UTF-16 unit never takes more than 3 bytes of UTF-8; the newline 1.
    const worst = this.used + 3 * line.length + 1;
    if (worst > this.buf.length) this.grow(worst);
    this.used += this.buf.write(line, this.used);
    this.buf[this.used++] = 0x0a;
    this.count++;
    this.units += line.length + 1;
  }

  /**
   * The bytes queued since the previous call (or since the queue was emptied): the seal slot hashes
   * them here instead of encoding each line a second time. The view is valid until the next push().
   */
  sinceMark(): Buffer {
    const data = this.buf.subarray(this.mark, this.used);
    this.mark = this.used;
    return data;
  }

  /** The queued bytes and an empty queue. The view is valid until the next push(): the frames
   *  consume it synchronously. */
  take(): Buffer {
    const data = this.count === 0 ? EMPTY : this.buf.subarray(0, this.used);
    this.clear();
    return data;
  }

  clear(): void {
    this.used = 0;
    this.mark = 0;
    this.count = 0;
    this.units = 0;
    // Give back what one huge record made it grow to.
    if (this.buf.length > 8 * CHUNK_BYTES) this.buf = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * this.buf.length));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}
