// Streaming zstd decoding that survives what precd leaves behind: concatenated frames (one per
// open of the log), a last frame still being written, and a frame cut short by kill -9 with a new
// frame appended after it.
//
// Why walk the frame structure here instead of handing big chunks to the decoder: when zstd hits
// an error it returns no output for that call, so any good blocks decoded in the same call would
// be lost. We feed the decoder one block at a time and check each block header first; the common
// kill -9 case (a frame ends after a complete block and the next frame's magic follows) is then
// caught before the decoder sees it, and nothing flushed is lost.
import { createRequire } from 'node:module';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { findGzipHeader, GZIP_MAGIC, isZstdSkippableMagic, startsLogData, ZSTD_MAGIC } from './format.js';
import { memberStartsLog } from './gzip-decode.js';
import { ResyncingDecoder, type DecoderOptions } from './resume.js';
import { OutputBuffer, type ByteSink, type InputWindow, type Warn } from './sink.js';

const binding = createRequire(import.meta.url)('zstd-napi/binding') as typeof ZstdBinding;

const BLOCK_MAX = 128 * 1024;
/** How far behind the decode position bytes are kept for a backwards search after damage. */
const LOOKBACK = 2 * BLOCK_MAX + 64 * 1024;

type State = 'frame' | 'block' | 'feed' | 'skip' | 'search' | 'detached';

/**
 * A small state machine over the frame structure, one method per state: 'frame' (a frame or
 * skippable frame header), 'block' (a block header), 'feed' (a block's bytes, checksum included),
 * 'skip' (a skippable frame's content), 'search' (the next frame or other format after damage).
 * Each state method returns true to go on (the state may have changed), false to wait for input.
 */
export class ZstdDecoder extends ResyncingDecoder {
  private readonly out: BlockOutput;
  private dctx = new binding.DCtx();
  private state: State = 'frame';
  private cursor = 0;
  private remaining = 0;
  private afterFeed: 'block' | 'frame' | 'checksum' = 'block';
  private checksum = false;
  private frameStart = 0;
  private unitStart = 0;
  /** Whether a block of the current frame was decoded (its lines given). */
  private frameGave = false;
  /**
   * When the last block decoded was a raw block: where the line its bytes leave unfinished
   * starts (just after its last newline); -1 otherwise.
   */
  private rawTail = -1;
  /** Type of the block being fed (0 raw, 1 RLE, 2 compressed; -1 the frame's checksum). */
  private blockType = 0;
  /** End of the block being fed, and whether it was checked for plain lines among its bytes. */
  private unitEnd = 0;
  private blockChecked = true;
  /** In idle(): nothing more is coming for now. */
  private idling = false;
  /** The input has ended: a candidate plain line is judged on the bytes there are. */
  private ending = false;

  /** See DecoderOptions: another format after a frame is a gzip member or plain records. */
  constructor(next: ByteSink, label: string, warn: Warn, options: DecoderOptions) {
    super(next, label, warn, 'zstd', options);
    this.out = new BlockOutput(next);
  }

  protected get output(): OutputBuffer {
    return this.out;
  }

  protected get detached(): boolean {
    return this.state === 'detached';
  }

  protected detach(): void {
    this.state = 'detached';
  }

  gap(): void {
    if (this.state === 'detached') return;
    this.out.release();
    this.out.flush();
    const midFrame = this.state !== 'frame' || this.cursor < this.win.end;
    this.dctx.reset(binding.ResetDirective.sessionOnly);
    this.next.gap();
    // Whatever follows may start anywhere, even inside a frame: look for the next frame start.
    this.state = 'search';
    this.cursor = this.win.end;
    if (midFrame || this.damagedAt >= 0) this.quiet = true;
    this.damagedAt = -1;
  }

  finish(): void {
    this.ending = true;
    this.idle();
    // A plain line that waited for its newline is judged now.
    if (this.state === 'search') this.run();
    if (this.state === 'detached') return;
    // A block cut short at the end gives what zstd could decode of it (a raw block's bytes).
    this.out.release();
    this.out.flush();
    if (this.state === 'search' && this.damagedAt >= 0 && !this.quiet) this.warnDamaged(this.damagedAt, -1);
    // A frame cut short at the end (precd still writing, or killed) has given every complete
    // block already: nothing to report.
    this.next.finish();
  }

