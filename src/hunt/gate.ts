// The gate every line and row passes before any rule's predicate runs: per rule, the sets of texts
// it requires (prefilter.ts requirements: ALL sets, ONE text of each, each under a key), all rules'
// texts in one Aho-Corasick automaton. A line is kept only when some rule has every one of its sets
// present, each in the value of its key, so a line holding a broad text (`/bash"` as parent_exe)
// but none of that rule's other required texts is dropped before it is decoded or parsed; a row is
// tested only against the rules it satisfies.
//
// The automaton also knows every record key (`"exe"` then a colon): a text counts only in the
// value of its key. One table step per byte of the line, in JS (Buffer.indexOf costs ~0.4 us a
// call: a native search per key and line is slower than this).
//
// The marker BASENAMES in a set stands for "argv[0]'s basename differs from exe's" (argv0_mismatch),
// checked on the raw line (rawBasenamesDiffer) only when a rule still needs it.
import type { LineSelector } from '../log/index.js';
import { FIELDS } from '../schema/index.js';
import { denseAutomaton, type DenseAutomaton } from './dense.js';
import { Automaton, BASENAMES, KEYED_CASED, SEPARATOR, scanBytes } from './prefilter.js';

/** The values of a line a light rule reads. */
export type LightRow = { exe?: string; argv?: string[] };

/** Every key a record line may carry, found by the automaton: they say which value a text is in. */
const LINE_KEYS: readonly string[] = FIELDS.filter((f) => f.records.length > 0).map((f) => f.name);
const EXE = LINE_KEYS.indexOf('exe');
const ARGV = LINE_KEYS.indexOf('argv');

/** The tables of a gate, built once per rule set; each pass gets its own Gate (the stamps). */
export class GateTables {
  /**
   * Per key (index in LINE_KEYS), the automaton over the texts under it (dense.ts), or undefined:
   * one per key, so a text hits only in its own key's values and each table is smaller.
   */
  readonly dfas: (DenseAutomaton | undefined)[];
  /** The keys the texts are under (a row's values scanned by rowRules). */
  readonly keys: string[];
  /** Per key (index in LINE_KEYS), 1 when its value goes through an automaton: some text is under it. */
  readonly scanned: Uint8Array;
  /** Per key, per text (pattern of that key's automaton), the ids of the sets it counts for. */
  readonly setsOf: number[][][];
  /**
   * Per key, per text: for a text of case-sensitive clauses (KEYED_CASED), its bytes in their own
   * case, which the line must hold as written (checked where no escape precedes it in the value).
   */
  readonly exact: (Uint8Array | undefined)[][];
  /** Per set, its rule. */
  readonly ruleOf: number[];
  /** Per rule, how many sets it requires (0: none known, the rule needs every line). */
  readonly need: number[];
  /** Per rule, the ids of its sets holding BASENAMES (checked at the line's end). */
  readonly markerSets: number[][];
  /** Rules with a set holding BASENAMES. */
  readonly markerRules: number[];
  /** Rules requiring nothing: they need every line, and every row is tested against them. */
  readonly unconstrainedRules: number[];
  readonly unconstrained: boolean;

