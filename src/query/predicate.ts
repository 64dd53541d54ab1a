// Checked AST -> predicate: the one JavaScript back end. Each clause becomes a value test built
// from the operator table (operators.ts) for its field type, holding the query value already
// converted (number, instant, nanoseconds, folded text, RE2). The query itself is generated as one
// function that reads each field with a property access of its own (monomorphic, inlined) and
// calls the clause tests: about twice the throughput of one closure per node reading every field
// through shared code (megamorphic), see bench/query.bench.ts. Where code generation is disabled
// (node --disallow-code-generation-from-strings) the same clause tests are combined by closures.
//
// Safety: the generated source is made only of fixed templates and catalogue field names (checked
// against the catalogue and written as JSON string literals). Query values and log content never
// enter the source; clause tests are passed in as constants (c0, c1, ...) and rows are only read.
import { basenamesDiffer, fieldByName, formatTimestamp, parseDuration, parseInstant, lastInstantNanos, parseTimeValue, type FieldBag, type FieldSpec } from '../schema/index.js';
import type { ClauseNode, QueryNode } from './ast.js';
import { joined, operatorSpec, type OperatorSpec } from './operators.js';

export type Predicate = (row: FieldBag) => boolean;

/**
 * A clause's test of a row's values: `value` is the row's value of the field the clause reads
 * (for a derived field, the field it is derived from), `fallback` the row's value of the clause's
 * own key (a merged row may carry `command` or `duration` as text instead).
 */
type ValueTest = (value: unknown, fallback: unknown) => boolean;

/** The field marking a command row as finalized: merging sets it from the end record. */
const FINALIZED_BY = 'end_timestamp';

/**
 * A command row is finalized once its end is known, which merging marks with `end_timestamp`.
 * Conditions on end-only fields (exit_status, duration, ...) hold only for finalized rows.
 */
export function isFinalized(row: FieldBag): boolean {
  return typeof row[FINALIZED_BY] === 'string';
}

/** The field a clause reads from the row: the clause's own, or the one it is derived from. */
function source(spec: FieldSpec): string {
  return spec.basenamesOf?.[0] ?? spec.derivedFrom ?? spec.name;
}

/** The second value a clause test gets: the other compared field, or the clause's own key. */
function second(spec: FieldSpec): string {
  return spec.basenamesOf?.[1] ?? spec.name;
}

function checkedSpec(key: string): FieldSpec {
  const spec = fieldByName(key);
  if (!spec) throw new Error(`unchecked query AST: unknown field ${key}`);
  return spec;
}

/** The value test of one clause, from the operator table and the field's catalogue entry. */
export function clauseTest(clause: ClauseNode): ValueTest {
  const spec = checkedSpec(clause.key);
  const op = operatorSpec(clause.op);
  if (!op.types.includes(spec.type)) throw new Error(`unchecked query AST: ${clause.op} on ${spec.type} field ${spec.name}`);
  switch (spec.type) {
    case 'number':
      return numberTest(op, Number(clause.value));
    case 'boolean': {
      const difference = booleanDifference(clause.value === 'true');
      if (spec.basenamesOf) return orderTest(op, (a, b) => difference(basenamesDiffer(a, b)));
      return orderTest(op, difference);
    }
    case 'timestamp': {
      const compare = timestampComparator(clause.value);
      return orderTest(op, (x) => (typeof x === 'string' ? compare(x) : NaN));
    }
    case 'duration':
      return orderTest(op, durationDifference(clause.value));
    case 'string':
    case 'string[]':
      return spec.type === 'string[]' || spec.derivedFrom !== undefined && checkedSpec(spec.derivedFrom).type === 'string[]'
        ? argvTest(op, clause.value, clause.caseless === true)
        : textTest(op, clause.value, clause.caseless === true);
  }
}

// Differences use NaN for "the row lacks a comparable value": every ordering with NaN is false and
// only the `!=` of the table is true, which is exactly the rule for missing keys.
function orderTest(op: OperatorSpec, difference: (value: unknown, fallback: unknown) => number): ValueTest {
  const order = op.order;
  if (!order) throw new Error(`unchecked query AST: ${op.token} on an ordered field`);
  return (value, fallback) => order(difference(value, fallback));
}

