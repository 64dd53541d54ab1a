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
import { GZIP_MAGIC, isZstdSkippableMagic, startsLogData, ZSTD_MAGIC } from './format.js';
import { memberStartsLog } from './gzip.js';
import { PlainProbe } from './resync.js';
import { InputWindow, OutputBuffer, type ByteSink, type Warn } from './sink.js';

const binding = createRequire(import.meta.url)('zstd-napi/binding') as typeof ZstdBinding;

const BLOCK_MAX = 128 * 1024;
/** How far behind the decode position bytes are kept for a backwards search after damage. */
const LOOKBACK = 2 * BLOCK_MAX + 64 * 1024;

type State = 'frame' | 'block' | 'feed' | 'skip' | 'search' | 'detached';

export class ZstdDecoder implements ByteSink {
  private readonly win = new InputWindow();
  private readonly out: BlockOutput;
  private dctx = new binding.DCtx();
  private state: State = 'frame';
  private cursor = 0;
  private remaining = 0;
  private afterFeed: 'block' | 'frame' | 'checksum' = 'block';
  private checksum = false;
  private frameStart = 0;
  private unitStart = 0;
  /** Where the damage being skipped began; -1 when not skipping. */
  private damagedAt = -1;
  /** Skipping after a gap upstream, which was reported there already. */
  private quiet = false;
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
  /** Plain record lines after damage (only when another format may follow: onOtherFormat). */
  private readonly plain = new PlainProbe();
  /** The input has ended: a candidate plain line is judged on the bytes there are. */
  private ending = false;

  /**
   * @param onOtherFormat receives the rest of the input when plain records or a gzip member
   *   follow a frame (the log's compress setting changed): this decoder is then done. After
   *   damage, plain record lines are looked for as well as the next frame (see resync.ts).
   * @param base offset of this decoder's first input byte in the stream being read (a file
   *   whose format changed is decoded in parts): warnings give offsets in that stream.
   */
  constructor(
    private readonly next: ByteSink,
    private readonly label: string,
    private readonly warn: Warn,
    private readonly onOtherFormat?: (rest: Buffer) => void,
    private readonly base = 0,
  ) {
    this.out = new BlockOutput(next);
  }

