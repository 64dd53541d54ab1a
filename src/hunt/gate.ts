// The gate every line and row passes before any rule's predicate runs: per rule, the sets of texts
// it requires (prefilter.ts requirements: ALL sets, ONE text of each, each under a key), all rules'
// texts in one Aho-Corasick automaton. A line is kept only when some rule has every one of its sets
// present, each in the value of its key, so a line holding a broad text (`/bash"` as parent_exe)
// but none of that rule's other required texts is dropped before it is decoded or parsed; a row is
// tested only against the rules it satisfies.
//
// Only the values of the keys the rules name are scanned (exe, argv, user, ... a tenth of a line):
// each key's next `"key"` in the block is found by Buffer.indexOf (native, skipping the lines that
// lack it, such as end records), then its value alone goes through the automaton. Key order and
// blanks do not matter; a `"key"` not followed by a colon is a value, skipped.
//
// The marker BASENAMES in a set stands for "argv[0]'s basename differs from exe's" (argv0_mismatch),
// checked on the raw line (rawBasenamesDiffer) only when a rule still needs it.
import type { LineSelector } from '../log/index.js';
import { FIELDS } from '../schema/index.js';
import { Automaton, BASENAMES, KEYED, scanBytes } from './prefilter.js';

/** The tables of a gate, built once per rule set; each pass gets its own Gate (the stamps). */
export class GateTables {
  readonly delta: Int32Array;
  readonly accepts: Uint8Array;
  readonly outputs: (number[] | undefined)[];
  /** The keys whose values are scanned (those the texts are under). */
  keys: string[];
  /** Per key, `"key"` as bytes. */
  readonly keyBytes: Buffer[];
  /** Per text (automaton pattern), pairs of [set id, key index] it counts for. */
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

  constructor(reqs: readonly (readonly (readonly string[])[])[]) {
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
          let key = this.keys.indexOf(name);
          if (key < 0) key = this.keys.push(name) - 1;
          const t = keyed.slice(cut + 1);
          let i = index.get(t);
          if (i === undefined) index.set(t, (i = texts.push(t) - 1)), this.setsOf.push([]);
          this.setsOf[i]!.push(id, key);
        }
      }
    });
    this.markerRules = this.markerSets.flatMap((s, r) => (s.length > 0 ? [r] : []));
    // BASENAMES reads exe and argv: a line without them is dropped unread, one with them checked.
    if (this.markerRules.length > 0) for (const k of ['exe', 'argv']) if (!this.keys.includes(k)) this.keys.push(k);
    // In catalogue order, precd's key order: each searched from the one before (Gate.lineHits).
    const order = (k: string): number => FIELDS.findIndex((f) => f.name === k);
    const sorted = [...this.keys].sort((a, b) => order(a) - order(b));
    for (let j = 0; j < this.setsOf.length; j++) for (let q = 1; q < this.setsOf[j]!.length; q += 2) this.setsOf[j]![q] = sorted.indexOf(this.keys[this.setsOf[j]![q]!]!);
    this.keys = sorted;
    this.keyBytes = this.keys.map((k) => Buffer.from(`"${k}"`));
    this.unconstrainedRules = this.need.flatMap((n, r) => (n === 0 ? [r] : []));
    this.unconstrained = this.unconstrainedRules.length > 0;
    const a = new Automaton(texts.map(scanBytes));
    // ASCII case folded into the table itself: an upper-case byte moves as its lower case does.
    for (let st = 0; st < a.outputs.length; st++) a.delta.copyWithin(st * 256 + 0x41, st * 256 + 0x61, st * 256 + 0x7b);
    this.delta = a.delta;
    this.accepts = a.accepts;
    this.outputs = a.outputs;
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

const NOT_SEARCHED = -2;
const RECORD_TYPE = Buffer.from('"record_type"');