/** Numbers: the table's ordering on row value minus query value, as one closure per clause. */
function numberTest(op: OperatorSpec, v: number): ValueTest {
  const order = op.order;
  if (!order) throw new Error(`unchecked query AST: ${op.token} on a number field`);
  return op.whenAbsent ? (x) => typeof x !== 'number' || order(x - v) : (x) => typeof x === 'number' && order(x - v);
}

function booleanDifference(v: boolean): (x: unknown) => number {
  return (x) => (typeof x === 'boolean' ? Number(x) - Number(v) : NaN);
}

/**
 * `duration` is whole seconds, its printed form (formatDuration): a row shown as
 * `0000-00-00 00:00:01` (1.9 s) equals `duration=0000-00-00 00:00:01` and is not `>` it. The same
 * rounding as formatDuration, so that what is printed is what is compared; duration_ns stays exact.
 * A row carrying only the printed duration (its fallback) is compared by that text.
 */
function durationDifference(value: string): (ns: unknown, text: unknown) => number {
  const q = parseDuration(value);
  if (q === undefined) throw new Error(`unchecked query AST: bad duration ${value}`);
  return (ns, text) => {
    if (typeof ns === 'number') return Math.floor(Math.max(0, ns) / 1e9) * 1e9 - q;
    const parsed = typeof text === 'string' ? parseDuration(text) : undefined;
    return parsed === undefined ? NaN : parsed - q;
  };
}

function textTest(op: OperatorSpec, value: string, caseless: boolean): ValueTest {
  // The hot case (`user=nginx`) as one comparison, like a hand-written test.
  if (op.identity && !caseless) return op.negated ? (x) => x !== value : (x) => x === value;
  const test = op.text!(value, caseless);
  // Two closures rather than one comparing with `negated`: the hot `user=nginx` stays one test.
  if (op.whenAbsent) return op.negated ? (x) => typeof x !== 'string' || !test(x) : (x) => typeof x !== 'string' || test(x);
  return op.negated ? (x) => typeof x === 'string' && !test(x) : (x) => typeof x === 'string' && test(x);
}

/**
 * argv, and fields derived from it (`command`: argv joined by single spaces), matched as that
 * joined text, without joining where the table says how. A row without an argv array is matched
 * by its own text value (a merged row may carry `command` as text).
 */
function argvTest(op: OperatorSpec, value: string, caseless: boolean): ValueTest {
  const onText = op.text!(value, caseless);
  const onArgv = op.argv !== undefined && !caseless ? op.argv(value) : (argv: readonly unknown[]) => onText(joined(argv));
  const { negated, whenAbsent } = op;
  return (argv, text) => {
    if (Array.isArray(argv)) return onArgv(argv) !== negated;
    return typeof text === 'string' ? onText(text) !== negated : whenAbsent;
  };
}

/**
 * A comparison of row timestamps (RFC3339 text) with the query instant `value` (any form
 * parseTimeValue reads): negative, zero or positive as the row is before, at or after it (to the
 * nanosecond); NaN when the text is not a timestamp.
 */
export function timestampComparator(value: string): (x: string) => number {
  const qNs = parseTimeValue(value);
  if (qNs === undefined) throw new Error(`unchecked query AST: bad timestamp ${value}`);
  const qSeconds = Number(qNs / 1_000_000_000n - (qNs < 0n && qNs % 1_000_000_000n !== 0n ? 1n : 0n));
  const qNanos = Number(qNs - BigInt(qSeconds) * 1_000_000_000n);
  const fast = canonicalComparator(qNs);
  return (x) => {
    const c = fast(x);
    if (c !== undefined) return c;
    const s = parseInstant(x);
    if (s !== qSeconds) return s - qSeconds; // NaN when malformed
    return lastInstantNanos() - qNanos;
  };
}

const CANONICAL_LENGTH = 35;

/**
 * Fast path: precd writes every timestamp as YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM (35 chars). For
 * rows in one offset, the query instant written in that same offset orders like the row text, so
 * a string comparison replaces parsing. The query text per offset is cached. undefined: not that
 * layout, parse it.
 */