  idle(): void {
    this.idling = true;
    try {
      // A whole compressed block held for a line that may be plain text (see 'feed'): nothing
      // more is coming for now, so it is judged on the bytes there are.
      if (this.state === 'feed') this.run();
      // A block still waiting for its bytes, with a frame start among the bytes it would take:
      // the block was cut short (precd killed mid-write) and the frame appended after it was
      // swallowed by the block's declared size. Read that frame now. Plain lines (precd
      // restarted with compress = "no") are looked for too, in a compressed block only: a raw
      // block's bytes are text themselves, and given as such when the input ends.
      if (this.state === 'feed' && this.blockType === 0 && this.onOtherFormat) {
        // A raw block cut short, then plain records taken for the rest of its bytes.
        const junction = this.plain.findJunction(this.win, this.unitStart + 4, this.win.end, this.ending);
        if (junction !== undefined && junction >= 0) this.cutRawAt(junction);
      }
      while (this.state === 'feed' && (this.win.indexOf(ZSTD_MAGIC, this.unitStart + 3) >= 0 || this.plainSwallowed())) {
        // A raw block's output is its bytes: only those before the appended frame or member are
        // its text (neither magic is ever text). Giving the rest would decode that frame inside
        // this one's content as well as after it.
        const swallowed = this.blockType === 0 ? this.swallowedAt() : -1;
        if (swallowed >= 0) {
          this.out.keep(swallowed - (this.unitStart + 3));
          this.damage(this.frameStart, swallowed);
          this.run();
          continue;
        }
        this.damage(this.frameStart, this.unsure(this.unitStart));
        this.run();
      }
    } finally {
      this.idling = false;
    }
    if (this.state !== 'detached') {
      this.out.flush();
      this.next.idle?.();
    }
  }

  protected run(): void {
    while (this.step()) this.win.trim(this.cursor - LOOKBACK);
  }

  private step(): boolean {
    switch (this.state) {
      case 'frame':
        return this.onFrame();
      case 'block':
        return this.onBlock();
      case 'feed':
        return this.onFeed();
      case 'skip':
        return this.onSkip();
      case 'search':
        return this.onSearch();
      case 'detached':
        return false;
    }
  }

  /** A frame header, a skippable frame's, or the start of another format. */
  private onFrame(): boolean {
    if (this.otherFormatAt(this.cursor)) {
      this.handOver(this.cursor, true);
      return false;
    }
    const head = this.win.peek(this.cursor, 5);
    if (!head) {
      // Fewer than 5 bytes: enough to tell a skippable frame or garbage only with 4.
      const four = this.win.peek(this.cursor, 4);
      if (!four || four.equals(ZSTD_MAGIC) || isZstdSkippableMagic(four)) return false;
      this.damage(this.cursor, this.cursor + 1);
      return true;
    }
    if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return this.frameHeader(head[4]!);
    if (!isZstdSkippableMagic(head)) {
      this.damage(this.cursor, this.cursor + 1);
      return true;
    }
    const h = this.win.peek(this.cursor, 8);
    if (!h) return false;
    this.remaining = h.readUInt32LE(4);
    this.cursor += 8;
    this.state = 'skip';
    return true;
  }

  /** The header of a zstd frame whose descriptor byte is `fhd`. */
  private frameHeader(fhd: number): boolean {
    if (fhd & 0x08) {
      this.damage(this.cursor, this.cursor + 1);
      return true;
    }
    const size = frameHeaderSize(fhd);
    const hdr = this.win.peek(this.cursor, size);
    if (!hdr) return false;
    this.frameStart = this.cursor;
    this.checksum = (fhd & 0x04) !== 0;
    if (!this.decode(hdr)) {
      this.damage(this.cursor, this.cursor + 1);
      return true;
    }
    this.cursor += size;
    this.frameGave = false;
    this.rawTail = -1;
    this.state = 'block';
    return true;
  }

