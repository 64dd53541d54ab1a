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
import { createRequire } from 'node:module';
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

/** The literal runs of an RE2 pattern made only of literals, `.`, `.*`, anchors and `(?s)`; else undefined. */
export function regexRuns(pattern: string): string[] | undefined {
  let p = pattern.startsWith('(?s)') ? pattern.slice(4) : pattern;
  if (p.startsWith('^')) p = p.slice(1);
  if (p.endsWith('$') && !p.endsWith('\\$')) p = p.slice(0, -1);
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return undefined; // \d, \b, \x..: not a literal
      cur += n;
      i++;
    } else if (c === '.') {
      if (p[i + 1] === '*') i++;
      if (cur) out.push(cur);
      cur = '';
    } else if (/[|?*+()[\]{}^$]/.test(c)) {
      return undefined;
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
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
      const parts = node.op === '/=' ? regexRuns(node.value) : [node.value];
      const texts = parts?.flatMap((t) => runs(t, argvBased));
      if (!texts || texts.length === 0) return undefined;
      return [texts.reduce((a, b) => (b.length > a.length ? b : a))];
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

/** RE2 text matching a literal as any JSON encoder may have written it. */
function jsonPattern(literal: string): string {
  let out = '';
  for (const c of literal) {
    if (c === '"') out += '\\\\"';
    else if (c === '\\') out += '\\\\\\\\';
    else if (c === '/') out += '(?:/|\\\\/)';
    else if (ESCAPABLE.has(c)) out += `(?:${c}|\\\\u00${c.charCodeAt(0).toString(16)})`;
    else out += c.replace(/[\\^$.|?*+()[\]{}]/, (x) => `\\${x}`);
  }
  return out;
}

interface Regex {
  lastIndex: number;
  exec(b: Buffer): { index: number } | null;
}
type RE2Constructor = new (pattern: string, flags?: string) => Regex;

/** A LineSelector keeping the lines where any of `texts` occurs (case-insensitive), for all rules at once. */
export class LiteralSelector implements LineSelector {
  private readonly re: Regex;

  constructor(texts: readonly string[]) {
    const RE2 = createRequire(import.meta.url)('re2') as RE2Constructor;
    // Longer first: no effect on which lines match, only on how RE2 reports them.
    const alts = [...new Set(texts.map((t) => t.toLowerCase()))].sort((a, b) => b.length - a.length).map(jsonPattern);
    this.re = new RE2(`${alts.join('|')}|[^\\x00-\\x7f]|(?m:^[^{\\n])`, 'gi');
  }

  select(block: Buffer): string[] {
    const out: string[] = [];
    const re = this.re;
    re.lastIndex = 0;
    for (let m = re.exec(block); m; m = re.exec(block)) {
      const start = m.index === 0 ? 0 : block.lastIndexOf(0x0a, m.index - 1) + 1;
      let end = block.indexOf(0x0a, m.index);
      if (end < 0) end = block.length;
      if (end > start) out.push(block.toString('utf8', start, end));
      if (end >= block.length) break;
      re.lastIndex = end + 1;
    }
    return out;
  }
}