/** One pass's matching state over GateTables: which sets and rules the current line satisfied. */
export class Gate {
  private line = 0;
  private readonly setStamp: Int32Array;
  private readonly ruleStamp: Int32Array;
  private readonly ruleCount: Int32Array;
  /** Per key (and record_type last), where its next `"key"` is in the current block (-1: nowhere after)... */
  private readonly next: Int32Array;
  /** ... when searched from here (NOT_SEARCHED: not yet in this block). */
  private readonly from: Int32Array;

  constructor(private readonly t: GateTables) {
    this.setStamp = new Int32Array(t.ruleOf.length);
    this.ruleStamp = new Int32Array(t.need.length);
    this.ruleCount = new Int32Array(t.need.length);
    this.next = new Int32Array(t.keys.length + 1);
    this.from = new Int32Array(t.keys.length + 1).fill(NOT_SEARCHED);
  }

  /** A new block: key positions are searched again. */
  newBlock(): void {
    this.from.fill(NOT_SEARCHED);
  }

  /** Record the texts ending at state `s` under `key`; true when that completes some rule (pushed to `done`). */
  private hit(s: number, key: number, done: number[] | undefined): boolean {
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
          if (!done) return true;
          done.push(r);
          completed = true;
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

  /** Does the raw JSON line block[p, nl) satisfy some rule? (Non-ASCII in a scanned value: yes.) */
  lineHits(block: Buffer, p: number, nl: number): boolean {
    const { keyBytes } = this.t;
    this.line++;
    if (this.isEnd(block, p, nl)) return false;
    let any = false;
    // Keys are searched in catalogue order, each from the previous one found (precd's order: short
    // hops); one not found after that hint is looked for before it, so that any order is read.
    let hint = p;
    for (let k = 0; k < keyBytes.length; k++) {
      const key = keyBytes[k]!;
      let at = this.find(block, k, hint);
      if (!(at < nl && at >= 0) && hint > p) {
        const before = block.subarray(p, hint).indexOf(key);
        if (before >= 0) at = p + before;
      }
      if (at >= 0 && at < nl) hint = Math.max(hint, at);
      while (at >= 0 && at < nl) {
        any = true;
        const v = valueStart(block, at + key.length, nl);
        if (v >= 0 && this.scanValue(block, v, nl, k)) return true;
        at = this.find(block, k, at + 1);
      }
    }
    if (!any) return false;
    for (const r of this.t.markerRules) if (this.onlyMarkersMissing(r) && rawBasenamesDiffer(block, p, nl)) return true;
    return false;
  }

  /** The first `"key"` (key index k; keyBytes.length: record_type) at or after `from` in the block, or -1. */
  private find(block: Buffer, k: number, from: number): number {
    const cached = this.next[k]!;
    if (this.from[k]! !== NOT_SEARCHED && this.from[k]! <= from && (cached === -1 || cached >= from)) return cached;
    const at = block.indexOf(k === this.t.keyBytes.length ? RECORD_TYPE : this.t.keyBytes[k]!, from);
    this.next[k] = at;
    this.from[k] = from;
    return at;
  }

  /**
   * An end record (`"record_type":"end"`)? A command row takes exe, argv and the other scanned
   * values from its start record only, so an end line never decides a rule: dropped unscanned.
   */
  private isEnd(block: Buffer, p: number, nl: number): boolean {
    const at = this.find(block, this.t.keyBytes.length, p);
    if (at < 0 || at >= nl) return false;
    const v = valueStart(block, at + RECORD_TYPE.length, nl);
    return v >= 0 && v + 5 <= nl && block[v] === 0x22 && block[v + 1] === 0x65 && block[v + 2] === 0x6e && block[v + 3] === 0x64 && block[v + 4] === 0x22;
  }

  /** The value starting at `v` (a string, an array of strings, or a scalar) through the automaton. */
  private scanValue(block: Buffer, v: number, nl: number, key: number): boolean {
    const { delta, accepts } = this.t;
    const mode = block[v];
    let inString = false;
    let s = 0;
    for (let i = v; i < nl; i++) {
      let b = block[i]!;
      if (b >= 0x80) return true;
      let end = false;
      if (b === 0x5c) {
        const n = block[i + 1];
        if (n === 0x2f) (b = 0x2f), i++;
        else {
          const u = unicodeEscape(block, i);
          if (u >= 0) (b = u), (i += 5);
          else {
            // Any other escape is two bytes as written (`\"`, `\\`, `\n`...).
            s = delta[(s << 8) | b]!;
            if (accepts[s] && this.hit(s, key, undefined)) return true;
            b = n ?? 0;
            i++;
          }
        }
      } else if (b === 0x22) {
        if (mode === 0x22) end = i > v;
        else inString = !inString;
      } else if (mode === 0x5b ? b === 0x5d && !inString : mode !== 0x22 && (b === 0x2c || b === 0x7d)) return false;
      s = delta[(s << 8) | b]!;
      if (accepts[s] && this.hit(s, key, undefined)) return true;
      if (end) return false;
    }
    return false;
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
    for (let k = 0; k < keys.length; k++) {
      const value = row[keys[k]!];
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
    this.gate.newBlock();
    for (let p = 0; p < len; ) {
      let nl = block.indexOf(0x0a, p);
      if (nl < 0) nl = len;
      if (nl > p && (block[p] !== 0x7b || this.gate.lineHits(block, p, nl))) out.push(block.toString('utf8', p, nl));
      p = nl + 1;
    }
    return out;
  }
}

const EXE_KEY = Buffer.from('"exe"');
const ARGV_KEY = Buffer.from('"argv"');
const EXE_VALUE = Buffer.from('"exe":"');
const ARGV_VALUE = Buffer.from('"argv":["');

/** The end of the plain JSON string starting at `from` (its closing quote), or -1 at an escape or the line's end. */
function plainStringEnd(block: Buffer, from: number, nl: number): number {
  for (let i = from; i < nl; i++) {
    const b = block[i]!;
    if (b === 0x22) return i;
    if (b === 0x5c) return -1;
  }
  return -1;
}

/**
 * Could the record on this line have argv0_mismatch (schema basenamesDiffer)? False only when it
 * surely cannot: it lacks the `exe` or the `argv` key, its argv is empty, or both values are plain
 * strings in precd's compact layout with equal basenames. Any other layout, escapes: true. `"exe":"`
 * cannot occur inside a JSON string (its quotes would be escaped), so the first one found is the key.
 */
export function rawBasenamesDiffer(block: Buffer, p: number, nl: number): boolean {
  const line = block.subarray(p, nl);
  // Searched in the line alone: a miss must not scan the rest of the block.
  const find = (needle: Buffer): number => {
    const at = line.indexOf(needle);
    return at >= 0 ? p + at : -1;
  };
  if (find(EXE_KEY) < 0 || find(ARGV_KEY) < 0) return false;
  const e = find(EXE_VALUE);
  const a = find(ARGV_VALUE);
  if (e < 0 || a < 0) return !line.includes('"argv":[]');
  const e0 = e + EXE_VALUE.length;
  const a0 = a + ARGV_VALUE.length;
  const eEnd = plainStringEnd(block, e0, nl);
  const aEnd = plainStringEnd(block, a0, nl);
  if (eEnd < 0 || aEnd < 0) return true;
  const eBase = block.lastIndexOf(0x2f, eEnd - 1) >= e0 ? block.lastIndexOf(0x2f, eEnd - 1) + 1 : e0;
  const aBase = block.lastIndexOf(0x2f, aEnd - 1) >= a0 ? block.lastIndexOf(0x2f, aEnd - 1) + 1 : a0;
  return eEnd - eBase !== aEnd - aBase || block.compare(block, eBase, eEnd, aBase, aEnd) !== 0;
}
