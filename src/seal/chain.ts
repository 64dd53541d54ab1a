// The hash chain over every line precd writes (SPEC section 12). Definition, per segment:
//
//   chain_0 = 32 zero bytes
//   chain_k = SHA-256( chain_{k-1} || L_1 0x0A || L_2 0x0A || ... || L_n 0x0A )
//
// where L_1..L_n are the lines written after seal k-1 and before seal k (their exact UTF-8 bytes,
// each followed by the newline that ends it in the file; seal lines themselves are not hashed: they
// are linked by seal_seq, prev_mac and their own MAC), n is the seal's `records`, and chain_k is the
// seal's `chain` (hex). A changed, inserted, deleted or reordered line changes chain_k. A seal that
// covers no line (n = 0: the opening seal of a file, sealer.ts) carries chain_k = chain_{k-1}.
//
// Cost: one streaming SHA-256 per segment. Lines are UTF-8 encoded straight into a 64 KiB buffer
// and hashed a buffer at a time, so the writer's path pays one encode per line and one native
// hash call per many lines (a string gathered with += cost a flatten and a second encode).
import { createHash, type Hash } from 'node:crypto';

export const CHAIN_BYTES = 32;
export const ZERO_CHAIN: Buffer = Buffer.alloc(CHAIN_BYTES);
const GATHER_BYTES = 64 * 1024;

export class ChainSegment {
  private hash: Hash;
  private buf = Buffer.allocUnsafe(GATHER_BYTES);
  private used = 0;
  /** Lines added since the segment began (the next seal's `records`). */
  count = 0;

  /** A segment that continues from `prev` (the previous seal's chain value, or ZERO_CHAIN). */
  constructor(prev: Buffer | Hash, count = 0) {
    if (Buffer.isBuffer(prev)) {
      if (prev.length !== CHAIN_BYTES) throw new Error('a chain value is 32 bytes');
      this.hash = createHash('sha256').update(prev);
    } else {
      this.hash = prev;
    }
    this.count = count;
  }

  /** One line as written, without its newline. */
  add(line: string): void {
    this.count++;
    // A UTF-16 unit never takes more than 3 bytes of UTF-8; the newline 1.
    if (this.used + 3 * line.length + 1 > this.buf.length) {
      this.drain();
      if (3 * line.length + 1 > this.buf.length) {
        this.hash.update(line, 'utf8').update('\n');
        return;
      }
    }
    this.used += this.buf.write(line, this.used);
    this.buf[this.used++] = 0x0a;
  }

  /**
   * Lines already encoded, each with its newline, in order after those added so far (precd's batch
   * bytes): hashed as they are. Their number is the caller's to add to `count`.
   */
  addBytes(bytes: Buffer): void {
    this.drain();
    if (bytes.length > 0) this.hash.update(bytes);
  }

  /** The chain value after the lines added so far (the segment stays usable). */
  value(): Buffer {
    this.drain();
    return this.hash.copy().digest();
  }

  /** An independent copy at this point (for rolling back lines a write error discarded). */
  copy(): ChainSegment {
    this.drain();
    return new ChainSegment(this.hash.copy(), this.count);
  }

  private drain(): void {
    if (this.used === 0) return;
    this.hash.update(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}