  private onBlock(): boolean {
    const h = this.win.peek(this.cursor, 3);
    if (!h) return false;
    const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    const type = (v >> 1) & 3;
    const size = v >>> 3;
    if (type === 3 || size > BLOCK_MAX) {
      // Typically the magic of a frame appended after this one was cut short: search here.
      if (this.otherFormatAt(this.cursor)) {
        this.warnDamaged(this.frameStart, this.cursor);
        this.handOver(this.cursor, true);
        return false;
      }
      this.damage(this.frameStart, this.unsure(this.cursor));
      return true;
    }
    this.unitStart = this.cursor;
    this.blockType = type;
    this.out.hold();
    this.remaining = 3 + (type === 1 ? 1 : size);
    this.unitEnd = this.cursor + this.remaining;
    this.blockChecked = type !== 2 || !this.onOtherFormat;
    this.afterFeed = v & 1 ? (this.checksum ? 'checksum' : 'frame') : 'block';
    this.state = 'feed';
    return true;
  }

  /** A block's bytes (header included), or the frame's checksum. */
  private onFeed(): boolean {
    if (!this.blockChecked) {
      const verdict = this.checkBlock();
      if (verdict === 'wait') return false;
      if (verdict === 'appended') {
        this.out.drop();
        this.damage(this.frameStart, this.unsure(this.unitStart));
        return true;
      }
      this.blockChecked = true;
    }
    if (!this.feedBytes()) return true; // damaged
    if (this.remaining > 0) return false;
    return this.endBlock();
  }

  /**
   * A compressed block cut short by a crash takes the plain records a restart with
   * compress = "no" appended for the rest of its bytes, and zstd may well decode them without an
   * error: as copies of earlier lines. So a compressed block is decoded only once it is whole and
   * none of its bytes starts a plain record line (see resync.ts; zstd's literals never hold a
   * whole record line), nor a frame or member a restart appended. Its output would come only
   * then anyway. 'wait': that needs bytes still to come.
   *
   * Candidates are the `{"` wholly inside the block, so that the bytes after it (the next block,
   * as a rule) are not waited for. So a block exactly one byte short, which takes the `{` of the
   * first plain record for its last byte, is not caught here: zstd may decode it into garbage
   * without an error.
   */
  private checkBlock(): 'wait' | 'appended' | 'clean' {
    const win = this.win;
    if (win.end < this.unitEnd) return 'wait';
    let line = this.plain.find(win, this.unitStart + 3, this.unitEnd - 1, this.ending);
    // A record line the block holds verbatim (raw literals) is not one appended after it.
    while (line !== undefined && line >= 0) {
      const past = this.plain.runsPast(win, line, this.unitEnd, this.ending);
      if (past === true) break;
      line = past === undefined ? undefined : this.plain.find(win, line + 1, this.unitEnd - 1, this.ending);
    }
    // A candidate line still without its end waits for it, unless nothing more is coming.
    if (line === undefined && !this.idling) return 'wait';
    if (line !== undefined && line >= 0) return 'appended';
    // Likewise the first bytes of a zstd frame a restart appended (compress unchanged): zstd
    // decodes them into copies of earlier lines, and the frame is lost.
    const frame = this.appendedFrame();
    if (frame === undefined && !this.idling) return 'wait';
    return frame === true ? 'appended' : 'clean';
  }

  /** Decodes the block's bytes that have arrived; false when it turned out damaged. */
  private feedBytes(): boolean {
    const win = this.win;
    while (this.remaining > 0 && this.cursor < win.end) {
      const piece = win.slice(this.cursor, this.remaining);
      if (!this.decode(piece)) {
        this.out.drop();
        this.damage(this.frameStart, this.unsure(this.unitStart));
        return false;
      }
      this.cursor += piece.length;
      this.remaining -= piece.length;
      if (this.blockType === 0 && this.magicInRawBlock(piece.length)) return false;
    }
    return true;
  }