  /**
   * @param light per rule, its predicate when it reads only exe and argv (and what derives from
   * them): the line gate then decides such a rule exactly, on those two values of the line, rather
   * than keeping every line that holds its texts.
   */
  constructor(
    reqs: readonly (readonly (readonly string[])[])[],
    readonly light: readonly (((row: LightRow) => boolean) | undefined)[] = [],
  ) {
    const texts: string[][] = LINE_KEYS.map(() => []);
    const index = LINE_KEYS.map(() => new Map<string, number>());
    this.keys = [];
    this.setsOf = LINE_KEYS.map(() => []);
    this.exact = LINE_KEYS.map(() => []);
    this.ruleOf = [];
    this.need = reqs.map((sets) => sets.length);
    this.markerSets = reqs.map(() => []);
    reqs.forEach((sets, r) => {
      for (const set of sets) {
        const id = this.ruleOf.push(r) - 1;
        for (const keyed of new Set(set)) {
          if (keyed === BASENAMES) {
            this.markerSets[r]!.push(id);
            continue;
          }
          const cut = keyed.search(SEPARATOR);
          const cased = keyed[cut] === KEYED_CASED;
          const name = keyed.slice(0, cut);
          const key = LINE_KEYS.indexOf(name);
          if (key < 0) throw new Error(`unchecked requirement ${keyed}`);
          if (!this.keys.includes(name)) this.keys.push(name);
          const t = keyed.slice(cut + 1);
          // A text of case-sensitive clauses is a text of its own (the same automaton pattern).
          let i = index[key]!.get(cased ? KEYED_CASED + t : t);
          if (i === undefined) {
            index[key]!.set(cased ? KEYED_CASED + t : t, (i = texts[key]!.push(t) - 1));
            this.setsOf[key]!.push([]);
            this.exact[key]!.push(cased ? Uint8Array.from(scanBytes(t, true)) : undefined);
          }
          this.setsOf[key]![i]!.push(id);
        }
      }
    });
    this.markerRules = this.markerSets.flatMap((s, r) => (s.length > 0 ? [r] : []));
    this.unconstrainedRules = this.need.flatMap((n, r) => (n === 0 ? [r] : []));
    this.unconstrained = this.unconstrainedRules.length > 0;
    this.dfas = texts.map((list) => (list.length > 0 ? denseAutomaton(new Automaton(list.map((t) => scanBytes(t)))) : undefined));
    this.scanned = Uint8Array.from(LINE_KEYS, (k) => (this.keys.includes(k) ? 1 : 0));
  }
}

/**
 * The record keys as a trie over their bytes (ASCII): KEY_NEXT[state * 128 + byte] is the next
 * state (0: no key goes on so), KEY_OF[state] 1 + the key's index in LINE_KEYS where one ends.
 */
const { KEY_NEXT, KEY_OF } = keyTrie(LINE_KEYS);

function keyTrie(keys: readonly string[]): { KEY_NEXT: Int16Array; KEY_OF: Int16Array } {
  const next: number[] = [];
  const of: number[] = [0];
  const grow = (): number => (next.push(...new Array<number>(128).fill(0)), of.push(0), of.length - 2);
  grow();
  of.pop();
  keys.forEach((key, index) => {
    let s = 0;
    for (const b of Buffer.from(key)) s = next[s * 128 + b] || (next[s * 128 + b] = grow());
    of[s] = index + 1;
  });
  return { KEY_NEXT: Int16Array.from(next), KEY_OF: Int16Array.from(of) };
}

