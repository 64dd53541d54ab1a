// Streaming gzip decoding for logs: concatenated members (one per open of the log), a last member
// still being written (sync-flushed, no trailer yet), and a member cut short with a new member
// appended after it.
//
// Why node:zlib's handle is driven directly (writeSync with Z_BLOCK): the public stream API drops
// every byte decoded in a write that ends in an error, and stops at trailing data. Inflating one
// deflate block per call instead means an error costs only the damaged block itself and tells
// where the damage starts, so reading can resume at the next member. The handle is internal to
// Node; `openHandle` checks its shape and fails loudly if a Node release changes it.
//
// A member cut in the middle of a deflate block (precd killed mid-write, then restarted) is
// followed by the next member's header, which inflate takes as more compressed data: it may
// decode garbage for a long while, or swallow the whole next member, without any error. So
// inflating never runs past a gzip magic (1F 8B 08) inside a member: there the decoder decides
// whether the member ended there (its trailer's ISIZE matches), the magic is only data (no member
// decodes from it, or it is copied verbatim from a stored block: a gzip inside a gzip), or the
// member was cut there and the new member is read from its start.
import zlib from 'node:zlib';
import { findGzipHeader, GZIP_MAGIC, startsLogData, ZSTD_MAGIC } from './format.js';
import { ResyncingDecoder, type DecoderOptions } from './resume.js';
import { OutputBuffer, type ByteSink, type InputWindow, type Warn } from './sink.js';

/**
 * Compressed bytes per inflate call. An error drops what the failing call decoded, and a deflate
 * block may hold a whole batch of records: small calls bound what corruption inside a block
 * costs to the records of about this many compressed bytes.
 */
const PIECE = 1024;
const LOOKBACK = 256 * 1024;
const NEWLINE = Buffer.from('\n');
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

type State = 'inflate' | 'search' | 'failed' | 'detached';

/**
 * A small state machine, one method per state: 'inflate' (a member's deflate data, up to the
 * next magic or plain line where it must stop and judge), 'failed' (inflating failed: damage or
 * the end of the member before another format), 'search' (the next member or other format after
 * damage). Each state method returns true to go on, false to wait for input.
 */
export class GzipDecoder extends ResyncingDecoder {
  private readonly out: OutputBuffer;
  private inflater: Inflater | undefined = openHandle();
  private state: State = 'inflate';
  /** Absolute offset of the next input byte to inflate. */
  private cursor = 0;
  /** Where inflating last (re)started: a member found there that fails at once is skipped. */
  private resumedAt = 0;
  /** Where inflating failed, while waiting for the bytes that say why ('failed'). */
  private failedAt = -1;
  /** Where the member being inflated starts, and the bytes it decoded so far (for ISIZE). */
  private memberStart = 0;
  private memberOut = 0;
  /** A gzip magic ahead of the cursor inside the member: inflating stops there; -1 none known. */
  private candidate = -1;
  /** Bytes before these were searched for a gzip / zstd magic candidate already. */
  private scannedTo = 1;
  private scannedZstd = 1;

  /** See DecoderOptions: another format after a member is a zstd frame or plain records. */
  constructor(next: ByteSink, label: string, warn: Warn, options: DecoderOptions) {
    super(next, label, warn, 'gzip', options);
    this.out = new OutputBuffer(next);
  }

  protected get output(): OutputBuffer {
    return this.out;
  }

  protected get detached(): boolean {
    return this.state === 'detached';
  }

  protected detach(): void {
    this.close();
    this.state = 'detached';
  }

  gap(): void {
    if (this.state === 'detached') return;
    this.out.flush();
    this.next.gap();
    this.close();
    this.state = 'search';
    this.failedAt = -1;
    this.cursor = this.win.end;
    this.quiet = true;
    this.damagedAt = -1;
  }

  finish(): void {
    if (this.state === 'detached') return;
    this.run(true);
    if ((this.state as State) === 'detached') return; // handed over while finishing
    this.out.flush();
    if (this.state === 'search' && this.damagedAt >= 0 && !this.quiet) this.warnDamaged(this.damagedAt, -1);
    this.close();
    this.next.finish();
  }

  private close(): void {
    this.inflater?.stream.close();
    this.inflater = undefined;
  }

