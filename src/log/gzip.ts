// Streaming gzip decoding for logs: concatenated members (one per open of the log), a last member
// still being written (sync-flushed, no trailer yet), and a member cut short with a new member
// appended after it.
//
// Why node:zlib's handle is driven directly (writeSync with Z_BLOCK): the public stream API drops
// every byte decoded in a write that ends in an error, and stops at trailing data. Inflating one
// deflate block per call instead means an error costs only the damaged block itself and tells
// where the damage starts, so reading can resume at the next member. The handle is internal to
// Node; `openHandle` checks its shape and fails loudly if a Node release changes it.
import zlib from 'node:zlib';
import { GZIP_MAGIC, startsLogData } from './format.js';
import { InputWindow, OutputBuffer, type ByteSink, type Warn } from './sink.js';

/**
 * Compressed bytes per inflate call. An error drops what the failing call decoded, and a deflate
 * block may hold a whole batch of records: small calls bound what corruption inside a block
 * costs to the records of about this many compressed bytes.
 */
const PIECE = 1024;
const LOOKBACK = 256 * 1024;
/** Trailer (8) + the 4 bytes of a zstd magic after it, and some slack. */
const DECIDE_BYTES = 16;

interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number) => void;
}

interface Inflater {
  stream: zlib.Gunzip;
  handle: ZlibHandle;
  /** [avail_out, avail_in] after each write, filled in by Node. */
  state: Uint32Array;
  error?: string;
}

function openHandle(): Inflater {
  const stream = zlib.createGunzip();
  const internals = stream as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
  const handle = internals._handle;
  const state = internals._writeState;
  if (!handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array)) {
    throw new Error('this Node.js release does not expose the zlib handle prec needs to read gzip logs');
  }
  const inflater: Inflater = { stream, handle, state };
  handle.onerror = (message) => {
    inflater.error = message;
  };
  return inflater;
}

export class GzipDecoder implements ByteSink {
  private readonly win = new InputWindow();
  private readonly out: OutputBuffer;
  private inflater: Inflater | undefined = openHandle();
  /** Absolute offset of the next input byte to inflate. */
  private cursor = 0;
  /** Looking for the next member start after damage. */
  private searching = false;
  /** Where the damage being skipped was noticed; -1 when not skipping. */
  private damagedAt = -1;
  /** Skipping after a gap upstream, which was reported there already. */
  private quiet = false;
  /** Where inflating last (re)started: a member found there that fails at once is skipped. */
  private resumedAt = 0;
  /** Handed over to another format: this decoder is done. */
  private detached = false;
  /** Where inflating failed, while waiting for the bytes that say why; -1 otherwise. */
  private failedAt = -1;

  /**
   * @param onOtherFormat receives the rest of the input when plain records or a zstd frame
   *   follow a member (the log's compress setting changed): this decoder is then done.
   */
  constructor(
    private readonly next: ByteSink,
    private readonly label: string,
    private readonly warn: Warn,
    private readonly onOtherFormat?: (rest: Buffer) => void,
  ) {
    this.out = new OutputBuffer(next);
  }

  write(data: Buffer): void {
    if (this.detached) return;
    this.win.push(data);
    this.run();
    this.out.flush();
  }

  gap(): void {
    if (this.detached) return;
    this.out.flush();
    this.next.gap();
    this.close();
    this.searching = true;
    this.failedAt = -1;
    this.cursor = this.win.end;
    this.quiet = true;
    this.damagedAt = -1;
  }

  finish(): void {
    if (this.detached) return;
    if (this.failedAt >= 0) this.run(true);
    if (this.detached) return;
    this.out.flush();
    if (this.searching && this.damagedAt >= 0 && !this.quiet) {
      this.warn(`${this.label}: damaged gzip data at byte ${this.damagedAt}, no member after it`);
    }
    this.close();
    this.next.finish();
  }

  private close(): void {
    this.inflater?.stream.close();
    this.inflater = undefined;
  }