/** The first byte at or after `i` that is not a JSON blank (or the line's end). */
function blanks(block: Buffer, i: number, nl: number): number {
  for (; i < nl; i++) {
    const b = block[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return i;
  }
  return nl;
}

/** `\u003c` and the like: the character some encoders escape, or -1. */
function unicodeEscape(block: Buffer, i: number): number {
  if (block[i + 1] !== 0x75 || block[i + 2] !== 0x30 || block[i + 3] !== 0x30) return -1;
  const hex = block.toString('latin1', i + 4, i + 6).toLowerCase();
  return hex === '3c' ? 0x3c : hex === '3e' ? 0x3e : hex === '26' ? 0x26 : hex === '3d' ? 0x3d : hex === '27' ? 0x27 : -1;
}


/** One pass's matching state over GateTables: which sets and rules the current line satisfied. */
export class Gate {
  private line = 0;
  private readonly setStamp: Int32Array;
  private readonly ruleStamp: Int32Array;
  private readonly ruleCount: Int32Array;
  /** Where the values of exe and argv start on the current line (-1: not seen). */
  private exeAt = -1;
  private argvAt = -1;
  /** Light rules whose texts the current line holds: decided at its end, on its exe and argv. */
  private readonly pending: number[] = [];
  /** During scan: the line's block, the position of the byte last stepped, an escape seen in the value. */
  private block: Buffer | undefined;
  private at = 0;
  private escaped = false;

  constructor(private readonly t: GateTables) {
    this.setStamp = new Int32Array(t.ruleOf.length);
    this.ruleStamp = new Int32Array(t.need.length);
    this.ruleCount = new Int32Array(t.need.length);
  }

  /** Record the texts ending at state `s` under `key`; true when that completes some rule (pushed to `done`). */
  private hit(s: number, key: number, done: number[] | undefined): boolean {
    const light = done ? undefined : this.t.light;
    const { ruleOf, need } = this.t;
    const setsOf = this.t.setsOf[key]!;
    const exact = this.t.exact[key]!;
    const line = this.line;
    let completed = false;
    for (const text of this.t.dfas[key]!.outputs[s]!) {
      const bytes = exact[text];
      // On a row (done given) case is not checked: its predicate decides.
      if (bytes && !done && !this.sameCase(bytes)) continue;
      for (const set of setsOf[text]!) {
        if (this.setStamp[set] === line) continue;
        this.setStamp[set] = line;
        const r = ruleOf[set]!;
        if (this.ruleStamp[r] !== line) (this.ruleStamp[r] = line), (this.ruleCount[r] = 0);
        if (++this.ruleCount[r]! === need[r]) {
          if (light?.[r]) this.pending.push(r);
          else if (!done) return true;
          else done.push(r), (completed = true);
          continue;
        }
      }
    }
    return completed;
  }

  /** Sets of rule `r` not yet satisfied on this line, all holding BASENAMES? */
  private onlyMarkersMissing(r: number): boolean {
    const have = this.ruleStamp[r] === this.line ? this.ruleCount[r]! : 0;
    const open = this.t.markerSets[r]!.filter((set) => this.setStamp[set] !== this.line).length;
    return have + open === this.t.need[r];
  }

    /**
   * Does the raw JSON line block[p, nl) (block[p] is `{`) satisfy some rule? The line is read as
   * JSON, key by key: only the values of keys some text is under go through the automaton (from
   * state 0: a text counts only inside its key's value), the others are stepped over. Anything the
   * reader does not expect (a byte above 0x7f in a scanned value, an escaped key, a nested value,
   * broken JSON): kept, the parser decides.
   */
  lineHits(block: Buffer, p: number, nl: number): boolean {
    const scanned = this.t.scanned;
    this.line++;
    this.exeAt = this.argvAt = -1;
    this.pending.length = 0;
    // Blanks are looked for only where the next byte is not the one precd writes there.
    let i = p + 1;
    if (block[i] !== 0x22 && (i = blanks(block, i, nl)) < nl && block[i] === 0x7d) return blanks(block, i + 1, nl) < nl;
    for (;;) {
      if (block[i] !== 0x22) return true;
      // The key, walked through the trie of record keys up to its closing quote.
      let t = 0;
      for (i++; ; i++) {
        if (i >= nl) return true;
        const b = block[i]!;
        if (b === 0x22) break;
        if (b === 0x5c) return true; // escaped: only the parser can tell which key it is
        if (t >= 0) t = b < 0x80 ? KEY_NEXT[(t << 7) | b]! || -1 : -1;
      }
      const k = t >= 0 ? KEY_OF[t]! - 1 : -1;
      if (block[++i] !== 0x3a && block[(i = blanks(block, i, nl))] !== 0x3a) return true;
      let v = i + 1;
      if (block[v] === 0x20 || block[v] === 0x09 || block[v] === 0x0d) v = blanks(block, v, nl);
      const end = valueEnd(block, v, nl);
      if (end < 0) return true;
      if (k === EXE) this.exeAt = v;
      else if (k === ARGV) this.argvAt = v;
      if (k >= 0 && scanned[k] && this.scan(block, v, end, k)) return true;
      i = block[end] === 0x2c ? end : blanks(block, end, nl);
      if (block[i] === 0x2c) {
        if (block[++i] !== 0x22) i = blanks(block, i, nl);
      } else if (block[i] === 0x7d && blanks(block, i + 1, nl) >= nl) break;
      else return true;
    }
    return this.lineEnd(block, nl);
  }

  /** The automaton over the value block[v, end) of key k: true when that completes a rule (or a byte above 0x7f). */
  private scan(block: Buffer, v: number, end: number, k: number): boolean {
    const { delta, classOf, shift, accepting } = this.t.dfas[k]!;
    let s = 0;
    this.block = block;
    this.escaped = false;
    for (let i = v; i < end; i++) {
      let b = block[i]!;
      if (b >= 0x80) return true;
      this.at = i;
      if (b === 0x5c) {
        this.escaped = true;
        const n = block[i + 1];
        if (n === 0x2f) (b = 0x2f), i++;
        else {
          const u = unicodeEscape(block, i);
          if (u >= 0) (b = u), (i += 5);
          else {
            // Any other escape is two bytes as written (`\"`, `\\`, `\n`...).
            s = delta[(s << shift) | classOf[b]!]!;
            if (s >= accepting && this.hit(s, k, undefined)) return true;
            b = n ?? 0;
            this.at = ++i;
          }
        }
      }
      s = delta[(s << shift) | classOf[b]!]!;
      if (s >= accepting && this.hit(s, k, undefined)) return true;
    }
    return false;
  }

  /**
   * Does the text just matched (ending at this.at) hold `bytes` in their case? Unknown, so yes, when
   * an escape came before it in the value (the raw bytes are then not the text's one for one).
   */
  private sameCase(bytes: Uint8Array): boolean {
    if (this.escaped) return true;
    const block = this.block!;
    const from = this.at - bytes.length + 1;
    for (let j = 0; j < bytes.length; j++) if (block[from + j] !== bytes[j]) return false;
    return true;
  }

  /** At the line's end: the rules needing argv0_mismatch, then the light rules whose texts it holds. */
  private lineEnd(block: Buffer, nl: number): boolean {
    for (const r of this.t.markerRules) {
      if (this.onlyMarkersMissing(r) && this.exeAt >= 0 && this.argvAt >= 0 && rawBasenamesDiffer(block, this.exeAt, this.argvAt, nl)) {
        if (!this.t.light[r]) return true;
        this.pending.push(r);
      }
    }
    if (this.pending.length === 0) return false;
    const row = lightRow(block, this.exeAt, this.argvAt, nl);
    // Values it cannot read simply (escapes, another type): kept, the full row decides.
    return row === undefined || this.pending.some((r) => this.t.light[r]!(row));
  }

  /**
   * The rules a row satisfies, from the JSON text of its values under the gate's keys (ASCII case
   * folded, the text the line gate saw, re-encoded; BASENAMES taken as present: the predicate
   * decides); undefined when a value has a non-ASCII character (Unicode case folding may make
   * ASCII of it: every rule is then tested).
   */
  rowRules(row: Readonly<Record<string, unknown>>): number[] | undefined {
    const done: number[] = [];
    this.line++;
    for (const name of this.t.keys) {
      const k = LINE_KEYS.indexOf(name);
      const value = row[name];
      if (value === undefined) continue;
      const { delta, classOf, shift, accepting } = this.t.dfas[k]!;
      const hay = JSON.stringify(value);
      let s = 0;
      for (let i = 0; i < hay.length; i++) {
        const c = hay.charCodeAt(i);
        if (c >= 0x80) return undefined;
        s = delta[(s << shift) | classOf[c]!]!;
        if (s >= accepting) this.hit(s, k, done);
      }
    }
    for (const r of this.t.markerRules) if (this.onlyMarkersMissing(r) && !done.includes(r)) done.push(r);
    return this.t.unconstrained ? [...done, ...this.t.unconstrainedRules] : done;
  }
}

/**
 * A LineSelector keeping the lines that satisfy some rule's requirements, for all rules at once.
 * `\/` and the `\u00XX` escapes of `< > & = '` are read as the character; lines with a byte above
 * 0x7f in a scanned value, and lines not starting with `{`, are kept.
 */
export class GateSelector implements LineSelector {
  private readonly gate: Gate;

  constructor(tables: GateTables) {
    this.gate = new Gate(tables);
  }

  select(block: Buffer): string[] {
    const out: string[] = [];
    const len = block.length;
    for (let p = 0; p < len; ) {
      let nl = block.indexOf(0x0a, p);
      if (nl < 0) nl = len;
      if (nl > p && (block[p] !== 0x7b || this.gate.lineHits(block, p, nl))) out.push(block.toString('utf8', p, nl));
      p = nl + 1;
    }
    return out;
  }
}

/** The end of the plain JSON string whose text starts at `from` (its closing quote), or -1 at an escape or the line's end. */
function plainStringEnd(block: Buffer, from: number, nl: number): number {
  for (let i = from; i < nl; i++) {
    const b = block[i]!;
    if (b === 0x22) return i;
    if (b === 0x5c) return -1;
  }
  return -1;
}

/**
 * The position after the JSON value starting at `v`: a string, an array of strings and scalars, or
 * a scalar; -1 for anything else (an object, a nested array, no closing quote): the line is kept.
 */
function valueEnd(block: Buffer, v: number, nl: number): number {
  const first = block[v];
  if (first === 0x22) {
    const close = stringEnd(block, v + 1, nl);
    return close < 0 ? -1 : close + 1;
  }
  if (first === 0x5b) {
    for (let i = v + 1; i < nl; i++) {
      const b = block[i]!;
      if (b === 0x22) {
        i = stringEnd(block, i + 1, nl);
        if (i < 0) return -1;
      } else if (b === 0x5d) return i + 1;
      else if (b === 0x5b || b === 0x7b) return -1;
    }
    return -1;
  }
  let i = v;
  while (i < nl && isScalarByte(block[i]!)) i++;
  return i > v ? i : -1;
}

/** The closing quote of the JSON string whose text starts at `from` (escapes stepped over), or -1. */
function stringEnd(block: Buffer, from: number, nl: number): number {
  for (let i = from; i < nl; i++) {
    const b = block[i]!;
    if (b === 0x22) return i;
    if (b === 0x5c) i++;
  }
  return -1;
}

/** A byte of a number, true, false or null. */
function isScalarByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x45;
}

