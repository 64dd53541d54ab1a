// The prefilter shared by every rule: one RE2 alternation of literal texts, at least one of which
// the raw line of any row matching any rule contains, run once over each block of the log before
// anything is decoded or parsed. An OR of rules can only prefilter when every rule gives such a set.
//
// Per rule, a set of literals such that every matching line contains at least one (a disjunctive
// set, unlike query/needles.ts whose needles are all required): a text clause (`=`, `~=`, `^=`,
// `$=`, and wildcard patterns) gives its longest literal run; an AND the best set of its operands;
// an OR the union of its operands' sets (none when one operand has none); NOT, `!` operators,
// numbers and other regular expressions give none.
//
// Soundness: matching ignores case (RE2's case folding is a superset of the ASCII folding the rules
// use; any line with a byte above 0x7f is kept, so Unicode folding, `İ` say, cannot drop a row); each
// literal character may appear as its JSON escape (`/` as `\/`, `<` as `\u003c` ...); on argv-based
// fields a literal is cut at spaces (the JSON has `","` between arguments); lines that do not start
// with `{` are kept for the bad-line count.
import { fieldByName } from '../schema/index.js';
import type { QueryNode } from '../query/index.js';
import type { LineSelector } from '../log/index.js';

/** Characters written as themselves by every JSON encoder (query/needles.ts SAFE_VALUE, plus more). */
const PLAIN = /[A-Za-z0-9 _.:@%+,;!#$^*()[\]{}|~`?-]/;
/** Characters some JSON encoders escape: `/` as `\/`, the HTML-sensitive ones as `\u00XX`. */
const ESCAPABLE = new Set(['/', '<', '>', '&', '=', "'"]);

type Literals = string[] | undefined;

/** The literal runs of a text (cut at characters a JSON line may not hold as written). */
function runs(text: string, argvBased: boolean): string[] {
  const out: string[] = [];
  let cur = '';
  for (const c of text) {
    const ok = (PLAIN.test(c) || ESCAPABLE.has(c) || c === '"' || c === '\\') && !(argvBased && c === ' ');
    if (ok) cur += c;
    else {
      if (cur) out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** A regex atom: a literal character, a group of literal alternatives, or anything else. */
type Atom = { readonly texts: string[] | undefined; readonly optional: boolean };

/** The atoms of a pattern without top-level `|`, or undefined when it cannot be read that simply. */
function atoms(p: string): Atom[] | undefined {
  const out: Atom[] = [];
  for (let i = 0; i < p.length; ) {
    let texts: string[] | undefined;
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return undefined;
      texts = /[A-Za-z0-9]/.test(n) ? undefined : [n];
      i += 2;
    } else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      if (close < 0) return undefined;
      i = close + 1;
    } else if (c === '(') {
      const close = p.indexOf(')', i);
      if (close < 0) return undefined;
      const body = p.slice(i + 1, close);
      // A group of plain alternatives (W|R); anything else inside (nesting, escapes, flags) is opaque.
      texts = /^[A-Za-z0-9 _:@%,;!#=/<>'"&~-]+(\|[A-Za-z0-9 _:@%,;!#=/<>'"&~-]+)*$/.test(body) ? body.split('|') : undefined;
      if (body.includes('(')) return undefined;
      i = close + 1;
    } else if (c === '|' || c === ')') {
      return undefined;
    } else {
      texts = c === '.' || c === '^' || c === '$' ? undefined : [c];
      i++;
    }
    let optional = false;
    const q = p[i];
    if (q === '?' || q === '*') (optional = true), i++;
    else if (q === '+') i++;
    else if (q === '{') {
      const close = p.indexOf('}', i);
      if (close < 0) return undefined;
      optional = /^\{0/.test(p.slice(i));
      texts = undefined; // repeated: its text is not a contiguous run with its neighbours
      i = close + 1;
    }
    if (i < p.length && (p[i] === '?' || p[i] === '+')) i++; // lazy or possessive suffix
    out.push({ texts: optional ? undefined : texts, optional });
  }
  return out;
}

/**
 * Literal sets of an RE2 pattern: each a set of texts one of which every match contains (runs of
 * literal characters, crossed with groups of literal alternatives); undefined when the pattern
 * gives none it can be sure of.
 */
export function regexRuns(pattern: string): string[][] | undefined {
  const flags = /^\(\?[ims]+\)/.exec(pattern);
  const body = flags ? pattern.slice(flags[0].length) : pattern;
  const list = atoms(body);
  if (!list) return undefined;
  const sets: string[][] = [];
  let cur: string[] = [''];
  const cut = (): void => {
    if (cur.some((t) => t !== '')) sets.push(cur);
    cur = [''];
  };
  for (const a of list) {
    if (a.optional || !a.texts || cur.length * a.texts.length > 32) {
      cut();
      if (a.texts && !a.optional) cur = [...a.texts];
      continue;
    }
    cur = cur.flatMap((x) => a.texts!.map((t) => x + t));
  }
  cut();
  return sets.length > 0 ? sets : undefined;
}

function best(sets: string[][]): string[] {
  const score = (s: string[]): number => Math.min(...s.map((x) => x.length)) * 100 - s.length;
  return sets.reduce((a, b) => (score(b) > score(a) ? b : a));
}

/** A literal set of a query node (see the header), or undefined. */
export function literals(node: QueryNode): Literals {
  switch (node.kind) {
    case 'clause': {
      const spec = fieldByName(node.key);
      if (!spec || spec.endOnly || !['=', '~=', '^=', '$=', '/='].includes(node.op)) return undefined;
      const argvBased = spec.type === 'string[]' || spec.derivedFrom === 'argv';
      if (spec.type !== 'string' && spec.type !== 'string[]') return undefined;
      if (!argvBased && !spec.records.includes('start')) return undefined;
      // Each candidate set, its texts cut into runs: a set survives only when every text keeps one.
      if (node.op !== '/=') return [anchoredRun(node.value, node.op, argvBased)].filter((t) => t !== '') as string[] | undefined;
      const candidates = (regexRuns(node.value) ?? []).flatMap((set) => {
        const cut = set.map((t) => runs(t, argvBased).reduce((a, b) => (b.length > a.length ? b : a), ''));
        return cut.every((t) => t !== '') ? [cut] : [];
      });
      return candidates.length > 0 ? best(candidates) : undefined;
    }
    case 'not':
      return undefined;
    case 'and': {
      const sets = node.operands.map(literals).filter((s): s is string[] => s !== undefined);
      return sets.length > 0 ? best(sets) : undefined;
    }
    case 'or': {
      const sets = node.operands.map(literals);
      return sets.every((s) => s !== undefined) ? [...new Set(sets.flat())] : undefined;
    }
  }
}

/** Mark the start and the end of a JSON string (jsonPattern writes them as `"`). */
const OPEN = '\u0002';
const CLOSE = '\u0003';

/**
 * The most selective run of a clause's value: the longest, where a value that starts (`^=`, `=`)
 * or ends (`$=`, `=`) the field's text also gives the JSON quote before or after it (`exe$="/w"`
 * needs `/w"`, not just `/w`); '' when it has none.
 */
function anchoredRun(value: string, op: string, argvBased: boolean): string {
  const parts = runs(value, argvBased);
  if (parts.length === 0) return '';
  if ((op === '^=' || op === '=') && value.startsWith(parts[0]!)) parts[0] = OPEN + parts[0]!;
  const last = parts.length - 1;
  if ((op === '$=' || op === '=') && value.endsWith(parts[last]!.replace(OPEN, ''))) parts[last] = parts[last]! + CLOSE;
  return parts.reduce((a, b) => (b.length > a.length ? b : a));
}

/**
 * The bytes of a literal as the scanner sees a line: ASCII lower case, `"` and `\\` as their JSON
 * escapes (`\\"`, `\\\\`), the string quotes (OPEN, CLOSE) as `"`.
 */
export function scanBytes(literal: string): number[] {
  const out: number[] = [];
  for (const c of literal.toLowerCase()) {
    if (c === OPEN || c === CLOSE) out.push(0x22);
    else if (c === '"') out.push(0x5c, 0x22);
    else if (c === '\\') out.push(0x5c, 0x5c);
    else out.push(c.charCodeAt(0));
  }
  return out;
}

/** An Aho-Corasick automaton over bytes, as a full transition table: one lookup per byte. */
export class Automaton {
  readonly delta: Int32Array;
  readonly accepts: Uint8Array;
  /** Per state, the patterns (indices) that end there, through failure links too. */
  readonly outputs: (number[] | undefined)[];

  constructor(patterns: readonly number[][]) {
    const goto: Map<number, number>[] = [new Map()];
    const accept: boolean[] = [false];
    this.outputs = [undefined];
    patterns.forEach((p, index) => {
      let s = 0;
      for (const b of p) {
        let n = goto[s]!.get(b);
        if (n === undefined) {
          n = goto.length;
          goto.push(new Map());
          accept.push(false);
          this.outputs.push(undefined);
          goto[s]!.set(b, n);
        }
        s = n;
      }
      accept[s] = true;
      (this.outputs[s] ??= []).push(index);
    });
    this.delta = new Int32Array(goto.length * 256);
    this.accepts = Uint8Array.from(accept, (a) => (a ? 1 : 0));
    const fail = new Int32Array(goto.length);
    const queue: number[] = [];
    for (let b = 0; b < 256; b++) {
      const n = goto[0]!.get(b) ?? 0;
      this.delta[b] = n;
      if (n !== 0) queue.push(n);
    }
    // Breadth first: a state's failure target is complete before the state itself.
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      if (this.accepts[fail[s]!]) {
        this.accepts[s] = 1;
        this.outputs[s] = [...(this.outputs[s] ?? []), ...this.outputs[fail[s]!]!];
      }
      for (let b = 0; b < 256; b++) {
        const n = goto[s]!.get(b);
        if (n === undefined) this.delta[s * 256 + b] = this.delta[fail[s]! * 256 + b]!;
        else {
          fail[n] = this.delta[fail[s]! * 256 + b]!;
          this.delta[s * 256 + b] = n;
          queue.push(n);
        }
      }
    }
  }
}

/** `\u003c` and the like: the character some encoders escape, or -1. */
function unicodeEscape(block: Buffer, i: number): number {
  if (block[i + 1] !== 0x75 || block[i + 2] !== 0x30 || block[i + 3] !== 0x30) return -1;
  const hex = block.toString('latin1', i + 4, i + 6).toLowerCase();
  const code = hex === '3c' ? 0x3c : hex === '3e' ? 0x3e : hex === '26' ? 0x26 : hex === '3d' ? 0x3d : hex === '27' ? 0x27 : -1;
  return code;
}

/**
 * A LineSelector keeping the lines where any of `texts` occurs, ignoring ASCII case, for all rules
 * at once: one automaton step per byte. `\/` and the `\u00XX` escapes of `< > & = '` are read as
 * the character; lines with a byte above 0x7f, and lines not starting with `{`, are kept.
 */
export class LiteralSelector implements LineSelector {
  private readonly delta: Int32Array;
  private readonly accepts: Uint8Array;

  constructor(texts: readonly string[]) {
    const a = new Automaton([...new Set(texts)].map(scanBytes));
    this.delta = a.delta;
    this.accepts = a.accepts;
  }

  select(block: Buffer): string[] {
    const out: string[] = [];
    const { delta, accepts } = this;
    const len = block.length;
    for (let p = 0; p < len; ) {
      let nl = block.indexOf(0x0a, p);
      if (nl < 0) nl = len;
      if (nl > p && (block[p] !== 0x7b || this.lineHits(block, p, nl, delta, accepts))) out.push(block.toString('utf8', p, nl));
      p = nl + 1;
    }
    return out;
  }

  private lineHits(block: Buffer, p: number, nl: number, delta: Int32Array, accepts: Uint8Array): boolean {
    let s = 0;
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
            s = delta[s * 256 + b]!;
            if (accepts[s]) return true;
            b = n ?? 0;
            i++;
          }
        }
      } else if (b >= 0x41 && b <= 0x5a) b += 0x20;
      s = delta[s * 256 + b]!;
      if (accepts[s]) return true;
    }
    return false;
  }
}