function canonicalComparator(qNs: bigint): (x: string) => number | undefined {
  const canonical = new Map<string, string>();
  // The offset of the cached text, as char codes (sign, hour digits, minute digits).
  let o0 = -1, o1 = -1, o2 = -1, o4 = -1, o5 = -1;
  let canon = '';
  const sameOffset = (x: string): boolean =>
    x.charCodeAt(29) === o0 && x.charCodeAt(30) === o1 && x.charCodeAt(31) === o2 && x.charCodeAt(33) === o4 &&
    x.charCodeAt(34) === o5;
  return (x) => {
    if (x.length !== CANONICAL_LENGTH || x.charCodeAt(19) !== 46 || x.charCodeAt(32) !== 58 || x.charCodeAt(10) !== 84) return undefined;
    if (!sameOffset(x)) {
      const suffix = x.slice(29);
      let c = canonical.get(suffix);
      if (c === undefined && canonical.size < 64) {
        const minutes = offsetMinutes(suffix);
        if (!Number.isNaN(minutes)) canonical.set(suffix, (c = formatTimestamp(qNs, minutes)));
      }
      if (c !== undefined) {
        [o0, o1, o2, o4, o5] = [0, 1, 2, 4, 5].map((i) => suffix.charCodeAt(i)) as [number, number, number, number, number];
        canon = c;
      }
    }
    // Separators are checked, digits are not: rows come from the log reader, and a timestamp
    // in precd's exact layout is taken as precd wrote it (validating costs 3x the comparison).
    if (sameOffset(x)) return x === canon ? 0 : x < canon ? -1 : 1;
    return undefined;
  };
}

/** `+09:00` -> 540; NaN when not an offset. */
function offsetMinutes(suffix: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(suffix);
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) return NaN;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

// ---- combining clause tests ------------------------------------------------------------------

/** The closures form: one closure per node. Used where code generation is disabled. */
export function compileNode(node: QueryNode): Predicate {
  switch (node.kind) {
    case 'clause': {
      const spec = checkedSpec(node.key);
      const test = clauseTest(node);
      const from = source(spec);
      const key = second(spec);
      if (spec.endOnly) return (row) => typeof row[FINALIZED_BY] === 'string' && test(row[from], row[key]);
      return (row) => test(row[from], row[key]);
    }
    case 'not': {
      const p = compileNode(node.operand);
      return (row) => !p(row);
    }
    case 'and':
      return combine(node.operands.map(compileNode), true);
    case 'or':
      return combine(node.operands.map(compileNode), false);
  }
}

// Split in halves: a chain of thousands of conditions must not nest thousands of calls deep.
function combine(ps: readonly Predicate[], all: boolean): Predicate {
  if (ps.length === 0) return () => all;
  if (ps.length === 1) return ps[0]!;
  const a = combine(ps.slice(0, ps.length >> 1), all);
  const b = combine(ps.slice(ps.length >> 1), all);
  return all ? (row) => a(row) && b(row) : (row) => a(row) || b(row);
}

const FIELD_NAME_RE = /^[a-z_][a-z0-9_]*$/;

function prop(key: string): string {
  if (fieldByName(key) === undefined || !FIELD_NAME_RE.test(key)) throw new Error(`unchecked query AST: field ${key}`);
  return `row[${JSON.stringify(key)}]`;
}

function emit(tests: ValueTest[], node: QueryNode): string {
  switch (node.kind) {
    case 'not':
      return `!${emit(tests, node.operand)}`;
    case 'and':
      return `(${node.operands.map((o) => emit(tests, o)).join(' && ')})`;
    case 'or':
      return `(${node.operands.map((o) => emit(tests, o)).join(' || ')})`;
    case 'clause': {
      const spec = checkedSpec(node.key);
      const from = source(spec);
      const other = second(spec);
      const call = `c${tests.push(clauseTest(node)) - 1}(${prop(from)}${from === other ? '' : `, ${prop(other)}`})`;
      return spec.endOnly ? `(typeof ${prop(FINALIZED_BY)} === "string" && ${call})` : call;
    }
  }
}

let codegenAvailable = true;

/** The predicate of a checked AST, generated as one function (closures where that is disabled). */
export function generatePredicate(node: QueryNode): Predicate {
  if (!codegenAvailable) return compileNode(node);
  const tests: ValueTest[] = [];
  const body = emit(tests, node);
  const constants = tests.map((_, i) => `const c${i} = tests[${i}];`).join('\n');
  try {
    const factory = new Function('tests', `"use strict";\n${constants}\nreturn function predicate(row) { return ${body}; };`);
    return factory(tests) as Predicate;
  } catch (err) {
    // Disabled code generation, or a query too large for the engine: same semantics, slower.
    if (err instanceof EvalError) codegenAvailable = false;
    return compileNode(node);
  }
}
