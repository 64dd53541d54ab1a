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
import { Automaton, BASENAMES, KEYED, scanBytes } from './prefilter.js';

/** The values of a line a light rule reads. */
export type LightRow = { exe?: string; argv?: string[] };

/** Every key a record line may carry, found by the automaton: they say which value a text is in. */
const LINE_KEYS: readonly string[] = FIELDS.filter((f) => f.records.length > 0).map((f) => f.name);
const EXE = LINE_KEYS.indexOf('exe');
const ARGV = LINE_KEYS.indexOf('argv');

/** The tables of a gate, built once per rule set; each pass gets its own Gate (the stamps). */
export class GateTables {
  readonly delta: Uint16Array | Int32Array;
  readonly accepts: Uint8Array;
  readonly outputs: (number[] | undefined)[];
  /** The keys the texts are under (a row's values scanned by rowRules). */
  readonly keys: string[];
  /** Per state, 1 + the key (index in LINE_KEYS) whose `"key"` ends there, or 0. */
  readonly keyAt: Int32Array;
  /** Per state, whether some text (not a key) ends there. */
  readonly textAt: Uint8Array;
  /** Per key (index in LINE_KEYS), 1 when its value goes through the automaton: some text is under it. */
  readonly scanned: Uint8Array;
  /** Per text (automaton pattern), pairs of [set id, key index in LINE_KEYS] it counts for. */
  readonly setsOf: number[][];
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
    const texts: string[] = [];
    const index = new Map<string, number>();
    this.keys = [];
    this.setsOf = [];
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
          const cut = keyed.indexOf(KEYED);
          const name = keyed.slice(0, cut);
          const key = LINE_KEYS.indexOf(name);
          if (key < 0) throw new Error(`unchecked requirement ${keyed}`);
          if (!this.keys.includes(name)) this.keys.push(name);
          const t = keyed.slice(cut + 1);
          let i = index.get(t);
          if (i === undefined) index.set(t, (i = texts.push(t) - 1)), this.setsOf.push([]);
          this.setsOf[i]!.push(id, key);
        }
      }
    });
    this.markerRules = this.markerSets.flatMap((s, r) => (s.length > 0 ? [r] : []));
    this.unconstrainedRules = this.need.flatMap((n, r) => (n === 0 ? [r] : []));
    this.unconstrained = this.unconstrainedRules.length > 0;
    const a = new Automaton([...texts.map(scanBytes), ...LINE_KEYS.map((k) => [0x22, ...Buffer.from(k), 0x22])]);
    // ASCII case folded into the table itself: an upper-case byte moves as its lower case does.
    for (let st = 0; st < a.outputs.length; st++) a.delta.copyWithin(st * 256 + 0x41, st * 256 + 0x61, st * 256 + 0x7b);
    // Half the memory when it fits: the table is read once per byte, and cache misses are its cost.
    this.delta = a.outputs.length <= 0xffff ? Uint16Array.from(a.delta) : a.delta;
    this.accepts = a.accepts;
    this.outputs = a.outputs;
    this.scanned = Uint8Array.from(LINE_KEYS, (k) => (this.keys.includes(k) ? 1 : 0));
    this.keyAt = new Int32Array(a.outputs.length);
    this.textAt = new Uint8Array(a.outputs.length);
    a.outputs.forEach((out, state) => {
      for (const o of out ?? []) {
        if (o >= texts.length) this.keyAt[state] = o - texts.length + 1;
        else this.textAt[state] = 1;
      }
    });
  }
}

