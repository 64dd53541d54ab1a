// Sigma conditions -> query AST over the search identifiers' nodes: `and`, `or`, `not`, parentheses,
// `1 of X*`, `all of X*`, `1 of them`, `all of them` (not > and > or). Aggregations (`| count()`)
// and `N of` with N > 1 are unsupported.
import type { QueryNode } from '../query/index.js';
import { Unsupported } from './errors.js';
import { andOf, orOf } from './detection.js';

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let end = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    out.push(m[1]!);
    end = TOKEN.lastIndex;
  }
  if (text.slice(end).trim() !== '') throw new SyntaxError(`cannot read "${text.slice(end).trim()}"`);
  return out;
}

/** Glob of identifier names (`selection_*`) -> test. */
function globTest(pattern: string): (name: string) => boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (name) => re.test(name);
}

/**
 * Parses `text` over the identifiers (name -> node, in rule order). Throws SyntaxError for a
 * malformed condition, Unsupported for a form prec does not evaluate.
 */
export function parseCondition(text: string, ids: ReadonlyMap<string, QueryNode>): QueryNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos]?.toLowerCase();
  const expect = (t: string): void => {
    if (peek() !== t) throw new SyntaxError(`expected "${t}" at ${tokens[pos] === undefined ? 'the end' : `"${tokens[pos]}"`}`);
    pos++;
  };
  const or = (): QueryNode => {
    const nodes = [and()];
    while (peek() === 'or') pos++, nodes.push(and());
    return orOf(nodes);
  };
  const and = (): QueryNode => {
    const nodes = [unary()];
    while (peek() === 'and') pos++, nodes.push(unary());
    return andOf(nodes);
  };
  const unary = (): QueryNode => {
    const t = peek();
    if (t === undefined) throw new SyntaxError('unexpected end of condition');
    if (t === 'not') return pos++, { kind: 'not', operand: unary() };
    if (t === '(') {
      pos++;
      const inner = or();
      expect(')');
      // Keeps the group's own node, so that printing the AST keeps the parentheses.
      return inner;
    }
    if (t === '|') throw new Unsupported('aggregation in condition');
    if (/^\d+$/.test(t) || t === 'all' || t === 'any') return quantified(t);
    if (['and', 'or', ')'].includes(t)) throw new SyntaxError(`unexpected "${tokens[pos]}"`);
    pos++;
    const node = ids.get(tokens[pos - 1]!);
    if (!node) throw new SyntaxError(`no search identifier "${tokens[pos - 1]}"`);
    return node;
  };
  const quantified = (t: string): QueryNode => {
    pos++;
    expect('of');
    const target = tokens[pos++];
    if (target === undefined) throw new SyntaxError('"of" needs identifiers or "them"');
    if (t !== 'all' && t !== 'any' && t !== '1') throw new Unsupported(`"${t} of" (only 1 of and all of)`);
    const names = target.toLowerCase() === 'them' ? [...ids.keys()].filter((n) => !n.startsWith('_')) : [...ids.keys()].filter(globTest(target));
    if (names.length === 0) throw new SyntaxError(`no search identifier matches "${target}"`);
    const nodes = names.map((n) => ids.get(n)!);
    return t === 'all' ? andOf(nodes) : orOf(nodes);
  };
  const node = or();
  if (pos < tokens.length) {
    if (tokens[pos] === '|') throw new Unsupported('aggregation in condition');
    throw new SyntaxError(`unexpected "${tokens[pos]}"`);
  }
  return node;
}
