// The byte scanner of `prec -q` in list mode: keeps the lines of a block that contain every
// needle of the query (query/needles.ts), tested on the raw bytes before anything is decoded or
// parsed. Most lines of a large log lack them and cost one memchr-speed search instead of a string
// and a JSON.parse.
//
// - End records lack the needle but complete the rows of starts that had it: with `trackEnds`
//   (the output or the query needs end values) the event_id of every kept line is remembered
//   until its end goes by, and a line carrying a remembered event_id is kept.
// - Loss records (lines with `"lost_samples"`) are kept, for the count of hidden losses.
// - Value needles (a number or timestamp range) read the value after `"key":` from the bytes and
//   keep the line when one occurrence of the key passes every test of that key, or cannot be read
//   plainly (not a plain integer, a string with escapes or non-ASCII bytes). A `"key"` inside a
//   string value is written `\"key\"`, so it is not taken for the key; a line with `\u` anywhere
//   (the key itself may be written with escapes) is kept.
// - Lines that do not look like a JSON object are kept, so that the parser still counts them as
//   bad lines (and blank ones are still ignored). Approximation: a line that looks like an object
//   (`{ ... }`) but is broken JSON (or not a record, or not UTF-8 where the reader passes such
//   lines on), and lacks the needle, is dropped uncounted: `skipped N lines` may be lower under a
//   prefiltered query than without one. Rows are never affected: such a line cannot match.
import { keysOnlyIn } from '../schema/index.js';
import type { LineSelector } from './lines.js';

/** A text every kept line contains; with `key`, as the value of that key (`"key" : "V"`). */
export interface LineTextNeedle {
  readonly text: string;
  readonly key?: string;
}

/** A value every kept line has under `key`: a JSON number or string that `accepts` passes. */
export interface LineValueNeedle {
  readonly key: string;
  readonly read: 'number' | 'string';
  readonly accepts: (value: number | string) => boolean;
}

export type LineNeedle = LineTextNeedle | LineValueNeedle;

const NL = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EVENT_ID_KEY = Buffer.from('"event_id"');
/** A `\uXXXX` escape: a key may be written with them. */
const ESCAPE_U = Buffer.from('\\u');
/** A key only loss records have (the catalogue's first). */
const LOSS_KEY = `"${keysOnlyIn('loss')[0]!}"`;

/** A needle as bytes, found by memchr on its rarest byte then compared. */
class Pattern {
  readonly bytes: Buffer;
  /** `"key"`, which must precede the value (blanks and a colon between). */
  private readonly key: Buffer | undefined;
  /** Index in `bytes` of the byte searched for. */
  private rare = 0;

  constructor(needle: LineTextNeedle) {
    this.bytes = Buffer.from(needle.text);
    this.key = needle.key === undefined ? undefined : Buffer.from(`"${needle.key}"`);
  }

  /**
   * Picks the byte of the needle that is rarest in `sample`: memchr on it is fast, and few false
   * hits are left to compare. (A generic substring search runs at a fraction of memchr's speed.)
   */
  tune(sample: Buffer): void {
    let best = Infinity;
    for (let i = 0; i < this.bytes.length; i++) {
      let count = 0;
      for (let at = sample.indexOf(this.bytes[i]!); at >= 0 && count < best; at = sample.indexOf(this.bytes[i]!, at + 1)) count++;
      if (count < best) {
        best = count;
        this.rare = i;
      }
    }
  }

  /** First occurrence at or after `from` and ending by `to` (with its key, if any), or -1. */
  find(block: Buffer, from: number, to = block.length): number {
    const b = this.bytes;
    const n = b.length;
    const r = this.rare;
    const c = b[r]!;
    for (let at = block.indexOf(c, from + r); at >= 0; at = block.indexOf(c, at + 1)) {
      const s = at - r;
      if (s + n > to) return -1;
      let i = 0;
      while (i < n && block[s + i] === b[i]) i++;
      if (i === n && this.keyBefore(block, s)) return s;
    }
    return -1;
  }

  /** Whether the occurrence at [from, to) has one (with its key) inside. */
  within(block: Buffer, from: number, to: number): boolean {
    // Searching the line alone: one running on past it would make many hits cost quadratic time.
    return this.find(block.subarray(0, to), from, to) >= 0;
  }

  private keyBefore(block: Buffer, s: number): boolean {
    const key = this.key;
    if (!key) return true;
    let j = s - 1;
    while (j >= 0 && isBlank(block[j]!)) j--;
    if (block[j] !== 0x3a) return false;
    j--;
    while (j >= 0 && isBlank(block[j]!)) j--;
    const k = j + 1 - key.length;
    if (k < 0) return false;
    for (let i = 0; i < key.length; i++) if (block[k + i] !== key[i]) return false;
    return true;
  }
}

/**
 * A LineSelector keeping the lines that contain every needle, lines that do not look like a JSON
 * object (for the bad-line count), and with trackEnds the lines of event_ids kept before. Stateful:
 * one per pass over the input.
 */
