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
// Cost: one streaming SHA-256 per segment. Lines are gathered into a string and hashed 64 KiB at a
// time, so the writer's path pays one native call per many lines, not one per line.
import { createHash, type Hash } from 'node:crypto';

export const CHAIN_BYTES = 32;
export const ZERO_CHAIN: Buffer = Buffer.alloc(CHAIN_BYTES);
const GATHER_UNITS = 64 * 1024;

export class ChainSegment {
  private hash: Hash;
  private gathered = '';
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
    this.gathered += line + '\n';
    this.count++;
    if (this.gathered.length >= GATHER_UNITS) this.drain();
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
    if (this.gathered.length === 0) return;
    this.hash.update(this.gathered, 'utf8');
    this.gathered = '';
  }
}
