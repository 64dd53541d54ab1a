// The operator table of the query language (SPEC section 7): the one place that says, for each
// operator, its token, its `!` form, the field types it applies to, its verdict where a row lacks
// the key, its JavaScript semantics and what it lets the prefilter demand of a raw line. The
// parser, the JS predicate (predicate.ts) and the needle analysis (needles.ts) all read it; a new
// back end (ClickHouse SQL) adds one column here and one file beside them.
import { createRequire } from 'node:module';
import type { FieldType } from '../schema/index.js';

export const OPERATORS = ['=', '!=', '>', '>=', '<', '<=', '~=', '!~=', '^=', '!^=', '$=', '!$=', '/=', '!/='] as const;
export type Operator = (typeof OPERATORS)[number];

/**
 * What a clause lets the prefilter demand of the raw line of a matching record, for a
 * case-sensitive value: `whole` = the JSON string `"V"` as the value of the key; `part` = V
 * somewhere (the value contains it); `none` = nothing. On argv-based fields (argv, command) both
 * `whole` and `part` demand every space-free piece of V, since such a piece lies in one argument.
 */
export type NeedleKind = 'whole' | 'part' | 'none';

export interface OperatorSpec {
  readonly token: Operator;
  /** The operator with the opposite verdict on present values (`=` and `!=`), if any. */
  readonly negation: Operator | undefined;
  /** The `!` form of a text operator: true on present values where `negation` is false. */
  readonly negated: boolean;
  /** Field types the operator applies to. */
  readonly types: readonly FieldType[];
  /** The verdict on a row without the key (end-only keys of unfinished commands: always false). */
  readonly whenAbsent: boolean;
  /**
   * Ordered fields (number, timestamp, duration, boolean): the verdict from row value minus query
   * value, NaN when the row has no comparable value.
   */
  readonly order?: (difference: number) => boolean;
  /**
   * Text fields: the test of the positive form (the `!` form negates it). `caseless` folds case
   * (a quoted value followed by `i`).
   */
  readonly text?: (value: string, caseless: boolean) => (x: string) => boolean;
  /** Text fields, argv arrays: a test of the space-joined text that need not join (case-sensitive). */
  readonly argv?: (value: string) => (argv: readonly unknown[]) => boolean;
  /** The case-sensitive text test is `===`: false on any non-string, so it needs no type test. */
  readonly identity?: true;
  /** The value is an RE2 pattern, checked when the query is parsed. */
  readonly regex?: true;
  /** Prefilter semantics, case-sensitive values only (caseless clauses give no needle). */
  readonly needle: NeedleKind;
  /**
   * ClickHouse SQL (sql.ts), the positive form: ordered fields compare with this operator; text
   * fields call this template with the column expression and the quoted literal. Functions that
   * exist on ClickHouse 18.16 and current releases alike.
   */
  readonly sql: { readonly compare?: string; readonly text?: (x: string, literal: string) => string };
}

const ORDERED: readonly FieldType[] = ['number', 'timestamp', 'duration'];
const EQUATABLE: readonly FieldType[] = ['number', 'timestamp', 'duration', 'boolean', 'string', 'string[]'];
const TEXT: readonly FieldType[] = ['string', 'string[]'];

/**
 * A text operator's test from its case-sensitive form `make`; caseless folds both sides to lower
 * case. Each operator's `make` is a function of its own, so each test inlines where it is called.
 */
function textOp(make: (value: string) => (x: string) => boolean): (value: string, caseless: boolean) => (x: string) => boolean {
  return (value, caseless) => {
    if (!caseless) return make(value);
    const test = make(value.toLowerCase());
    return (x) => test(x.toLowerCase());
  };
}

const equals = textOp((v) => (x) => x === v);
const contains = textOp((v) => (x) => x.includes(v));
const startsWith = textOp((v) => (x) => x.startsWith(v));
const endsWith = textOp((v) => (x) => x.endsWith(v));
const matches = (value: string, caseless: boolean) => {
  const re = compileRegex(value, caseless);
  return (x: string) => re.test(x);
};

/** Positive text operators; each `!` form is derived from its entry by negatedForm. */
const POSITIVE: readonly OperatorSpec[] = [
  {
    token: '=', negation: '!=', negated: false, types: EQUATABLE, whenAbsent: false, needle: 'whole', identity: true,
    order: (d) => d === 0, text: equals, argv: (v) => (argv) => joinedEquals(argv, v),
    sql: { compare: '=', text: (x, v) => `${x} = ${v}` },
  },
  {
    token: '~=', negation: '!~=', negated: false, types: TEXT, whenAbsent: false, needle: 'part', text: contains, argv: containsTest,
    sql: { text: (x, v) => `position(${x}, ${v}) > 0` },
  },
  {
    token: '^=', negation: '!^=', negated: false, types: TEXT, whenAbsent: false, needle: 'part', text: startsWith,
    sql: { text: (x, v) => `startsWith(${x}, ${v})` },
  },
  {
    token: '$=', negation: '!$=', negated: false, types: TEXT, whenAbsent: false, needle: 'part', text: endsWith,
    sql: { text: (x, v) => `endsWith(${x}, ${v})` },
  },
  {
    // ClickHouse's match() is RE2 too: the same syntax as compileRegex.
    token: '/=', negation: '!/=', negated: false, types: TEXT, whenAbsent: false, needle: 'none', text: matches, regex: true,
    sql: { text: (x, v) => `match(${x}, ${v})` },
  },
];