/** The first byte of the value after `"key"` ending before `i` (blanks, a colon, blanks), or -1: no colon. */
function valueStart(block: Buffer, i: number, nl: number): number {
  while (i < nl && (block[i] === 0x20 || block[i] === 0x09)) i++;
  if (block[i] !== 0x3a || i >= nl) return -1;
  i++;
  while (i < nl && (block[i] === 0x20 || block[i] === 0x09)) i++;
  return i < nl ? i : -1;
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

  constructor(private readonly t: GateTables) {
    this.setStamp = new Int32Array(t.ruleOf.length);
    this.ruleStamp = new Int32Array(t.need.length);
    this.ruleCount = new Int32Array(t.need.length);
  }

  /** Record the texts ending at state `s` under `key`; true when that completes some rule (pushed to `done`). */
  private hit(s: number, key: number, done: number[] | undefined): boolean {
    const light = done ? undefined : this.t.light;
    const { setsOf, ruleOf, need } = this.t;
    const line = this.line;
    let completed = false;
    for (const text of this.t.outputs[s]!) {
      const pairs = setsOf[text]!;
      for (let j = 0; j < pairs.length; j += 2) {
        const set = pairs[j]!;
        if (pairs[j + 1] !== key || this.setStamp[set] === line) continue;
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

  /** Does the raw JSON line block[p, nl) satisfy some rule? (Any byte above 0x7f: yes.) */
  lineHits(block: Buffer, p: number, nl: number): boolean {
    const { delta, accepts, keyAt, textAt, scanned } = this.t;
    this.line++;
    this.exeAt = this.argvAt = -1;
    this.pending.length = 0;
    let s = 0;
    let key = -1;
    for (let i = p; i < nl; i++) {
      let b = block[i]!;
      if (b >= 0x80) return true;
      if (b === 0x5c) {
        const n = block[i + 1];
        if (n === 0x2f) (b = 0x2f), i++;
        else {
          const u = unicodeEscape(block, i);
          if (u >= 0) (b = u), (i += 5);
          else {
            // Any other escape is two bytes as written (`\"`, `\\`, `\n`...).
            s = delta[(s << 8) | b]!;
            if (accepts[s] && textAt[s] && this.hit(s, key, undefined)) return true;
            b = n ?? 0;
            i++;
          }
        }
      }
      s = delta[(s << 8) | b]!;
      if (accepts[s]) {
        if (textAt[s] && this.hit(s, key, undefined)) return true;
        if (keyAt[s]) {
          const k = keyAt[s]! - 1;
          const v = this.keyFound(block, i + 1, nl, k);
          if (v >= 0) {
            key = k;
            // A value no text is under (timestamp, cgroup, ...) is skipped, not stepped through.
            if (!scanned[k]) (i = skipValue(block, v, nl) - 1), (s = 0);
          }
        }
      }
    }
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
   * `"name"` of key k ended before i: when a colon follows, where its value starts (exe's and argv's
   * noted), else -1 (it was a value).
   */
  private keyFound(block: Buffer, i: number, nl: number, k: number): number {
    const v = valueStart(block, i, nl);
    if (v >= 0 && k === EXE) this.exeAt = v;
    else if (v >= 0 && k === ARGV) this.argvAt = v;
    return v;
  }

  /**
   * The rules a row satisfies, from the JSON text of its values under the gate's keys (ASCII case
   * folded, the text the line gate saw, re-encoded; BASENAMES taken as present: the predicate
   * decides); undefined when a value has a non-ASCII character (Unicode case folding may make
   * ASCII of it: every rule is then tested).
   */
  rowRules(row: Readonly<Record<string, unknown>>): number[] | undefined {
    const { delta, accepts, keys } = this.t;
    const done: number[] = [];
    this.line++;
    for (const name of keys) {
      const k = LINE_KEYS.indexOf(name);
      const value = row[name];
      if (value === undefined) continue;
      const hay = JSON.stringify(value);
      let s = 0;
      for (let i = 0; i < hay.length; i++) {
        const c = hay.charCodeAt(i);
        if (c >= 0x80) return undefined;
        s = delta[(s << 8) | c]!;
        if (accepts[s]) this.hit(s, k, done);
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

/** The position after the JSON value starting at `v` (a string, an array, a scalar), or the line's end. */
function skipValue(block: Buffer, v: number, nl: number): number {
  const first = block[v];
  let inString = first === 0x22;
  for (let i = v + 1; i < nl; i++) {
    const b = block[i]!;
    if (b === 0x5c) i++;
    else if (b === 0x22) {
      if (first === 0x22) return i + 1;
      inString = !inString;
    } else if (!inString && (first === 0x5b ? b === 0x5d : b === 0x2c || b === 0x7d)) return first === 0x5b ? i + 1 : i;
  }
  return nl;
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
