// Checked AST -> predicate, the reference semantics. Each clause becomes a closure specialized for
// its field type and operator, holding the query value already converted (number, instant,
// nanoseconds); and/or/not combine closures; nothing looks at the AST once rows are tested.
// codegen.ts builds the faster equivalent compileQuery uses, from the same helpers (timestamp
// comparison, argv matching), and falls back to these closures where it cannot generate code.
import { fieldByName, formatTimestamp, parseDuration, type FieldBag } from '../schema/index.js';
import type { ClauseNode, Operator, QueryNode } from './ast.js';

export type Predicate = (row: FieldBag) => boolean;

/**
 * A command row is finalized once its end is known, which merging marks with `end_timestamp`.
 * Conditions on end-only fields (exit_status, duration, ...) hold only for finalized rows.
 */
export function isFinalized(row: FieldBag): boolean {
  return typeof row['end_timestamp'] === 'string';
}

/** The reference compiler: one closure per node. */
export function compileNode(node: QueryNode): Predicate {
  switch (node.kind) {
    case 'clause':
      return compileClause(node);
    case 'not': {
      const p = compileNode(node.operand);
      return (row) => !p(row);
    }
    case 'and':
      return allOf(node.operands.map(compileNode));
    case 'or':
      return anyOf(node.operands.map(compileNode));
  }
}

/**
 * Three-valued verdict for rows whose end may still come (follow mode): true when the row matches
 * whatever its end brings, false when it cannot match, undefined when that depends on end-only
 * values not known yet. Rows that will not change (finalized commands, fail, loss) get the
 * predicate's verdict. Not on a hot path: plain closures.
 */
export function compileDecision(node: QueryNode): (row: FieldBag) => boolean | undefined {
  switch (node.kind) {
    case 'clause': {
      const p = compileClause(node);
      if (!fieldByName(node.key)?.endOnly) return p;
      return (row) => (row['record_type'] === 'command' && !isFinalized(row) ? undefined : p(row));
    }
    case 'not': {
      const d = compileDecision(node.operand);
      return (row) => {
        const v = d(row);
        return v === undefined ? undefined : !v;
      };
    }
    case 'and': {
      const ds = node.operands.map(compileDecision);
      return (row) => {
        let unknown = false;
        for (const d of ds) {
          const v = d(row);
          if (v === false) return false;
          if (v === undefined) unknown = true;
        }
        return unknown ? undefined : true;
      };
    }
    case 'or': {
      const ds = node.operands.map(compileDecision);
      return (row) => {
        let unknown = false;
        for (const d of ds) {
          const v = d(row);
          if (v === true) return true;
          if (v === undefined) unknown = true;
        }
        return unknown ? undefined : false;
      };
    }
  }
}

function allOf(ps: readonly Predicate[]): Predicate {
  if (ps.length === 0) return () => true;
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate];
    return (row) => a(row) && b(row);
  }
  // Split in halves: a chain of thousands of conditions must not nest thousands of calls deep.
  const a = allOf(ps.slice(0, ps.length >> 1));
  const b = allOf(ps.slice(ps.length >> 1));
  return (row) => a(row) && b(row);
}

function anyOf(ps: readonly Predicate[]): Predicate {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate];
    return (row) => a(row) || b(row);
  }
  const a = anyOf(ps.slice(0, ps.length >> 1));
  const b = anyOf(ps.slice(ps.length >> 1));
  return (row) => a(row) || b(row);
}

function compileClause(clause: ClauseNode): Predicate {
  const spec = fieldByName(clause.key);
  if (!spec) throw new Error(`unchecked query AST: unknown field ${clause.key}`);
  let p: Predicate;
  switch (spec.type) {
    case 'number':
      p = numberClause(clause.key, clause.op, Number(clause.value));
      break;
    case 'timestamp':
      p = timestampClause(clause.key, clause.op, clause.value);
      break;
    case 'duration':
      p = durationClause(clause.op, clause.value);
      break;
    case 'boolean':
      p = booleanClause(clause.key, clause.op, clause.value === 'true');
      break;
    case 'string[]':
      p = argvClause(() => undefined, clause.op, clause.value);
      break;
    case 'string':
      p = clause.key === 'command'
        ? argvClause((row) => row['command'], clause.op, clause.value)
        : stringClause((row) => row[clause.key], clause.op, clause.value);
      break;
  }
  if (!spec.endOnly) return p;
  const inner = p;
  return (row) => typeof row['end_timestamp'] === 'string' && inner(row);
}