/**
 * The `!` form: same tests, inverted by the back ends; no needle. True where the key is absent,
 * for every `!` form alike (`!=`, `!~=`, and so `!^=`, `!$=`, `!/=`): "the record does not have
 * a value that starts with V" holds for a record without the value.
 */
function negatedForm(p: OperatorSpec): OperatorSpec {
  const order = p.order;
  return {
    ...p, token: p.negation!, negation: p.token, negated: true, whenAbsent: true, needle: 'none',
    ...(order ? { order: (d: number) => !order(d) } : {}),
    // The SQL back end negates the positive text form itself; only `=` has a comparison to flip.
    sql: { ...p.sql, ...(p.sql.compare === '=' ? { compare: '!=' } : {}) },
  };
}

const ORDERINGS: readonly OperatorSpec[] = [
  { token: '>', negation: undefined, negated: false, types: ORDERED, whenAbsent: false, needle: 'none', order: (d) => d > 0, sql: { compare: '>' } },
  { token: '>=', negation: undefined, negated: false, types: ORDERED, whenAbsent: false, needle: 'none', order: (d) => d >= 0, sql: { compare: '>=' } },
  { token: '<', negation: undefined, negated: false, types: ORDERED, whenAbsent: false, needle: 'none', order: (d) => d < 0, sql: { compare: '<' } },
  { token: '<=', negation: undefined, negated: false, types: ORDERED, whenAbsent: false, needle: 'none', order: (d) => d <= 0, sql: { compare: '<=' } },
];

const TABLE: ReadonlyMap<string, OperatorSpec> = new Map(
  [...POSITIVE, ...POSITIVE.map(negatedForm), ...ORDERINGS].map((s): [string, OperatorSpec] => [s.token, s]),
);

/** The table entry of an operator token; throws on a token the lexer cannot produce. */
export function operatorSpec(token: string): OperatorSpec {
  const spec = TABLE.get(token);
  if (!spec) throw new Error(`unchecked query AST: operator ${token}`);
  return spec;
}

/** The operators that apply to a field type, in OPERATORS order (for error messages). */
export function operatorsFor(type: FieldType): Operator[] {
  return OPERATORS.filter((op) => operatorSpec(op).types.includes(type));
}

/** argv.join(' ') === v, without joining. */
export function joinedEquals(argv: readonly unknown[], v: string): boolean {
  let pos = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = String(argv[i]);
    if (i > 0) {
      if (v.charCodeAt(pos) !== 32) return false;
      pos++;
    }
    if (!v.startsWith(a, pos)) return false;
    pos += a.length;
  }
  return pos === v.length;
}

/** A test for "argv joined by spaces contains v". */
export function containsTest(v: string): (argv: readonly unknown[]) => boolean {
  if (v === '') return () => true;
  // The joined text has spaces only inside arguments or between them, so a value without a space
  // occurs in the joined text exactly when it occurs in one argument.
  if (!v.includes(' ')) {
    return (argv) => {
      for (let i = 0; i < argv.length; i++) if (String(argv[i]).includes(v)) return true;
      return false;
    };
  }
  return (argv) => joined(argv).includes(v);
}

// A row is often tested by several clauses (and queries) in a row: keep the last join, keyed by
// the argv array itself.
let lastArgv: readonly unknown[] | undefined;
let lastJoined = '';

/** argv joined by single spaces (the text argv-based clauses match). */
export function joined(argv: readonly unknown[]): string {
  if (argv !== lastArgv) {
    lastJoined = argv.join(' ');
    lastArgv = argv;
  }
  return lastJoined;
}

interface Regex {
  test(text: string): boolean;
}
type RE2Constructor = new (pattern: string, flags?: string) => Regex;
let RE2: RE2Constructor | undefined;

/**
 * An RE2 regular expression (linear time whatever the log content; the same syntax as
 * ClickHouse's match()). Throws RE2's error for a pattern it refuses. The addon is loaded the first
 * time a query uses `/=`, so that other queries do not pay for it.
 */
export function compileRegex(pattern: string, caseless: boolean): Regex {
  RE2 ??= createRequire(import.meta.url)('re2') as RE2Constructor;
  return new RE2(pattern, caseless ? 'iu' : 'u');
}