  /**
   * A raw block's bytes are text, which never holds a frame or member magic: one among the
   * `fed` bytes just decoded starts a frame (or gzip member) appended after this block was cut
   * short (precd killed, then restarted), which its declared size took. Only the text before it
   * is the block's: true when so (the rest is damage).
   */
  private magicInRawBlock(fed: number): boolean {
    const win = this.win;
    const from = Math.max(this.unitStart + 3, this.cursor - fed - 3);
    const bytes = win.peek(from, Math.min(win.end, this.cursor + 3) - from);
    const z = bytes?.indexOf(ZSTD_MAGIC) ?? -1;
    const g = this.onOtherFormat ? (bytes?.indexOf(GZIP_MAGIC) ?? -1) : -1;
    const i = z < 0 ? g : g < 0 ? z : Math.min(z, g);
    if (i < 0 || from + i >= this.cursor) return false;
    this.out.keep(from + i - (this.unitStart + 3));
    this.damage(this.frameStart, from + i);
    return true;
  }

  /** The block (or checksum) was decoded whole: its output goes, and the frame goes on. */
  private endBlock(): boolean {
    if (this.blockType === 0 && this.onOtherFormat) {
      const junction = this.plain.findJunction(this.win, this.unitStart + 4, this.cursor, this.ending);
      if (junction === undefined && !this.idling) return false; // its line is still to come
      if (junction !== undefined && junction >= 0) {
        this.cutRawAt(junction);
        return false;
      }
    }
    this.out.release();
    this.frameGave = true;
    this.rawTail = -1;
    if (this.blockType === 0) {
      const nl = this.win.peek(this.unitStart + 3, this.cursor - this.unitStart - 3)?.lastIndexOf(0x0a) ?? -1;
      if (nl >= 0) this.rawTail = this.unitStart + 3 + nl + 1;
    }
    if (this.afterFeed === 'checksum') {
      this.unitStart = this.cursor;
      this.blockType = -1;
      this.blockChecked = true;
      this.remaining = 4;
      this.afterFeed = 'frame';
    } else {
      this.state = this.afterFeed;
    }
    return true;
  }

  private onSkip(): boolean {
    const n = Math.min(this.remaining, this.win.end - this.cursor);
    this.cursor += n;
    this.remaining -= n;
    if (this.remaining > 0) return false;
    this.state = 'frame';
    return true;
  }

  /** After damage: the next frame, or (another format may follow) a gzip member or plain records. */
  private onSearch(): boolean {
    const win = this.win;
    const frame = win.indexOf(ZSTD_MAGIC, this.cursor);
    let at = frame;
    if (this.onOtherFormat) {
      const other = this.otherFormatBefore(frame);
      if (other === undefined) return false;
      if (other >= 0) at = other;
    }
    if (at < 0) {
      this.cursor = Math.max(this.cursor, win.end - (ZSTD_MAGIC.length - 1));
      win.trim(this.cursor - LOOKBACK);
      return false;
    }
    this.resumeAt(at);
    this.cursor = at;
    if (at !== frame) {
      this.handOver(at, true);
      return false;
    }
    this.state = 'frame';
    return true;
  }

  /**
   * Where a gzip member or plain records start after the cursor and before `frame` (-1: the
   * input's end), whichever comes first; -1 none. undefined when a candidate with nothing
   * before it needs more bytes to tell: the cursor then waits there.
   */
  private otherFormatBefore(frame: number): number | undefined {
    const win = this.win;
    const line = this.plain.find(win, this.cursor, frame < 0 ? win.end : frame, this.ending);
    const linePos = line === undefined ? this.plain.pending : line;
    const member = this.gzipMember(this.cursor, linePos >= 0 ? linePos : frame >= 0 ? frame : win.end);
    const waitAt = member?.wait ? member.at : line === undefined ? linePos : -1;
    if (waitAt >= 0) {
      this.cursor = waitAt;
      return undefined;
    }
    if (member) return member.at;
    return line !== undefined && line >= 0 ? line : -1;
  }