// Comparisons below use NaN for "the row lacks a comparable value": every ordering with NaN is
// false and only `!==` is true, which is exactly the rule for missing keys.
function byOrder(op: Operator, compare: (row: FieldBag) => number): Predicate {
  switch (op) {
    case '=':
      return (row) => compare(row) === 0;
    case '!=':
      return (row) => !(compare(row) === 0);
    case '>':
      return (row) => compare(row) > 0;
    case '>=':
      return (row) => compare(row) >= 0;
    case '<':
      return (row) => compare(row) < 0;
    case '<=':
      return (row) => compare(row) <= 0;
    default:
      throw new Error(`unchecked query AST: ${op} on an ordered field`);
  }
}

function numberClause(key: string, op: Operator, v: number): Predicate {
  switch (op) {
    case '=':
      return (row) => row[key] === v;
    case '!=':
      return (row) => row[key] !== v;
    case '>':
      return (row) => {
        const x = row[key];
        return typeof x === 'number' && x > v;
      };
    case '>=':
      return (row) => {
        const x = row[key];
        return typeof x === 'number' && x >= v;
      };
    case '<':
      return (row) => {
        const x = row[key];
        return typeof x === 'number' && x < v;
      };
    case '<=':
      return (row) => {
        const x = row[key];
        return typeof x === 'number' && x <= v;
      };
    default:
      throw new Error(`unchecked query AST: ${op} on a number field`);
  }
}

function timestampClause(key: string, op: Operator, value: string): Predicate {
  const compare = timestampComparator(value);
  return byOrder(op, (row) => {
    const x = row[key];
    return typeof x === 'string' ? compare(x) : NaN;
  });
}

/**
 * A comparison of row timestamps (RFC3339 text) with the query instant `value`: negative, zero or
 * positive as the row is before, at or after it (to the nanosecond); NaN when the text is not a
 * timestamp.
 */
export function timestampComparator(value: string): (x: string) => number {
  const qSeconds = parseInstant(value);
  const qNanos = instantNanos;
  if (Number.isNaN(qSeconds)) throw new Error(`unchecked query AST: bad timestamp ${value}`);
  const qNs = BigInt(qSeconds) * 1_000_000_000n + BigInt(qNanos);
  // Fast path: precd writes every timestamp as YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM (35 chars). For
  // rows in one offset, the query instant written in that same offset orders like the row text,
  // so a string comparison replaces parsing. The query text per offset is cached.
  const canonical = new Map<string, string>();
  // The offset of the cached text, as char codes (sign, hour digits, minute digits).
  let o0 = -1, o1 = -1, o2 = -1, o4 = -1, o5 = -1;
  let canon = '';
  const sameOffset = (x: string): boolean =>
    x.charCodeAt(29) === o0 && x.charCodeAt(30) === o1 && x.charCodeAt(31) === o2 && x.charCodeAt(33) === o4 &&
    x.charCodeAt(34) === o5;
  return (x) => {
    if (x.length === CANONICAL_LENGTH && x.charCodeAt(19) === 46 && x.charCodeAt(32) === 58 && x.charCodeAt(10) === 84) {
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
    }
    const s = parseInstant(x);
    if (s !== qSeconds) return s - qSeconds; // NaN when malformed
    return instantNanos - qNanos;
  };
}

const CANONICAL_LENGTH = 35;

/** `+09:00` -> 540; NaN when not an offset. */
function offsetMinutes(suffix: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(suffix);
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) return NaN;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * `duration` is whole seconds, its printed form (formatDuration): a row shown as
 * `0000-00-00 00:00:01` (1.9 s) equals `duration=0000-00-00 00:00:01` and is not `>` it. The same
 * rounding as formatDuration, so that what is printed is what is compared; duration_ns stays exact.
 */
export function wholeSecondsNs(ns: number): number {
  return Math.floor(Math.max(0, ns) / 1e9) * 1e9;
}

