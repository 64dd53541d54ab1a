// What a rule requires of the raw line of any row it matches, for the gate shared by every rule
// (gate.ts), and the automaton it runs. Per rule, sets of literal texts (requirements): every set
// needed, one text of each present, each under the key whose value holds it (unlike
// query/needles.ts, a set is disjunctive). A text clause (`=`, `~=`, `^=`, `$=`, wildcard patterns)
// gives each of its literal runs, a regular expression its literal alternatives; an AND all its
// operands' sets; an OR sets derived from one set per operand; NOT, `!` operators, numbers and
// other regular expressions none. `literals` is the older single-set form (one set per rule).
//
// Soundness: matching ignores case (RE2's case folding is a superset of the ASCII folding the rules
// use; any line with a byte above 0x7f is kept, so Unicode folding, `İ` say, cannot drop a row); each
// literal character may appear as its JSON escape (`/` as `\/`, `<` as `\u003c` ...); on argv-based
// fields a literal is cut at spaces (the JSON has `","` between arguments); lines that do not start
// with `{` are kept for the bad-line count.
import { fieldByName } from '../schema/index.js';
import type { ClauseNode, QueryNode } from '../query/index.js';

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

/**
 * The literal sets of a clause, every one required (a match holds one text of each): each literal
 * run of a plain value (anchored with the JSON quote where it starts or ends the field), or each
 * set of a regular expression's alternatives. [] when it gives none.
 */
function clauseSets(node: ClauseNode): string[][] {
  const spec = fieldByName(node.key);
  if (!spec || spec.endOnly || !['=', '~=', '^=', '$=', '/='].includes(node.op)) return [];
  const argvBased = spec.type === 'string[]' || spec.derivedFrom === 'argv';
  if (spec.type !== 'string' && spec.type !== 'string[]') return [];
  if (!argvBased && !spec.records.includes('start')) return [];
  if (node.op !== '/=') return anchoredRuns(node.value, node.op, argvBased).map((t) => [t]);
  // Each candidate set, its texts cut into runs: a set survives only when every text keeps one.
  return (regexRuns(node.value) ?? []).flatMap((set) => {
    const cut = set.map((t) => runs(t, argvBased).reduce((a, b) => (b.length > a.length ? b : a), ''));
    return cut.every((t) => t !== '') ? [cut] : [];
  });
}