  /**
   * The first gzip member in [from, limit) that inflates to log data (a gzip magic alone is too
   * common in compressed bytes to trust), or the first that needs more bytes to tell (`wait`);
   * undefined when none.
   */
  private gzipMember(from: number, limit: number): { at: number; wait: boolean } | undefined {
    for (let at = findGzipHeader(this.win, from); at >= 0 && at < limit; at = findGzipHeader(this.win, at + 1)) {
      const flagHeld = at + 4 <= this.win.end;
      const starts = flagHeld ? memberStartsLog(this.win, at, this.ending) : this.ending ? false : 'wait';
      if (starts === 'wait') return { at, wait: true };
      if (starts) return { at, wait: false };
    }
    return undefined;
  }

  /**
   * A raw block whose bytes hold a plain record line starting in the middle of a line (see
   * PlainProbe.findJunction): what comes before the cut line is given, the cut line dropped,
   * and the rest read as plain text.
   */
  private cutRawAt(junction: number): void {
    this.out.keep(junction - (this.unitStart + 3));
    this.out.release();
    this.warnDamaged(this.frameStart, junction);
    this.cursor = junction;
    this.handOver(junction, true);
  }

  /**
   * Whether the block being fed, still short of bytes, has a gzip member or (a compressed
   * block) a plain record line among them: it was cut short and precd, restarted with another
   * compress setting, appended what the block's declared size swallows.
   */
  private plainSwallowed(): boolean {
    if (!this.onOtherFormat) return false;
    // A gzip member (precd restarted with compress = "gz"), whatever the block.
    const member = this.gzipMember(this.unitStart + 3, this.win.end);
    if (member && !member.wait) return true;
    if (this.blockType !== 2) return false;
    const at = this.plain.find(this.win, this.unitStart + 3, this.win.end, this.ending);
    return at !== undefined && at >= 0;
  }

  /**
   * Whether a zstd frame or gzip member that decodes to log data starts among the bytes of the compressed block
   * being fed (a magic alone is too common in compressed bytes to trust); undefined while that
   * needs bytes that have not arrived.
   */
  private appendedFrame(): boolean | undefined {
    const from = this.unitStart + 3;
    const bytes = this.win.peek(from, Math.min(this.win.end, this.unitEnd + 3) - from);
    for (let i = bytes?.indexOf(ZSTD_MAGIC) ?? -1; i >= 0 && from + i < this.unitEnd; i = bytes!.indexOf(ZSTD_MAGIC, i + 1)) {
      const starts = frameStartsLog(this.win, from + i, this.ending);
      if (starts === 'wait') return undefined;
      if (starts) return true;
    }
    // A gzip member (a restart with compress = "gz") whose first bytes the block took.
    for (let i = bytes?.indexOf(GZIP_MAGIC) ?? -1; i >= 0 && from + i < this.unitEnd; i = bytes!.indexOf(GZIP_MAGIC, i + 1)) {
      const starts = memberStartsLog(this.win, from + i, this.ending);
      if (starts === 'wait') return undefined;
      if (starts) return true;
    }
    return false;
  }

  /** Where a zstd frame or a gzip member (log data) starts among the block's bytes; -1 none. */
  private swallowedAt(): number {
    const frame = this.win.indexOf(ZSTD_MAGIC, this.unitStart + 3);
    const member = this.onOtherFormat ? this.gzipMember(this.unitStart + 3, frame >= 0 ? frame : this.win.end) : undefined;
    return member && !member.wait ? member.at : frame;
  }

  /** Plain records or a gzip member start at `pos` (never a zstd frame: that is ours). */
  private otherFormatAt(pos: number): boolean {
    if (!this.onOtherFormat) return false;
    const bytes = this.win.peek(pos, Math.min(4, this.win.end - pos));
    return bytes !== undefined && bytes.length >= 2 && !bytes.equals(ZSTD_MAGIC.subarray(0, bytes.length)) && startsLogData(bytes);
  }

  /** Decodes `src` completely; false (output of this call dropped) when zstd reports an error. */
  private decode(src: Buffer): boolean {
    const out = this.out;
    try {
      for (;;) {
        const room = out.room();
        const [, produced, consumed] = this.dctx.decompressStream(room, src);
        out.pos += produced;
        if (produced === 0 && consumed === 0 && src.length > 0) return false;
        if (consumed === src.length) {
          if (produced < room.length) return true;
          src = src.subarray(src.length);
        } else {
          src = src.subarray(consumed);
        }
      }
    } catch {
      return false;
    }
  }

