// Finding plain record lines among damaged compressed bytes. A log whose `compress` setting
// changed between runs of precd may hold a zstd frame (or gzip member) cut short by a crash, then
// the plain lines a restarted precd appended: a decoder skipping the damage must stop at the
// first of them, not only at the next frame, or every plain record after the damage is lost.
//
// A candidate is `{"` (every record is a JSON object whose first key is quoted) anywhere at or
// after the damage: the first plain line starts right after the cut bytes, not after a newline.
// It is taken only when the bytes from it to the next '\n' are a whole valid record (UTF-8, no
// control bytes, the reader's RecordRule accepts it), so compressed bytes that happen to hold `{"` are not
// mistaken for text. Text a damaged frame stored verbatim (a zstd raw block) can pass this test:
// those lines are that frame's own records, which were not given before the damage, so taking
// them loses nothing and repeats nothing. The verdict depends on the bytes only, never on how
// they arrived: a candidate whose line is not complete yet waits for more bytes.
import { RECORD_START } from './format.js';
import type { InputWindow } from './sink.js';

/** What a plain record line is: the codec knows bytes, the log reader knows records. */
export interface RecordRule {
  /** Longest line the reader takes: a longer candidate is no record line. */
  readonly maxLineBytes: number;
  /** Whether `line` (without its newline) is a whole, valid record line. */
  isRecord(line: Buffer): boolean;
}

const NL = 0x0a;

/** A byte no text line of a log holds: controls but tab and CR, and bytes UTF-8 never uses. */
function neverText(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0d) || b === 0xc0 || b === 0xc1 || b >= 0xf5;
}

/** Searches an InputWindow for plain record lines; keeps what it learnt between calls. */
export class PlainProbe {
  constructor(private readonly rule: RecordRule) {}

  /** Candidates before this were rejected (a scan from `scanFrom` or later). */
  private rejectedTo = 0;
  private scanFrom = 0;
  /** The candidate waiting for its line to end, and how far its bytes were checked. */
  private waiting = -1;
  private checkedTo = 0;
  /**
   * The last search for `{"`: from `scannedFrom`, found at `foundAt` (-1: none before
   * `scannedEnd`, the window's end then). Decoders ask again for every piece they decode: the
   * bytes between are not searched again.
   */
  private scannedFrom = -1;
  private foundAt = -1;
  private scannedEnd = 0;

  /**
   * Where the first plain record line in [from, limit) starts: -1 none, undefined when a
   * candidate needs bytes that have not arrived (`ending`: none will, judge what is there).
   */
  find(win: InputWindow, from: number, limit: number, ending: boolean): number | undefined {
    if (from < this.scanFrom) this.rejectedTo = from;
    this.scanFrom = from;
    for (let at = this.nextStart(win, Math.max(from, this.rejectedTo)); at >= 0 && at < limit; at = this.nextStart(win, at + 1)) {
      const verdict = this.judge(win, at, ending);
      if (verdict === 'line') return at;
      if (verdict === 'wait') return undefined;
      this.rejectedTo = at + 1;
    }
    return -1;
  }

  /** The first `{"` at or after `from`, or -1. */
  private nextStart(win: InputWindow, from: number): number {
    let scanAt = from;
    // Whether [scannedFrom, scannedEnd - 1) is known to hold no `{"` and `from` is in it.
    const extend = this.scannedFrom >= 0 && from >= this.scannedFrom && this.foundAt < 0;
    if (this.scannedFrom >= 0 && from >= this.scannedFrom && this.foundAt >= from) return this.foundAt;
    // None up to the end then: only what came since (and a `{` just before it) is new.
    if (extend) scanAt = Math.max(from, this.scannedEnd - 1);
    const at = win.indexOf(RECORD_START, scanAt);
    if (!extend) this.scannedFrom = from;
    this.foundAt = at;
    this.scannedEnd = win.end;
    return at;
  }

  /**
   * Where, in text in [from, limit) (a zstd raw block's bytes), a plain record line starts in the
   * middle of a line: a line cut short by a crash, then the records a restart appended. Inside a
   * JSON line `{"` never occurs (a quote in a string is escaped), so only a junction has one
   * there. -1 none; undefined when one needs more bytes to tell.
   */
  findJunction(win: InputWindow, from: number, limit: number, ending: boolean): number | undefined {
    for (let at = win.indexOf(RECORD_START, from); at >= 0 && at < limit; at = win.indexOf(RECORD_START, at + 1)) {
      if (win.peek(at - 1, 1)?.[0] === NL) continue;
      const verdict = this.judge(win, at, ending);
      if (verdict === 'line') return at;
      if (verdict === 'wait') return undefined;
    }
    return -1;
  }

  /**
   * Whether the plain text at `at` (a candidate find() accepted inside a compressed block) runs, as
   * whole record lines, up to the block's last byte `blockEnd - 1` and on past it. That is what
   * the records a restart appended do: they fill the rest of a block cut short, and go on after
   * it. A valid block may hold a record line verbatim too (raw literals, from fast levels or
   * text that does not compress), but the block's sequence section always follows its literals
   * inside the block, and never reads as a record line (its first bytes cannot be `{"`: the
   * second would set the reserved bits of the compression modes). undefined: the line across
   * the block's end has not fully arrived.
   */
  runsPast(win: InputWindow, at: number, blockEnd: number, ending: boolean): boolean | undefined {
    for (let start = at; ; ) {
      let end = -1;
      for (let pos = start; pos < win.end && end < 0; ) {
        const piece = win.slice(pos, win.end - pos);
        const nl = piece.indexOf(NL);
        if (nl >= 0) end = pos + nl;
        else pos += piece.length;
        if ((end < 0 ? pos : end) - start > this.rule.maxLineBytes) return false;
      }
      if (end < 0 && !ending) return undefined;
      const line = win.peek(start, (end < 0 ? win.end : end) - start);
      if (!line || !this.rule.isRecord(line)) return false;
      if (end < 0 || end >= blockEnd - 1) return true;
      start = end + 1;
    }
  }

  /** The candidate that waited for more bytes at the last find, or -1. */
  get pending(): number {
    return this.waiting;
  }

  private judge(win: InputWindow, at: number, ending: boolean): 'line' | 'no' | 'wait' {
    if (this.waiting !== at) {
      this.waiting = at;
      this.checkedTo = at;
    }
    let end = -1;
    for (let pos = this.checkedTo; pos < win.end && end < 0; ) {
      const piece = win.slice(pos, win.end - pos);
      for (let i = 0; i < piece.length; i++) {
        const b = piece[i]!;
        if (b === NL) {
          end = pos + i;
          break;
        }
        if (neverText(b)) return this.done('no');
      }
      if (end < 0) pos += piece.length;
      this.checkedTo = end < 0 ? pos : end;
      if (this.checkedTo - at > this.rule.maxLineBytes) return this.done('no');
    }
    if (end < 0 && !ending) return 'wait';
    const line = win.peek(at, (end < 0 ? win.end : end) - at);
    if (line === undefined) return this.done('no');
    return this.done(this.rule.isRecord(line) ? 'line' : 'no');
  }

  private done(verdict: 'line' | 'no'): 'line' | 'no' {
    this.waiting = -1;
    return verdict;
  }
}
