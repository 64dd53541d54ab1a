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
// - A regular expression (`/=`) gives, as a `part` value, each literal run every match of it
//   contains (regex-literals.ts), cut into SAFE_VALUE pieces.
// - A range (`=`, `>`, `>=`, `<`, `<=` on a number or timestamp field that is not end-only) gives a
//   value needle: the scanner reads the value after `"key":` from the bytes and keeps the line
//   when the clause's own test (predicate.ts clauseTest) accepts it, when it cannot read it
//   plainly (not a plain integer or an escape-free string), or when the key may be written with
//   escapes. A row's value of such a field is the value in the line of its start, fail or seal
//   record (end-only fields are excluded), so the test on the bytes is the test on the row.
// - End records, loss records and lines that are not JSON objects are the scanner's business.
import { FIELD_NAMES, fieldByName, type FieldSpec } from '../schema/index.js';
import type { ClauseNode, QueryNode } from './ast.js';
import { operatorSpec } from './operators.js';
import { clauseTest } from './predicate.js';
import { requiredLiterals } from './regex-literals.js';

/** Characters that every JSON encoder we know of writes literally inside a string. */
const SAFE_VALUE = /^[A-Za-z0-9 _.:@%+,-]*$/;
const UNSAFE_CHARS = /[^A-Za-z0-9 _.:@%+,-]+/;

/** `"user"` and the like are key names, present in every record: useless as needles. */
const KEY_NEEDLES: ReadonlySet<string> = new Set(FIELD_NAMES.map((n) => `"${n}"`));

/** A text every matching line contains; with `key`, as the value of that key (`"key" : "V"`). */
export interface TextNeedle {
  readonly text: string;
  readonly key?: string;
}

/**
 * A value every matching line has under `key`: a JSON number (`read: 'number'`) or string
 * (`'string'`) that `accepts` (the clause's own test) passes.
 */
export interface ValueNeedle {
  readonly key: string;
  readonly read: 'number' | 'string';
  readonly accepts: (value: number | string) => boolean;
}

export type Needle = TextNeedle | ValueNeedle;

export function isTextNeedle(n: Needle): n is TextNeedle {
  return 'text' in n;
}

/**
 * Literal substrings that every line of a start or fail record matching `ast` (several: ANDed)
 * contains, or undefined when the query gives none.
 */
export function necessaryTexts(ast: QueryNode | readonly QueryNode[]): string[] | undefined {
  const texts = necessaryNeedles(ast)?.filter(isTextNeedle).map((n) => n.text);
  return texts && texts.length > 0 ? texts : undefined;
}

/** necessaryTexts, with the key each value must belong to where the query says (`K=V`). */
export function necessaryNeedles(ast: QueryNode | readonly QueryNode[]): Needle[] | undefined {
  const all = 'kind' in ast ? needles(ast) : needles({ kind: 'and', operands: ast as readonly QueryNode[] });
  const seen = new Set<string>();
  const useful = all.filter((n) => {
    if (!isTextNeedle(n)) return true;
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
      return node.caseless ? [] : clauseNeedles(node);
    case 'not':
      return [];
    case 'and':
      return node.operands.flatMap(needles);
    case 'or': {
      // Only what every branch requires (texts: a value test is the branch's own).
      const id = (n: TextNeedle): string => `${n.key ?? ''}\0${n.text}`;
      const [first, ...rest] = node.operands.map((o) => needles(o).filter(isTextNeedle));
      const others = rest.map((r) => new Set(r.map(id)));
      return (first ?? []).filter((n) => others.every((s) => s.has(id(n))));
    }
  }
}

function clauseNeedles(node: ClauseNode): Needle[] {
  const { key, value } = node;
  const field = fieldByName(key);
  const op = operatorSpec(node.op);
  if (!field || field.endOnly) return [];
  if (field.type === 'number' || field.type === 'timestamp') return valueNeedles(node, field);
  if (op.regex && !op.negated) {
    // Any piece of a required text is required: the pieces written alike by every encoder.
    const pieces = requiredLiterals(value).flatMap((literal) => literal.split(UNSAFE_CHARS));
    return pieces.flatMap((piece) => textNeedles(key, field, 'part', piece));
  }
  return op.needle === 'none' ? [] : textNeedles(key, field, op.needle, value);
}

function textNeedles(key: string, field: FieldSpec, kind: 'whole' | 'part', value: string): TextNeedle[] {
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

/**
 * A number or timestamp clause whose verdict is false where the row lacks the key (`=` and the
 * orderings, not `!=`): the row's value is the one in the line, so the clause's test can be run
 * on the value read from the bytes.
 */
function valueNeedles(node: ClauseNode, field: FieldSpec): ValueNeedle[] {
  const op = operatorSpec(node.op);
  if (!op.order || op.whenAbsent || field.derivedFrom !== undefined || field.records.length === 0) return [];
  const test = clauseTest(node);
  return [{ key: field.name, read: field.type === 'number' ? 'number' : 'string', accepts: (v) => test(v, v) }];
}