  protected run(finishing = false): void {
    while (this.cursor < this.win.end && this.step(finishing));
  }

  private step(finishing: boolean): boolean {
    switch (this.state) {
      case 'search':
        return this.onSearch(finishing);
      case 'inflate':
        return this.onInflate(finishing);
      case 'failed':
        return this.onFailed(finishing);
      case 'detached':
        return false;
    }
  }

  private onSearch(finishing: boolean): boolean {
    let at = this.findMember(this.cursor);
    if (at === undefined) {
      if (!finishing) return false; // a candidate whose flag byte has not arrived yet
      at = -1; // and never will
    }
    if (this.onOtherFormat) {
      const other = this.otherFormatBefore(at, finishing);
      if (other === undefined) return false;
      if (other >= 0) {
        this.resumeAt(other);
        this.handOver(other, false);
        return false;
      }
    }
    if (at < 0) {
      this.cursor = Math.max(this.cursor, this.win.end - (GZIP_MAGIC.length - 1));
      this.win.trim(this.cursor - LOOKBACK);
      return false;
    }
    this.resumeAt(at);
    this.cursor = at;
    this.resumedAt = at;
    this.startMember(at);
    return this.onInflate(finishing);
  }

  /**
   * Where a zstd frame or plain records start after the cursor and before `member` (-1: the
   * input's end), whichever comes first; -1 none. undefined when a candidate line with nothing
   * before it waits for its end: the cursor then waits there.
   */
  private otherFormatBefore(member: number, finishing: boolean): number | undefined {
    const win = this.win;
    let other = -1;
    const frame = win.indexOf(ZSTD_MAGIC, this.cursor);
    if (frame >= 0 && (member < 0 || frame < member)) other = frame;
    const found = this.plain.find(win, this.cursor, other >= 0 ? other : member < 0 ? win.end : member, finishing);
    if (found === undefined) {
      this.cursor = this.plain.pending;
      return undefined;
    }
    return found >= 0 ? found : other;
  }

  private onInflate(finishing: boolean): boolean {
    const win = this.win;
    const candidate = this.nextCandidate();
    let limit = candidate ?? this.holdBack(finishing);
    if (this.onOtherFormat) {
      // Nor past a plain record line: a member cut in the middle of a deflate block, then
      // plain records from a restart with compress = "no", would have them decoded as more
      // deflate data, into garbage and copies of earlier lines, without an error.
      const line = this.plain.find(win, this.cursor, limit, finishing);
      if (line === undefined) limit = this.plain.pending; // its line is still to come
      else if (line >= 0) limit = line;
      if (line !== undefined && line >= 0 && this.cursor === line) return this.atLine(line);
    }
    if (this.cursor === candidate) return this.atCandidate(candidate, finishing);
    if (this.cursor >= limit) return false; // bytes that may begin a magic: wait for the rest
    const piece = win.slice(this.cursor, Math.min(PIECE, limit - this.cursor));
    if (this.inflate(piece)) {
      win.trim(this.cursor - LOOKBACK);
      return true;
    }
    this.failedAt = this.cursor;
    this.state = 'failed';
    return this.onFailed(finishing);
  }

  /** A plain record line at the cursor, inside the member being inflated. */
  private atLine(line: number): boolean {
    const verdict = this.judgeLine(line);
    if (verdict === 'data') return true;
    this.handOver(line, true, verdict === 'cut' ? line : -1);
    return false;
  }

  /** A gzip (or zstd) magic at the cursor, inside the member being inflated. */
  private atCandidate(candidate: number, finishing: boolean): boolean {
    const verdict = this.judge(candidate, finishing);
    if (verdict === 'wait') return false;
    if (verdict === 'data') {
      this.candidate = -1;
      this.scannedTo = candidate + 1;
      this.scannedZstd = candidate + 1;
      return true;
    }
    if (this.zstdAt(candidate)) {
      // precd's compress setting changed to zstd, after this member ended or was cut.
      this.handOver(candidate, true, verdict === 'cut' ? candidate : -1);
      return false;
    }
    this.out.flush();
    if (verdict === 'cut') {
      // The cut line goes with the damage; what the cut member's tail would decode to is
      // never decoded at all.
      this.next.gap();
      this.warnDamaged(candidate, candidate);
    }
    this.close();
    this.resumedAt = candidate;
    this.startMember(candidate);
    return true;
  }

