// Bytes -> lines. Works on large decoded buffers: one UTF-8 validation and one string split per
// buffer, so a multi-hundred-megabyte log costs no per-byte JavaScript.
import { isAscii, isUtf8 } from 'node:buffer';
import type { ByteSink } from '../codec/sink.js';
import { decodeSurrogateEscape } from './surrogate.js';

const NL = 0x0a;
/**
 * A line longer than this is not a record (precd's are bounded by max_args x max_arg_length):
 * it is skipped as it streams by rather than held, so garbage without newlines cannot exhaust
 * memory.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface LineHandler {
  /**
   * Complete lines (without their '\n'), in order. The array is the handler's to keep. A line
   * that is not valid UTF-8 comes with each byte of its invalid sequences as the lone surrogate
   * U+DC80+byte (surrogateescape, see surrogate.ts).
   */
  lines(batch: string[]): void;
  /** A line longer than MAX_LINE_BYTES (its first KiB). ('invalid-utf8' is no longer given.) */
  invalidLine(bytes: Buffer, reason: 'invalid-utf8' | 'too-long'): void;
  /** At the end of the input, the bytes after the last '\n' (a record not yet flushed, or cut). */
  tail(text: string): void;
}

/**
 * Picks, from raw bytes, the lines worth decoding (a query's prefilter): lines it drops are never
 * turned into strings, which is most of the cost of reading a large log for a rare match. It sees
 * every line once, in file order, so it may keep state (the CLI tracks the event_ids whose end
 * records it still needs).
 */
export interface LineSelector {
  /**
   * `block`: whole lines separated by '\n' (no final one), valid UTF-8, or else a single line
   * that is not (the reader then keeps and decodes it whatever is returned). The lines to keep,
   * in order.
   */
  select(block: Buffer): string[];
}

export class LineSplitter implements ByteSink {
  /** Pieces of a line not yet ended by '\n'. */
  private parts: Buffer[] = [];
  private partLength = 0;
  /** The line in progress went past MAX_LINE_BYTES: skipped up to its newline. */
  private overlong: Buffer | undefined;
  /** Held pieces are copies and lines become strings: nothing of a written buffer is kept. */
  readonly copiesInput = true;

  constructor(
    private readonly handler: LineHandler,
    private readonly selector?: LineSelector,
  ) {}

  write(data: Buffer): void {
    if (this.partLength > 0 || this.overlong) {
      const nl = data.indexOf(NL);
      if (nl < 0) {
        this.hold(data);
        return;
      }
      this.hold(data.subarray(0, nl));
      this.endHeld();
      data = data.subarray(nl + 1);
    }
    const last = data.lastIndexOf(NL);
    if (last < 0) {
      this.hold(data);
      return;
    }
    this.emit(data.subarray(0, last));
    this.hold(data.subarray(last + 1));
  }

  /** Bytes were lost: the line in progress is cut and is dropped. */
  gap(): void {
    this.reset();
  }

  finish(): void {
    if (this.overlong) this.handler.invalidLine(this.overlong, 'too-long');
    else if (this.partLength > 0) {
      const rest = Buffer.concat(this.parts, this.partLength);
      this.handler.tail(isUtf8(rest) ? rest.toString('utf8') : decodeSurrogateEscape(rest));
    }
    this.reset();
  }

  /** Forgets the line in progress (the file was truncated or replaced). */
  reset(): void {
    this.parts = [];
    this.partLength = 0;
    this.overlong = undefined;
  }

  private hold(piece: Buffer): void {
    if (piece.length === 0 || this.overlong) return;
    if (this.partLength + piece.length > MAX_LINE_BYTES) {
      this.overlong = Buffer.concat([...this.parts, piece]).subarray(0, 1024);
      this.parts = [];
      this.partLength = 0;
      return;
    }
    this.parts.push(Buffer.from(piece));
    this.partLength += piece.length;
  }

  private endHeld(): void {
    if (this.overlong) this.handler.invalidLine(this.overlong, 'too-long');
    else this.emit(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partLength));
    this.reset();
  }

  /** `block` holds whole lines separated by '\n', without the final one. */
  private emit(block: Buffer): void {
    if (this.selector) {
      // Validating the whole block is cheap (SIMD) and keeps the count of invalid lines exact.
      if (isUtf8(block)) this.keep(this.selector.select(block));
      else this.emitEach(block);
      return;
    }
    // Logs are mostly ASCII, which decodes to a one-byte string much faster than UTF-8 does.
    if (isAscii(block)) {
      this.handler.lines(block.toString('ascii').split('\n'));
      return;
    }
    if (isUtf8(block)) {
      this.handler.lines(block.toString('utf8').split('\n'));
      return;
    }
    this.emitEach(block);
  }

  private keep(lines: string[]): void {
    if (lines.length > 0) this.handler.lines(lines);
  }

  /** Rare: some line is not UTF-8. Find it; it is decoded with surrogateescape. */
  private emitEach(block: Buffer): void {
    let batch: string[] = [];
    let start = 0;
    while (start <= block.length) {
      let nl = block.indexOf(NL, start);
      if (nl < 0) nl = block.length;
      const line = block.subarray(start, nl);
      if (isUtf8(line)) {
        if (!this.selector) batch.push(line.toString('utf8'));
        else for (const kept of this.selector.select(line)) batch.push(kept);
      } else {
        // Rare, so never dropped unparsed: the record parser counts it if it is no record, as
        // without a selector. The selector still sees it, for its state.
        this.selector?.select(line);
        batch.push(decodeSurrogateEscape(line));
      }
      start = nl + 1;
    }
    if (batch.length > 0) this.handler.lines(batch);
  }
}