export class NeedleSelector implements LineSelector {
  /** The longest text needle, undefined when there are only value needles. */
  private readonly first: Pattern | undefined;
  private readonly others: Pattern[];
  private readonly values: ValueProbe[];
  private readonly escape = new Cursor((block, from) => block.indexOf(ESCAPE_U, from));
  /** Searched like a needle (a plain indexOf of a long string runs at a fraction of memchr's speed). */
  private readonly loss = new Pattern({ text: LOSS_KEY });
  private tuned = false;
  /** event_ids of kept lines whose end has not gone by. */
  private readonly pending = new Set<string>();

  constructor(
    needles: readonly LineNeedle[],
    private readonly trackEnds: boolean,
  ) {
    // The longest needle is the rarest, most likely: it drives the scan.
    const texts = needles.filter((n): n is LineTextNeedle => 'text' in n);
    const sorted = texts.sort((a, b) => b.text.length - a.text.length).map((n) => new Pattern(n));
    this.first = sorted[0];
    this.others = sorted.slice(1);
    const byKey = new Map<string, LineValueNeedle[]>();
    for (const n of needles) if (!('text' in n)) byKey.set(n.key, [...(byKey.get(n.key) ?? []), n]);
    this.values = [...byKey].map(([key, list]) => new ValueProbe(key, list));
  }

  /** Whether the line [p, nl) passes every value needle. */
  private valuesPass(block: Buffer, p: number, nl: number): boolean {
    for (const v of this.values) if (!v.passes(block, p, nl) && !this.escape.within(block, p, nl)) return false;
    return true;
  }

  select(block: Buffer): string[] {
    if (!this.tuned && block.length >= 4096) {
      const patterns = [...this.others, this.loss, ...this.values.map((v) => v.pattern)];
      for (const p of this.first ? [this.first, ...patterns] : patterns) p.tune(block.subarray(0, 256 * 1024));
      this.tuned = true;
    }
    for (const v of this.values) v.reset();
    this.escape.reset();
    const out: string[] = [];
    const len = block.length;
    const first = this.first;
    let hit = first ? first.find(block, 0) : -1;
    // Next `"event_id"` at or after p: -2 not searched yet, -1 none left in the block. Searched
    // once per occurrence, not once per line, so that lines without one cost no rescans.
    let keyHit = -2;
    let lossHit = -2;
    let p = 0;
    while (p <= len) {
      let nl = block.indexOf(NL, p);
      if (nl < 0) nl = len;
      let keep = false;
      if (!first) {
        keep = nl > p && this.valuesPass(block, p, nl);
      } else if (hit >= 0 && hit < nl) {
        keep = this.others.every((o) => o.within(block, p, nl)) && this.valuesPass(block, p, nl);
        hit = first.find(block, nl + 1);
      }
      // Loss records never match a query that has needles, but prec counts the ones it hides
      // (losses.ts): they pass. Searched once per occurrence, like `"event_id"` below.
      if (!keep && nl > p) {
        if (lossHit === -2 || (lossHit >= 0 && lossHit < p)) lossHit = this.loss.find(block, p);
        if (lossHit >= 0 && lossHit < nl) keep = true;
      }
      if (!keep && nl > p && !looksLikeObject(block, p, nl)) keep = true;
      if (keep) {
        const line = block.toString('utf8', p, nl);
        if (this.trackEnds) this.note(line, block, p, nl);
        out.push(line);
      } else if (this.trackEnds && this.pending.size > 0 && nl > p) {
        if (keyHit === -2 || (keyHit >= 0 && keyHit < p)) keyHit = block.indexOf(EVENT_ID_KEY, p);
        const id = eventIdAt(block, p, nl, keyHit);
        if (id === null || (id !== undefined && this.pending.has(id))) {
          const line = block.toString('utf8', p, nl);
          if (id !== null) this.pending.delete(id);
          else this.note(line, block, p, nl);
          out.push(line);
        }
      }
      p = nl + 1;
    }
    return out;
  }

  /**
   * A kept line: its event_id is now pending (a start waiting for its end) or, when it already
   * was, no longer (this is the end). A kept end whose start was not kept stays pending: it costs
   * a set entry, never a wrong row.
   */
  private note(line: string, block: Buffer, p: number, nl: number): void {
    const at = block.subarray(p, nl).indexOf(EVENT_ID_KEY);
    let id = eventIdAt(block, p, nl, at < 0 ? -1 : p + at);
    if (id === null) id = parsedEventId(line);
    if (id === undefined) return;
    if (this.pending.has(id)) this.pending.delete(id);
    else this.pending.add(id);
  }
}

/** The next occurrence of something at or after a position: searched once per occurrence in a block. */
class Cursor {
  private at = -2;
  constructor(private readonly next: (block: Buffer, from: number) => number) {}

  reset(): void {
    this.at = -2;
  }

  /** Whether an occurrence starts in [p, nl); lines are asked in order. */
  within(block: Buffer, p: number, nl: number): boolean {
    if (this.at === -2 || (this.at >= 0 && this.at < p)) this.at = this.next(block, p);
    return this.at >= 0 && this.at < nl;
  }
}