  /** Inflating failed at `failedAt`: what follows tells a change of format from damage. */
  private onFailed(finishing: boolean): boolean {
    const win = this.win;
    // Wait to see enough of what follows.
    if (win.end - this.failedAt < DECIDE_BYTES && !finishing) return false;
    this.failedAt = -1;
    const other = this.otherFormatNear(this.cursor);
    if (other >= 0) {
      // A line the member's content left unfinished (a member cut by a crash) ends here.
      this.handOver(other, true);
      return false;
    }
    this.out.flush();
    this.next.gap();
    this.close();
    if (this.damagedAt < 0) this.damagedAt = this.cursor;
    this.state = 'search';
    // The damaged block starts at the cursor, and a member appended after a cut-short one
    // starts there too in the usual case. When nothing was read since resuming, the member
    // found there is itself unreadable: look past it.
    this.cursor = Math.max(this.cursor + (this.cursor === this.resumedAt ? 1 : 0), win.start);
    win.trim(this.cursor - LOOKBACK);
    return true;
  }

  private startMember(at: number): void {
    this.inflater = openHandle();
    this.state = 'inflate';
    this.memberStart = at;
    this.memberOut = 0;
    this.candidate = -1;
    this.scannedTo = at + 1;
    this.scannedZstd = at + 1;
  }

  private zstdAt(at: number): boolean {
    return this.win.peek(at, 4)?.equals(ZSTD_MAGIC) === true;
  }

  /**
   * The next gzip magic (or zstd magic, when another format may follow) after the member's start
   * and at or after the cursor, where inflating must stop: a member cut in the middle of a
   * deflate block would take what follows for more deflate data. Undefined when none is among
   * the bytes held.
   */
  private nextCandidate(): number | undefined {
    if (this.candidate >= this.cursor) return this.candidate;
    let at = this.nextGzipMagic();
    if (this.onOtherFormat) {
      const frame = this.win.indexOf(ZSTD_MAGIC, Math.max(this.cursor, this.scannedZstd));
      if (frame < 0) this.scannedZstd = Math.max(this.cursor, this.scannedZstd, this.win.end - (ZSTD_MAGIC.length - 1));
      else if (at === undefined || frame < at) at = frame;
    }
    if (at !== undefined) this.candidate = at;
    return at;
  }

  private nextGzipMagic(): number | undefined {
    const win = this.win;
    const from = Math.max(this.cursor, this.scannedTo);
    const at = findGzipHeader(win, from);
    if (at < 0) {
      this.scannedTo = Math.max(from, win.end - (GZIP_MAGIC.length - 1));
      return undefined;
    }
    if (at + 4 > win.end) {
      // Its flag byte is still to come (held back, see holdBack).
      this.scannedTo = at;
      return undefined;
    }
    return at;
  }

  /**
   * End of the bytes that may be inflated now: all of them but the first bytes of a magic (up to
   * the whole magic without its flag byte) at the end, which may start a member.
   */
  private holdBack(finishing: boolean): number {
    const win = this.win;
    if (finishing) return win.end;
    // A `{` may begin a plain record line (see run).
    if (this.onOtherFormat && win.peek(win.end - 1, 1)?.[0] === 0x7b) return win.end - 1;
    for (const magic of this.onOtherFormat ? [GZIP_MAGIC, ZSTD_MAGIC] : [GZIP_MAGIC]) {
      for (let n = magic === GZIP_MAGIC ? magic.length : magic.length - 1; n > 0; n--) {
        if (win.peek(win.end - n, n)?.equals(magic.subarray(0, n))) return win.end - n;
      }
    }
    return win.end;
  }