  private run(finishing = false): void {
    const win = this.win;
    while (this.cursor < win.end) {
      if (this.searching) {
        const at = this.findMember(this.cursor);
        if (at === undefined) return; // a candidate whose flag byte has not arrived yet
        if (at < 0) {
          this.cursor = Math.max(this.cursor, win.end - (GZIP_MAGIC.length - 1));
          win.trim(this.cursor - LOOKBACK);
          return;
        }
        if (this.damagedAt >= 0 && !this.quiet) {
          this.warn(`${this.label}: damaged gzip data at byte ${this.damagedAt}, resumed at byte ${at}`);
        }
        this.damagedAt = -1;
        this.quiet = false;
        this.searching = false;
        this.cursor = at;
        this.resumedAt = at;
        this.inflater = openHandle();
      }
      if (this.failedAt < 0) {
        const piece = win.slice(this.cursor, PIECE);
        if (this.inflate(piece)) {
          win.trim(this.cursor - LOOKBACK);
          continue;
        }
        this.failedAt = this.cursor;
      }
      // What follows the failure tells a change of format from damage; wait to see enough of it.
      if (win.end - this.failedAt < DECIDE_BYTES && !finishing) return;
      this.failedAt = -1;
      const other = this.otherFormatNear(this.cursor);
      if (other >= 0) {
        this.out.flush();
        // A line the member's content left unfinished (a member cut by a crash) ends here.
        this.next.gap();
        this.close();
        this.detached = true;
        this.onOtherFormat!(win.peek(other, win.end - other) ?? Buffer.alloc(0));
        return;
      }
      this.out.flush();
      this.next.gap();
      this.close();
      if (this.damagedAt < 0) this.damagedAt = this.cursor;
      this.searching = true;
      // The damaged block starts at the cursor, and a member appended after a cut-short one
      // starts there too in the usual case. When nothing was read since resuming, the member
      // found there is itself unreadable: look past it.
      this.cursor = Math.max(this.cursor + (this.cursor === this.resumedAt ? 1 : 0), win.start);
      win.trim(this.cursor - LOOKBACK);
    }
  }

  /** Inflates `src` one deflate block per call, advancing the cursor; false on damage. */
  private inflate(src: Buffer): boolean {
    const z = this.inflater!;
    const out = this.out;
    let off = 0;
    for (;;) {
      const room = out.room();
      const inLen = src.length - off;
      z.handle.writeSync(zlib.constants.Z_BLOCK, src, off, inLen, room, 0, room.length);
      if (z.error !== undefined) return false;
      const availOut = z.state[0]!;
      const availIn = z.state[1]!;
      const produced = room.length - availOut;
      const consumed = inLen - availIn;
      out.pos += produced;
      off += consumed;
      this.cursor += consumed;
      if (availIn === 0 && availOut > 0) return true;
      if (produced === 0 && consumed === 0) {
        // The member ended and what follows is not a member zlib will start (zero padding,
        // garbage): look for the next member after it.
        return false;
      }
    }
  }

  /**
   * Where plain records or a zstd frame start right after the member that just ended, or -1.
   * zlib reports the end of a member and the unreadable start of what follows as one failed call
   * that began before the 8-byte trailer, or (data arriving a byte at a time) one that began a
   * byte or two into what follows: look there first.
   */
  private otherFormatNear(pos: number): number {
    if (!this.onOtherFormat) return -1;
    for (const off of [8, 0, -1, -2, -3, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]) {
      const at = pos + off;
      const bytes = this.win.peek(at, Math.min(4, this.win.end - at));
      if (bytes && bytes.length >= 2 && !bytes.subarray(0, 2).equals(GZIP_MAGIC.subarray(0, 2)) && startsLogData(bytes)) {
        return at;
      }
    }
    return -1;
  }

  /** Next plausible member start at or after `from`: -1 none, undefined not decidable yet. */
  private findMember(from: number): number | undefined {
    for (;;) {
      const at = this.win.indexOf(GZIP_MAGIC, from);
      if (at < 0) return -1;
      const flg = this.win.peek(at + 3, 1);
      if (!flg) return undefined;
      if ((flg[0]! & 0xe0) === 0) return at; // reserved flag bits must be zero
      from = at + 1;
    }
  }
}