  /**
   * Where the search for what follows damage at `pos`, in the current frame, starts: there, just
   * after the frame's magic when nothing of the frame was given yet, or at the line a raw block
   * left unfinished. A frame cut inside its
   * header, then plain records (precd restarted with compress = "no"), took the first bytes of
   * the first record for header bytes; no line of the frame can be given twice from there.
   */
  private unsure(pos: number): number {
    if (!this.frameGave) return Math.min(pos, this.frameStart + ZSTD_MAGIC.length);
    // A raw block cut short takes plain text that follows for its last bytes, given as its
    // content: the line across its end (held unfinished, dropped with the damage) is read again
    // from its start, as plain text, if it is one.
    return this.rawTail >= 0 ? Math.min(pos, this.rawTail) : pos;
  }

  private damage(frameAt: number, searchFrom: number): void {
    this.out.release();
    this.out.flush();
    this.dctx.reset(binding.ResetDirective.sessionOnly);
    this.next.gap();
    if (this.damagedAt < 0) this.damagedAt = frameAt;
    this.state = 'search';
    this.cursor = Math.max(searchFrom, this.win.start);
  }
}

/**
 * Whether a zstd frame starting at `at` in `win` decodes to the start of log data (a record line,
 * another frame, a gzip member); 'wait' while that is undecided and more bytes may come.
 */
function frameStartsLog(win: InputWindow, at: number, ending: boolean): boolean | 'wait' {
  const trial = new binding.DCtx();
  const out = Buffer.alloc(64);
  let got = 0;
  for (let pos = at; got < 4; ) {
    if (pos >= win.end) return ending ? got > 0 && startsLogData(out.subarray(0, got)) : 'wait';
    const src = win.slice(pos, BLOCK_MAX);
    let produced: number;
    let consumed: number;
    try {
      [, produced, consumed] = trial.decompressStream(out.subarray(got), src);
    } catch {
      return false;
    }
    if (produced === 0 && consumed === 0) return false;
    pos += consumed;
    got += produced;
  }
  return startsLogData(out.subarray(0, got));
}

/** Size of a zstd frame header (magic included) from its descriptor byte (RFC 8878 3.1.1.1). */
function frameHeaderSize(fhd: number): number {
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
  return 4 + 1 + (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
}

/**
 * Output that holds back what the block being decoded has produced until zstd has accepted the
 * whole block. zstd decodes a raw block as its bytes arrive but checks it (the frame's content
 * size, after the last block) only at its end, and an error drops the output of the call that
 * found it: without holding, what a damaged block gives would depend on how its bytes arrived
 * (all of it in pieces, none of it at once).
 */
class BlockOutput extends OutputBuffer {
  /** Where the held output starts; -1 when nothing is held. */
  private heldFrom = -1;

  /** Starts holding. Makes room for a whole block first, so that room() never flushes held bytes. */
  hold(): void {
    if (this.buf.length - this.pos <= BLOCK_MAX) this.flush();
    this.heldFrom = this.pos;
  }

  /** The block decoded: its output may go. */
  release(): void {
    this.heldFrom = -1;
  }

  /** Keeps only the first `n` bytes of the held output. */
  keep(n: number): void {
    if (this.heldFrom >= 0) this.pos = Math.min(this.pos, this.heldFrom + n);
  }

  /** The block was damaged: its output is discarded. */
  drop(): void {
    if (this.heldFrom >= 0) this.pos = this.heldFrom;
    this.heldFrom = -1;
  }

  override flush(): void {
    if (this.heldFrom < 0) {
      super.flush();
      return;
    }
    // Let go of what comes before the held bytes, then move those to the front of the buffer.
    const old = this.buf;
    const from = this.heldFrom;
    const end = this.pos;
    this.pos = from;
    super.flush();
    old.copy(this.buf, this.pos, from, end);
    this.heldFrom = this.pos;
    this.pos += end - from;
  }
}