  write(data: Buffer): void {
    if (this.state === 'detached') return;
    this.win.push(data);
    this.run();
    this.out.flush();
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
    if (this.state === 'search' && this.damagedAt >= 0 && !this.quiet) {
      this.warn(`${this.label}: damaged zstd frame at byte ${this.base + this.damagedAt}, no frame after it`);
    }
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

  private run(): void {
    const win = this.win;
    for (;;) {
      switch (this.state) {
        case 'frame': {
          if (this.otherFormatAt(this.cursor)) {
            this.handOver();
            return;
          }
          const head = win.peek(this.cursor, 5);
          if (!head) {
            // Fewer than 5 bytes: enough to tell a skippable frame or garbage only with 4.
            const four = win.peek(this.cursor, 4);
            if (four && !four.equals(ZSTD_MAGIC) && !isZstdSkippableMagic(four)) this.damage(this.cursor, this.cursor + 1);
            else return;
            break;
          }
          if (head.subarray(0, 4).equals(ZSTD_MAGIC)) {
            const fhd = head[4]!;
            if (fhd & 0x08) {
              this.damage(this.cursor, this.cursor + 1);
              break;
            }
            const size = frameHeaderSize(fhd);
            const hdr = win.peek(this.cursor, size);
            if (!hdr) return;
            this.frameStart = this.cursor;
            this.checksum = (fhd & 0x04) !== 0;
            if (!this.decode(hdr)) {
              this.damage(this.cursor, this.cursor + 1);
              break;
            }
            this.cursor += size;
            this.frameGave = false;
            this.rawTail = -1;
            this.state = 'block';
          } else if (isZstdSkippableMagic(head)) {
            const h = win.peek(this.cursor, 8);
            if (!h) return;
            this.remaining = h.readUInt32LE(4);
            this.cursor += 8;
            this.state = 'skip';
          } else {
            this.damage(this.cursor, this.cursor + 1);
          }
          break;
        }
        case 'block': {
          const h = win.peek(this.cursor, 3);
          if (!h) return;
          const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
          const type = (v >> 1) & 3;
          const size = v >>> 3;
          if (type === 3 || size > BLOCK_MAX) {
            // Typically the magic of a frame appended after this one was cut short: search here.
            if (this.otherFormatAt(this.cursor)) {
              this.warn(`${this.label}: damaged zstd frame at byte ${this.base + this.frameStart}, resumed at byte ${this.base + this.cursor}`);
              this.handOver();
              return;
            }
            this.damage(this.frameStart, this.unsure(this.cursor));
            break;
          }
          this.unitStart = this.cursor;
          this.blockType = type;
          this.out.hold();
          this.remaining = 3 + (type === 1 ? 1 : size);
          this.unitEnd = this.cursor + this.remaining;
          this.blockChecked = type !== 2 || !this.onOtherFormat;
          this.afterFeed = v & 1 ? (this.checksum ? 'checksum' : 'frame') : 'block';
          this.state = 'feed';
          break;
        }
        case 'feed': {
          if (!this.blockChecked) {
            // A compressed block cut short by a crash takes the plain records a restart with
            // compress = "no" appended for the rest of its bytes, and zstd may well decode them
            // without an error: as copies of earlier lines. So a compressed block is decoded only
            // once it is whole and none of its bytes starts a plain record line (see resync.ts;
            // zstd's literals never hold a whole record line). Its output would come only then
            // anyway.
            // Candidates are the `{"` wholly inside the block, so that the bytes after it (the
            // next block, as a rule) are not waited for. So a block exactly one byte short,
            // which takes the `{` of the first plain record for its last byte, is not caught
            // here: zstd may decode it into garbage without an error.
            if (win.end < this.unitEnd) return;
            let line = this.plain.find(win, this.unitStart + 3, this.unitEnd - 1, this.ending);
            // A record line the block holds verbatim (raw literals) is not one appended after it.
            while (line !== undefined && line >= 0) {
              const past = this.plain.runsPast(win, line, this.unitEnd, this.ending);
              if (past === true) break;
              line = past === undefined ? undefined : this.plain.find(win, line + 1, this.unitEnd - 1, this.ending);
            }
            // A candidate line still without its end waits for it, unless nothing more is coming.
            if (line === undefined && !this.idling) return;
            if (line !== undefined && line >= 0) {
              this.out.drop();
              this.damage(this.frameStart, this.unsure(this.unitStart));
              break;
            }
            // Likewise the first bytes of a zstd frame a restart appended (compress unchanged):
            // zstd decodes them into copies of earlier lines, and the frame is lost.
            const frame = this.appendedFrame();
            if (frame === undefined && !this.idling) return;
            if (frame === true) {
              this.out.drop();
              this.damage(this.frameStart, this.unsure(this.unitStart));
              break;
            }
            this.blockChecked = true;
          }
          while (this.remaining > 0 && this.cursor < win.end) {
            const piece = win.slice(this.cursor, this.remaining);
            if (!this.decode(piece)) {
              this.out.drop();
              this.damage(this.frameStart, this.unsure(this.unitStart));
              break;
            }
            this.cursor += piece.length;
            this.remaining -= piece.length;
            // A raw block's bytes are text, which never holds a frame or member magic: one there
            // starts a frame (or gzip member) appended after this block was cut short (precd
            // killed, then restarted), which its declared size took. Only the text before it is
            // the block's.
            if (this.blockType === 0) {
              const from = Math.max(this.unitStart + 3, this.cursor - piece.length - 3);
              const bytes = win.peek(from, Math.min(win.end, this.cursor + 3) - from);
              const z = bytes?.indexOf(ZSTD_MAGIC) ?? -1;
              const g = this.onOtherFormat ? (bytes?.indexOf(GZIP_MAGIC) ?? -1) : -1;
              const i = z < 0 ? g : g < 0 ? z : Math.min(z, g);
              if (i >= 0 && from + i < this.cursor) {
                this.out.keep(from + i - (this.unitStart + 3));
                this.damage(this.frameStart, from + i);
                break;
              }
            }
          }
          if (this.state !== 'feed') break; // damaged
          if (this.remaining > 0) return;
          if (this.blockType === 0 && this.onOtherFormat) {
            const junction = this.plain.findJunction(win, this.unitStart + 4, this.cursor, this.ending);
            if (junction === undefined && !this.idling) return; // its line is still to come
            if (junction !== undefined && junction >= 0) {
              this.cutRawAt(junction);
              return;
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
          break;
        }
        case 'skip': {
          const n = Math.min(this.remaining, win.end - this.cursor);
          this.cursor += n;
          this.remaining -= n;
          if (this.remaining > 0) return;
          this.state = 'frame';
          break;
        }
        case 'detached':
          return;
        case 'search': {
          const frame = win.indexOf(ZSTD_MAGIC, this.cursor);
          let at = frame;
          if (this.onOtherFormat) {
            // A gzip member or plain records may come first (or no frame at all): whichever
            // starts first wins.
            const line = this.plain.find(win, this.cursor, frame < 0 ? win.end : frame, this.ending);
            const linePos = line === undefined ? this.plain.pending : line;
            const member = this.gzipMember(this.cursor, linePos >= 0 ? linePos : frame >= 0 ? frame : win.end);
            // A candidate that needs more bytes to tell, with nothing before it: wait there.
            const waitAt = member?.wait ? member.at : line === undefined ? linePos : -1;
            if (waitAt >= 0) {
              this.cursor = waitAt;
              return;
            }
            if (member) at = member.at;
            else if (line !== undefined && line >= 0) at = line;
          }
          if (at < 0) {
            this.cursor = Math.max(this.cursor, win.end - (ZSTD_MAGIC.length - 1));
            win.trim(this.cursor - LOOKBACK);
            return;
          }
          if (this.damagedAt >= 0 && !this.quiet) {
            this.warn(`${this.label}: damaged zstd frame at byte ${this.base + this.damagedAt}, resumed at byte ${this.base + at}`);
          }
          this.damagedAt = -1;
          this.quiet = false;
          this.cursor = at;
          if (at !== frame) {
            this.handOver();
            return;
          }
          this.state = 'frame';
          break;
        }
      }
      win.trim(this.cursor - LOOKBACK);
    }
  }

  /**
   * The first gzip member in [from, limit) that inflates to log data (a gzip magic alone is too
   * common in compressed bytes to trust), or the first that needs more bytes to tell (`wait`);
   * undefined when none.
   */
  private gzipMember(from: number, limit: number): { at: number; wait: boolean } | undefined {
    for (let at = this.win.indexOf(GZIP_MAGIC, from); at >= 0 && at < limit; at = this.win.indexOf(GZIP_MAGIC, at + 1)) {
      const flg = this.win.peek(at + 3, 1);
      if (flg && (flg[0]! & 0xe0) !== 0) continue;
      const starts = flg ? memberStartsLog(this.win, at, this.ending) : this.ending ? false : 'wait';
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
    this.warn(`${this.label}: damaged zstd frame at byte ${this.base + this.frameStart}, resumed at byte ${this.base + junction}`);
    this.cursor = junction;
    this.handOver();
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

  private handOver(): void {
    this.out.flush();
    // A line the frame's content left unfinished (a frame cut by a crash) ends here.
    this.next.gap();
    const rest = this.win.peek(this.cursor, this.win.end - this.cursor) ?? Buffer.alloc(0);
    this.state = 'detached';
    this.onOtherFormat!(rest);
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