function durationClause(op: Operator, value: string): Predicate {
  const q = parseDuration(value);
  if (q === undefined) throw new Error(`unchecked query AST: bad duration ${value}`);
  return byOrder(op, (row) => {
    const ns = row['duration_ns'];
    return typeof ns === 'number' ? wholeSecondsNs(ns) - q : printedDurationMinus(row, q);
  });
}

/** For a row carrying only the printed duration (whole seconds): duration - q, or NaN. */
export function printedDurationMinus(row: FieldBag, q: number): number {
  const text = row['duration'];
  const parsed = typeof text === 'string' ? parseDuration(text) : undefined;
  return parsed === undefined ? NaN : parsed - q;
}

function booleanClause(key: string, op: Operator, v: boolean): Predicate {
  if (op === '=') return (row) => row[key] === v;
  if (op === '!=') return (row) => row[key] !== v;
  throw new Error(`unchecked query AST: ${op} on a boolean field`);
}

function stringClause(text: (row: FieldBag) => unknown, op: Operator, v: string): Predicate {
  switch (op) {
    case '=':
      return (row) => text(row) === v;
    case '!=':
      return (row) => text(row) !== v;
    case '~=':
      return (row) => {
        const x = text(row);
        return typeof x === 'string' && x.includes(v);
      };
    case '!~=':
      return (row) => {
        const x = text(row);
        return typeof x !== 'string' || !x.includes(v);
      };
    default:
      throw new Error(`unchecked query AST: ${op} on a text field`);
  }
}

/**
 * argv, and `command` (derived: argv joined by single spaces), matched as that joined text without
 * building it when possible. A row without an argv array falls back to `fallback(row)` (a merged
 * row may carry `command` as text).
 */
function argvClause(fallback: (row: FieldBag) => unknown, op: Operator, v: string): Predicate {
  switch (op) {
    case '=':
      return (row) => {
        const argv = row['argv'];
        return Array.isArray(argv) ? joinedEquals(argv, v) : fallback(row) === v;
      };
    case '!=':
      return (row) => {
        const argv = row['argv'];
        return Array.isArray(argv) ? !joinedEquals(argv, v) : fallback(row) !== v;
      };
    case '~=': {
      const contains = containsTest(v);
      return (row) => {
        const argv = row['argv'];
        if (Array.isArray(argv)) return contains(argv);
        const x = fallback(row);
        return typeof x === 'string' && x.includes(v);
      };
    }
    case '!~=': {
      const contains = containsTest(v);
      return (row) => {
        const argv = row['argv'];
        if (Array.isArray(argv)) return !contains(argv);
        const x = fallback(row);
        return typeof x !== 'string' || !x.includes(v);
      };
    }
    default:
      throw new Error(`unchecked query AST: ${op} on a text field`);
  }
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

function joined(argv: readonly unknown[]): string {
  if (argv !== lastArgv) {
    lastJoined = argv.join(' ');
    lastArgv = argv;
  }
  return lastJoined;
}

// RFC3339 -> epoch seconds (returned; NaN when malformed) and nanoseconds within the second (left
// in instantNanos), without a regex, Date or bigint: the hot path of timestamp conditions.
let instantNanos = 0;

function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** Exported for tests: the fast RFC3339 reader must agree with schema's parseTimestampNs. */
export function parseInstant(s: string): number {
  const len = s.length;
  if (len < 20) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116) return NaN; // T or t
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  let i = 19;
  let nanos = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    const start = i;
    while (i < len && i - start < 10) {
      const d = s.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      nanos = nanos * 10 + d;
      i++;
    }
    const count = i - start;
    if (count === 0 || count > 9) return NaN;
    for (let k = count; k < 9; k++) nanos *= 10;
  }
  let offsetMinutes: number;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    if (i + 1 !== len) return NaN;
    offsetMinutes = 0;
  } else if (z === 43 || z === 45) {
    if (i + 6 !== len || s.charCodeAt(i + 3) !== 58) return NaN;
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (!(oh <= 23 && om <= 59)) return NaN;
    offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return NaN;
  }
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 23 && minute <= 59 && second <= 60)) {
    return NaN;
  }
  instantNanos = nanos;
  return daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