/** A literal set of a query node (see the header), or undefined. */
export function literals(node: QueryNode): Literals {
  switch (node.kind) {
    case 'clause': {
      const sets = clauseSets(node);
      return sets.length > 0 ? best(sets) : undefined;
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

/** The key a text is found under in a record line: the clause's field, or the one it is derived from. */
function lineKey(key: string): string {
  const spec = fieldByName(key)!;
  return spec.derivedFrom ?? spec.name;
}

/** Most sets an OR keeps (any subset of a rule's required sets is still required: capping is sound). */
const MAX_OR_SETS = 8;

/**
 * An OR of requirements as requirements: (A1 and A2) or (B1 and B2) needs (A1 or B1), (A1 or B2),
 * (A2 or B1) and (A2 or B2); sets holding another set are dropped (implied by it), and the best
 * MAX_OR_SETS kept.
 */
function orSets(each: string[][][]): string[][] {
  let acc: string[][] = [[]];
  for (const sets of each) {
    const next = acc.flatMap((a) => sets.map((b) => [...new Set([...a, ...b])]));
    const minimal = next.filter((x, i) => !next.some((y, j) => j !== i && y.length <= x.length && y.every((t) => x.includes(t)) && (y.length < x.length || j < i)));
    const score = (x: string[]): number => Math.min(...x.map((t) => t.length)) * 100 - x.length;
    acc = minimal.sort((x, y) => score(y) - score(x)).slice(0, MAX_OR_SETS);
  }
  return acc;
}

/**
 * A rule's requirements: sets of texts, every set needed, one text of each present in the line of
 * any row the rule matches, each text as `KEY\u0001TEXT`: found in the value of that key (gate.ts
 * tracks the key it is in). An AND needs all its operands' sets, an OR what orSets derives, NOT
 * nothing; [] when nothing is known: the rule needs every line. Besides literal runs: a stored
 * boolean `=true` needs `true` under its key, and argv0_mismatch `=true` the BASENAMES marker
 * (checked on the raw line, gate.ts). With marksCase, texts of case-sensitive clauses come with
 * KEYED_CASED instead of KEYED.
 */
export function requirements(node: QueryNode, marksCase = false): string[][] {
  switch (node.kind) {
    case 'clause': {
      const spec = fieldByName(node.key);
      if (spec?.type === 'boolean' && node.op === '=' && node.value === 'true') {
        if (spec.basenamesOf) return [[BASENAMES]];
        return spec.records.includes('start') ? [[`${spec.name}${KEYED}true`]] : [];
      }
      const sep = marksCase && caseSensitive(node) ? KEYED_CASED : KEYED;
      return clauseSets(node).map((set) => set.map((t) => `${lineKey(node.key)}${sep}${t}`));
    }
    case 'not':
      return [];
    case 'and':
      return node.operands.flatMap((o) => requirements(o, marksCase));
    case 'or': {
      const each = node.operands.map((o) => requirements(o, marksCase));
      return each.every((sets) => sets.length > 0) ? orSets(each) : [];
    }
  }
}

/** A text found in most values (`-`, `/`, `1`, `-c`): requiring it drops almost nothing. */
function common(keyed: string): boolean {
  const t = keyed.slice(keyed.search(SEPARATOR) + 1).replace(OPEN, '').replace(CLOSE, '');
  return t.length === 1 ? /^[A-Za-z0-9./_:=,@+-]$/.test(t) : t.length === 2 && /^[-A-Za-z0-9][A-Za-z0-9]$/.test(t);
}

/**
 * The requirements worth checking: sets holding a common text cost an automaton hit on most values
 * and drop almost no line, so they are left out (dropping a required set is sound), unless every set
 * has one (the best is then kept, so that the rule still constrains the lines).
 */
export function selective(sets: string[][]): string[][] {
  const kept = sets.filter((set) => !set.some(common));
  return kept.length > 0 || sets.length === 0 ? kept : [best(sets)];
}

/** Between the key and the text of a requirement. */
export const KEYED = '\u0001';

/**
 * Instead of KEYED (requirements' marksCase): the clause is case-sensitive, so the text must be
 * there in the same case (the gate checks the line's bytes where it can).
 */
export const KEYED_CASED = '\u0004';

/** Either separator. */
export const SEPARATOR = /[\u0001\u0004]/;

/**
 * A clause whose texts match only in their own case: no `i` after the value, and for a regular
 * expression no flag group anywhere (`(?i)`).
 */
function caseSensitive(node: ClauseNode): boolean {
  return !node.caseless && !(node.op === '/=' && node.value.includes('(?'));
}

/** In a requirement set: argv[0]'s basename differs from exe's (gate.ts rawBasenamesDiffer). */
export const BASENAMES = '\u0000basenames';

/** Mark the start and the end of a JSON string (jsonPattern writes them as `"`). */
const OPEN = '\u0002';
const CLOSE = '\u0003';

/**
 * The literal runs of a clause's value, where a value that starts (`^=`, `=`) or ends (`$=`, `=`)
 * the field's text also gives the JSON quote before or after it (`exe$="/w"` needs `/w"`, not
 * just `/w`).
 */
function anchoredRuns(value: string, op: string, argvBased: boolean): string[] {
  const parts = runs(value, argvBased);
  if (parts.length === 0) return [];
  if ((op === '^=' || op === '=') && value.startsWith(parts[0]!)) parts[0] = OPEN + parts[0]!;
  const last = parts.length - 1;
  if ((op === '$=' || op === '=') && value.endsWith(parts[last]!.replace(OPEN, ''))) parts[last] = parts[last]! + CLOSE;
  return parts;
}

/**
 * The bytes of a literal as the scanner sees a line: ASCII lower case, `"` and `\\` as their JSON
 * escapes (`\\"`, `\\\\`), the string quotes (OPEN, CLOSE) as `"`.
 */
export function scanBytes(literal: string, keepCase = false): number[] {
  const out: number[] = [];
  for (const c of keepCase ? literal : literal.toLowerCase()) {
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
