// The prefilter analysis of a query: texts a raw line must contain for its record to match,
// derived from the query; the byte scanner (log/needle-selector.ts) tests them on each line before
// anything is decoded or parsed. Each operator's contribution is its `needle` in the operator table.
//
// Soundness (the output must be the same with and without it, PREC_NO_PREFILTER=1):
// - A needle comes from a clause every matching row satisfies (an AND chain; repeated -q are ANDed;
//   an OR gives only the needles common to all its branches; NOT, the `!` operators, regular
//   expressions, case-insensitive values, numbers, timestamps and end-only keys give none).
// - A `whole` operator (`K=V`) on a string field of start/fail records gives `"V"` as the value of
//   K; a `part` operator (`~=`, `^=`, `$=`: the value contains V) gives V; on argv-based fields
//   (argv, and fields derived from it such as command: argv joined by spaces) every space-free
//   piece of V, since such a piece lies within one argument. Only when V is made of characters
//   every JSON encoder writes as themselves (SAFE_VALUE: no '/', which some write as '\/'; no
//   '<>&=\'', which Go and Gson escape; nothing non-ASCII, which Python's ensure_ascii escapes; no
//   quotes, backslashes or control characters), so logs written by other programs, with `": "`
//   spacing or keys in another order, still match. record_type is excluded: rows say `command`
//   where the record says `start`.
// - End records, loss records and lines that are not JSON objects are the scanner's business.
import { FIELD_NAMES, fieldByName } from '../schema/index.js';
import type { QueryNode } from './ast.js';
import { operatorSpec } from './operators.js';

/** Characters that every JSON encoder we know of writes literally inside a string. */
const SAFE_VALUE = /^[A-Za-z0-9 _.:@%+,-]*$/;

/** `"user"` and the like are key names, present in every record: useless as needles. */
const KEY_NEEDLES: ReadonlySet<string> = new Set(FIELD_NAMES.map((n) => `"${n}"`));

/** A text every matching line contains; with `key`, as the value of that key (`"key" : "V"`). */
export interface Needle {
  readonly text: string;
  readonly key?: string;
}

/**
 * Literal substrings that every line of a start or fail record matching `ast` (several: ANDed)
 * contains, or undefined when the query gives none.
 */
export function necessaryTexts(ast: QueryNode | readonly QueryNode[]): string[] | undefined {
  return necessaryNeedles(ast)?.map((n) => n.text);
}

/** necessaryTexts, with the key each value must belong to where the query says (`K=V`). */
export function necessaryNeedles(ast: QueryNode | readonly QueryNode[]): Needle[] | undefined {
  const all = 'kind' in ast ? needles(ast) : needles({ kind: 'and', operands: ast as readonly QueryNode[] });
  const seen = new Set<string>();
  const useful = all.filter((n) => {
    const id = `${n.key ?? ''}\0${n.text}`;
    if (n.text === '' || KEY_NEEDLES.has(n.text) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return useful.length > 0 ? useful : undefined;
}

function needles(node: QueryNode): Needle[] {
  switch (node.kind) {
    case 'clause':
      return node.caseless ? [] : clauseNeedles(node.key, node.op, node.value);
    case 'not':
      return [];
    case 'and':
      return node.operands.flatMap(needles);
    case 'or': {
      // Only what every branch requires.
      const id = (n: Needle): string => `${n.key ?? ''}\0${n.text}`;
      const [first, ...rest] = node.operands.map((o) => needles(o));
      const others = rest.map((r) => new Set(r.map(id)));
      return (first ?? []).filter((n) => others.every((s) => s.has(id(n))));
    }
  }
}

function clauseNeedles(key: string, op: string, value: string): Needle[] {
  const field = fieldByName(key);
  const kind = operatorSpec(op).needle;
  if (!field || field.endOnly || kind === 'none') return [];
  if (field.type === 'string[]' || fieldByName(field.derivedFrom ?? '')?.type === 'string[]') {
    return value
      .split(' ')
      .filter((piece) => piece !== '' && SAFE_VALUE.test(piece))
      .map((text) => ({ text }));
  }
  const raw = field.records.includes('start') || field.records.includes('fail');
  if (field.type !== 'string' || !raw || key === 'record_type' || !SAFE_VALUE.test(value)) return [];
  return kind === 'whole' ? [{ text: `"${value}"`, key }] : [{ text: value }];
}