/** A value read after a key: undefined when `"key"` is not followed by a colon, null when not plain. */
type ReadValue = number | string | null | undefined;

/** The value needles of one key: every one must accept the value of one occurrence of the key. */
class ValueProbe {
  readonly pattern: Pattern;
  private readonly read: 'number' | 'string';
  private at = -2;

  constructor(
    key: string,
    private readonly needles: readonly LineValueNeedle[],
  ) {
    this.pattern = new Pattern({ text: `"${key}"` });
    this.read = needles[0]!.read;
  }

  reset(): void {
    this.at = -2;
  }

  /** Whether the line [p, nl) has an occurrence of the key whose value passes (or cannot be read). */
  passes(block: Buffer, p: number, nl: number): boolean {
    if (this.at === -2 || (this.at >= 0 && this.at < p)) this.at = this.pattern.find(block, p);
    for (; this.at >= 0 && this.at < nl; this.at = this.pattern.find(block, this.at + 1)) {
      // Inside a string value the key's quote would be escaped: not the key.
      if (block[this.at - 1] === BACKSLASH) continue;
      const v = readValue(block, this.at + this.pattern.bytes.length, nl, this.read);
      if (v === undefined) continue;
      if (v === null || this.needles.every((n) => n.accepts(v))) return true;
    }
    return false;
  }
}

/** The plain value after a key's closing quote at j: blanks, a colon, blanks, then the value. */
function readValue(block: Buffer, j: number, nl: number, read: 'number' | 'string'): ReadValue {
  while (j < nl && isBlank(block[j]!)) j++;
  if (block[j] !== 0x3a) return undefined;
  j++;
  while (j < nl && isBlank(block[j]!)) j++;
  return read === 'number' ? readInteger(block, j, nl) : readString(block, j, nl);
}

/** Digits followed by a delimiter, exactly representable; null for anything else (-1, 1.0, 1e3). */
function readInteger(block: Buffer, j: number, nl: number): number | null {
  let v = 0;
  const start = j;
  for (; j < nl; j++) {
    const c = block[j]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  const digits = j - start;
  if (digits === 0 || digits > 15) return null;
  const c = block[j];
  return j === nl || c === 0x2c || c === 0x7d || isBlank(c!) ? v : null;
}

/** A string of printable ASCII without escapes; null for anything else. */
function readString(block: Buffer, j: number, nl: number): string | null {
  if (block[j] !== QUOTE) return null;
  const end = block.indexOf(QUOTE, j + 1);
  if (end < 0 || end >= nl) return null;
  for (let k = j + 1; k < end; k++) {
    const c = block[k]!;
    if (c === BACKSLASH || c < 0x20 || c > 0x7e) return null;
  }
  return block.toString('latin1', j + 1, end);
}

/** `{ ... }`, allowing what the record parser allows around it: blanks, a BOM, a CR. */
function looksLikeObject(block: Buffer, p: number, nl: number): boolean {
  if (block[p] === 0x7b && (block[nl - 1] === 0x7d || (block[nl - 1] === 0x0d && block[nl - 2] === 0x7d))) return true;
  const t = block.toString('utf8', p, nl).replace(/^[\ufeff\s]+/, '').trimEnd();
  return t.startsWith('{') && t.endsWith('}');
}

/**
 * The event_id of the line [p, nl) read from its bytes: a string; undefined when the line has no
 * event_id key; null when it cannot be read cheaply (escapes, odd layout): parse the line instead.
 */
export function eventIdAt(block: Buffer, p: number, nl: number, from = block.indexOf(EVENT_ID_KEY, p)): string | null | undefined {
  for (let k = from; k >= 0 && k < nl; k = block.indexOf(EVENT_ID_KEY, k + 1)) {
    // Inside a string value the quote would be escaped: `\"event_id\"`.
    if (block[k - 1] === BACKSLASH) return null;
    let j = k + EVENT_ID_KEY.length;
    while (j < nl && isBlank(block[j]!)) j++;
    // `"event_id"` followed by anything but a colon is a value (an argument, say), not the key.
    if (block[j] !== 0x3a) continue;
    j++;
    while (j < nl && isBlank(block[j]!)) j++;
    if (block[j] !== QUOTE) return null;
    const end = block.indexOf(QUOTE, j + 1);
    if (end < 0 || end >= nl) return null;
    const id = block.toString('utf8', j + 1, end);
    return id.includes('\\') ? null : id;
  }
  // The key itself written with \u escapes: only a full parse can tell.
  return block.subarray(p, nl).indexOf('\\u') >= 0 ? null : undefined;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === NL;
}

function parsedEventId(line: string): string | undefined {
  try {
    const v = JSON.parse(line.replace(/^\ufeff/, '')) as { event_id?: unknown };
    return typeof v?.event_id === 'string' ? v.event_id : undefined;
  } catch {
    return undefined;
  }
}