/** The end (its `]`) of the array of plain strings starting at `from`, or -1 at an escape or another value. */
function plainArrayEnd(block: Buffer, from: number, nl: number): number {
  let inString = false;
  for (let i = from + 1; i < nl; i++) {
    const b = block[i]!;
    if (b === 0x5c) return -1;
    if (b === 0x22) inString = !inString;
    else if (b === 0x5d && !inString) return i;
  }
  return -1;
}

/** `["a","b"]` (no escapes inside) as its strings: split at `","` in precd's layout, else parsed. */
function plainArray(text: string): string[] | undefined {
  if (text === '[]') return [];
  const parts = text.slice(2, -2).split('","');
  if (text.startsWith('["') && text.endsWith('"]') && parts.every((x) => !x.includes('"'))) return parts;
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) && list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * exe and argv of a line (value starts, -1: the line lacks the key), when both are plain: a string
 * and an array of strings without escapes (all the line's bytes are ASCII here); else undefined.
 */
function lightRow(block: Buffer, exe: number, argv: number, nl: number): LightRow | undefined {
  const row: LightRow = {};
  if (exe >= 0) {
    const end = block[exe] === 0x22 ? plainStringEnd(block, exe + 1, nl) : -1;
    if (end < 0) return undefined;
    row.exe = block.toString('latin1', exe + 1, end);
  }
  if (argv >= 0) {
    const end = block[argv] === 0x5b ? plainArrayEnd(block, argv, nl) : -1;
    if (end < 0) return undefined;
    row.argv = plainArray(block.toString('latin1', argv, end + 1));
    if (row.argv === undefined) return undefined;
  }
  return row;
}

/** Where the basename of the plain string block[from, end) starts. */
function basenameStart(block: Buffer, from: number, end: number): number {
  for (let i = end - 1; i >= from; i--) if (block[i] === 0x2f) return i + 1;
  return from;
}

/**
 * Could the record on this line have argv0_mismatch (schema basenamesDiffer)? `exe` and `argv`: where
 * their values start. False only when it surely cannot: argv is empty, or both values are plain
 * strings with equal basenames; anything else (escapes, another type): true.
 */
export function rawBasenamesDiffer(block: Buffer, exe: number, argv: number, nl: number): boolean {
  if (block[argv] !== 0x5b) return true;
  let a = argv + 1;
  while (a < nl && (block[a] === 0x20 || block[a] === 0x09)) a++;
  if (block[a] === 0x5d) return false;
  if (block[a] !== 0x22 || block[exe] !== 0x22) return true;
  const eEnd = plainStringEnd(block, exe + 1, nl);
  const aEnd = plainStringEnd(block, a + 1, nl);
  if (eEnd < 0 || aEnd < 0) return true;
  const eBase = basenameStart(block, exe + 1, eEnd);
  const aBase = basenameStart(block, a + 1, aEnd);
  if (eEnd - eBase !== aEnd - aBase) return true;
  // In JS: a native compare costs more than these few bytes.
  for (let i = 0; i < eEnd - eBase; i++) if (block[eBase + i] !== block[aBase + i]) return true;
  return false;
}