  /**
   * What the gzip magic at `at`, inside the member being inflated (everything before it was
   * inflated without error), is: the start of the next member after a complete one ('next'), of
   * one appended after this one was cut short ('cut'), or only bytes of this member ('data').
   */
  private judge(at: number, finishing: boolean): 'next' | 'cut' | 'data' | 'wait' {
    const win = this.win;
    // A complete member ends with its trailer, which inflate checked: ISIZE is what it decoded.
    const isize = at - this.memberStart >= 20 ? win.peek(at - 4, 4) : undefined;
    if (isize && isize.readUInt32LE(0) === this.memberOut % 2 ** 32) return 'next';
    // A zstd magic inside the member: stored verbatim, or a frame after a member cut short.
    if (this.zstdAt(at)) return this.decodesTo(ZSTD_MAGIC) ? 'data' : 'cut';
    const start = this.tryMember(at, finishing);
    if (start === 'wait') return 'wait';
    if (!start) return 'data';
    // A gzip log gzipped again in stored blocks holds the inner member verbatim: this member
    // then decodes the magic's bytes to themselves.
    const header = win.peek(at, 10);
    if (!header) return finishing ? 'cut' : 'wait';
    return this.decodesTo(header) ? 'data' : 'cut';
  }

  /**
   * What the plain record line at `at`, inside the member being inflated (everything before it
   * was inflated without error), is: the start of plain records after a complete member
   * ('next'), after one cut short ('cut'), or only bytes of this member, stored verbatim ('data',
   * then inflated).
   */
  private judgeLine(at: number): 'next' | 'cut' | 'data' {
    const win = this.win;
    const isize = at - this.memberStart >= 20 ? win.peek(at - 4, 4) : undefined;
    if (isize && isize.readUInt32LE(0) === this.memberOut % 2 ** 32) return 'next';
    const nl = win.indexOf(NEWLINE, at);
    const line = win.peek(at, (nl < 0 ? win.end : nl + 1) - at);
    return line && this.decodesTo(line) ? 'data' : 'cut';
  }

  /** Whether a member starting at `at` inflates to the start of log data (undecided: 'wait'). */
  private tryMember(at: number, finishing: boolean): boolean | 'wait' {
    return memberStartsLog(this.win, at, finishing);
  }

  /**
   * Feeds `bytes` (at the cursor) to the member being inflated; true when they decode to
   * themselves, which then count as decoded. Otherwise the member's state no longer matters.
   */
  private decodesTo(bytes: Buffer): boolean {
    const z = this.inflater!;
    const out = this.out;
    if (out.buf.length - out.pos < 4 * bytes.length) out.flush();
    const from = out.pos;
    let off = 0;
    while (off < bytes.length) {
      const room = out.buf.subarray(out.pos);
      z.handle.writeSync(zlib.constants.Z_BLOCK, bytes, off, bytes.length - off, room, 0, room.length);
      if (z.error !== undefined) break;
      const consumed = bytes.length - off - z.state[1]!;
      const produced = room.length - z.state[0]!;
      if (consumed === 0 && produced === 0) break;
      off += consumed;
      out.pos += produced;
      if (out.pos - from > bytes.length) break;
    }
    const same = z.error === undefined && off === bytes.length && out.buf.subarray(from, out.pos).equals(bytes);
    if (!same) {
      out.pos = from;
      return false;
    }
    this.cursor += bytes.length;
    this.memberOut += bytes.length;
    return true;
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
      this.memberOut += produced;
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
    const at = findGzipHeader(this.win, from);
    return at >= 0 && at + 4 > this.win.end ? undefined : at;
  }
}

/**
 * Whether a gzip member starting at `at` in `win` inflates to the start of log data (a record
 * line, a zstd frame, another member); 'wait' while that is undecided and more bytes may come.
 */
export function memberStartsLog(win: InputWindow, at: number, finishing: boolean): boolean | 'wait' {
  const trial = openHandle();
  const out = Buffer.alloc(64);
  let got = 0;
  let pos = at;
  try {
    while (got < 4) {
      if (pos >= win.end) return finishing ? got > 0 && startsLogData(out.subarray(0, got)) : 'wait';
      const src = win.slice(pos, PIECE);
      trial.handle.writeSync(zlib.constants.Z_BLOCK, src, 0, src.length, out, got, out.length - got);
      if (trial.error !== undefined) return false;
      const consumed = src.length - trial.state[1]!;
      const produced = out.length - got - trial.state[0]!;
      if (consumed === 0 && produced === 0) return false;
      pos += consumed;
      got += produced;
    }
    return startsLogData(out.subarray(0, got)) || out[0] === 0x7b;
  } finally {
    trial.stream.close();
  }
}
