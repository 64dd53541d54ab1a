// Property tests of the query module (fast-check): no input crashes the parser (only QueryError),
// printing then reparsing gives the same AST, the generated predicate agrees with the reference
// closures on random queries and rows, and the fast timestamp comparison agrees with BigInt math.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileQuery, parseQuery, printQuery, QueryError, type QueryNode } from '../../src/query/index.js';
import { compileNode, timestampComparator } from '../../src/query/predicate.js';
import { parseInstant } from '../../src/schema/index.js';
import { FIELDS, formatTimestamp, formatDuration, parseTimestampNs, type FieldBag } from '../../src/schema/index.js';

const RUNS = 2000;

/** Pieces of the language, so random strings look like queries often enough to get deep. */
const PIECES = [
  'user', 'pid', 'uid', 'command', 'argv', 'timestamp', 'duration', 'exit_status', 'source', 'record_type', 'usr', 'argv_truncated',
  '=', '!=', '>', '>=', '<', '<=', '~=', '!~=', '^=', '!^=', '$=', '!$=', '/=', '!/=', '"i', '&&', '||', '&', '|', '(', ')', '!', '"', '\\', '\\"', ' ', '\t', '\n', '~',
  'root', '0', '-1', '42', 'true', 'user', 'system', '2026-11-22T15:04:05Z', '0000-00-00 00:10:00', 'é', '😀', '\u0000', '\u001b',
];

function mustBeQueryErrorOrAst(text: string): void {
  try {
    const ast = parseQuery(text);
    assert.ok(ast && typeof ast === 'object');
    compileQuery(text); // compiles too
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    assert.equal(e.query, text);
    assert.ok(Number.isInteger(e.column) && e.column >= 1 && e.column <= [...text].length + 1, `column ${e.column} in ${JSON.stringify(text)}`);
    assert.ok(e.message.length > 0 && !e.message.includes('\n'), e.message);
    assert.equal(typeof e.format(), 'string');
  }
}

describe('the parser never crashes', () => {
  it('on random unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), mustBeQueryErrorOrAst), { numRuns: RUNS });
  });
  it('on random sequences of query pieces', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 25 }).map((a) => a.join('')), mustBeQueryErrorOrAst), { numRuns: RUNS * 3 });
  });
});

// ---- random valid ASTs -------------------------------------------------------------------------

const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '&', '|', '(', ')', '"', '\\', '=', '!', 'é', '😀', '\t', '-'), maxLength: 8 });
// Small pools alongside wide ranges, so that rows and queries often hit equal values (boundaries).
const instant = fc.oneof(
  fc.constantFrom(1_795_000_000_000_000_000n, 1_795_000_000_000_000_001n, 1_795_000_000_123_000_000n, 0n),
  fc.bigInt({ min: -2_000_000_000_000_000_000n, max: 4_000_000_000_000_000_000n }),
);
const small = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.integer({ min: -5, max: 70000 }));
const seconds = fc.oneof(fc.constantFrom(0, 1, 60, 86400 * 30, 86400 * 365), fc.integer({ min: 0, max: 400 * 86400 }));
const offset = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });

function shortFraction(rfc: string, digits: number): string {
  // 2026-11-22T15:04:05.123456789+09:00 -> fewer fraction digits (or none), same meaning only when they were zeros
  return digits === 9 ? rfc : digits === 0 ? rfc.slice(0, 19) + rfc.slice(29) : rfc.slice(0, 20 + digits) + rfc.slice(29);
}

const timestampText = fc.tuple(instant, offset, fc.integer({ min: 0, max: 9 }), fc.boolean()).map(([ns, off, digits, z]) => {
  const t = shortFraction(formatTimestamp(ns, off), digits);
  return z && off === 0 ? t.replace(/\+00:00$/, 'Z') : t;
});

function valueFor(name: string): fc.Arbitrary<string> {
  const spec = FIELDS.find((f) => f.name === name)!;
  if ('values' in spec && spec.values) return fc.constantFrom(...spec.values);
  switch (spec.type) {
    case 'number':
      return small.map(String);
    case 'timestamp':
      return timestampText;
    case 'duration':
      return seconds.map((s) => formatDuration(s * 1e9));
    case 'boolean':
      return fc.constantFrom('true', 'false');
    default:
      return text;
  }
}

function opsFor(name: string): readonly string[] {
  const type = FIELDS.find((f) => f.name === name)!.type;
  if (type === 'boolean') return ['=', '!='];
  if (type === 'string' || type === 'string[]') return TEXT_OPS;
  return ['=', '!=', '>', '>=', '<', '<='];
}

const QUERY_FIELDS = ['user', 'uid', 'pid', 'command', 'argv', 'cwd', 'tty', 'timestamp', 'end_timestamp', 'duration', 'duration_ns',
  'exit_status', 'signal', 'source', 'record_type', 'argv_truncated', 'exec_replaced', 'auid'];

const TEXT_OPS = ['=', '!=', '~=', '!~=', '^=', '!^=', '$=', '!$=', '/=', '!/='];
const isText = (key: string): boolean => ['string', 'string[]'].includes(FIELDS.find((f) => f.name === key)!.type);

/** A random text as an RE2 pattern matching exactly that text (metacharacters escaped). */
const literalPattern = (t: string): string => t.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

function clauseOn(key: string, ops: readonly string[]): fc.Arbitrary<QueryNode> {
  return fc.tuple(fc.constantFrom(...ops), valueFor(key), fc.boolean()).map(([op, value, caseless]) => {
    const v = op.endsWith('/=') ? literalPattern(value) : value;
    return (isText(key) && caseless ? { kind: 'clause', key, op, value: v, caseless: true } : { kind: 'clause', key, op, value: v }) as QueryNode;
  });
}

const clauseArb: fc.Arbitrary<QueryNode> = fc.constantFrom(...QUERY_FIELDS).chain((key) => clauseOn(key, opsFor(key)));

const { node: astArb } = fc.letrec<{ node: QueryNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    clauseArb,
    tie('node').map((operand) => ({ kind: 'not', operand }) as QueryNode),
    fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((operands) => ({ kind: 'and', operands }) as QueryNode),
    fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((operands) => ({ kind: 'or', operands }) as QueryNode),
  ),
}));

describe('printQuery', () => {
  it('prints any AST as a query that parses back to that AST', () => {
    fc.assert(fc.property(astArb, (ast) => {
      const printed = printQuery(ast);
      assert.deepEqual(parseQuery(printed), ast, printed);
    }), { numRuns: RUNS });
  });
  it('is a fixed point on parsed queries: parse(print(parse(q))) = parse(q)', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 20 }).map((a) => a.join('')), (q) => {
      let ast: QueryNode;
      try {
        ast = parseQuery(q);
      } catch {
        return;
      }
      assert.deepEqual(parseQuery(printQuery(ast)), ast);
    }), { numRuns: RUNS * 3 });
  });
});

// ---- generated predicate vs reference closures ---------------------------------------------------

const rowArb: fc.Arbitrary<FieldBag> = fc.record(
  {
    user: fc.constantFrom('root', 'a', 'b', '', 'a b'),
    uid: small,
    pid: small,
    auid: fc.integer({ min: 0, max: 10 }),
    argv: fc.array(text, { maxLength: 3 }),
    command: text,
    cwd: text,
    tty: fc.constantFrom('/dev/pts/1', ''),
    timestamp: fc.oneof(timestampText, fc.constantFrom('garbage', '2026-11-22T15:04:05.123456789+09:00')),
    end_timestamp: timestampText,
    duration_ns: fc.oneof(seconds.map((s) => s * 1e9), fc.integer({ min: 0, max: 2e9 })),
    duration: seconds.map((s) => formatDuration(s * 1e9)),
    exit_status: small,
    signal: fc.constantFrom('SIGKILL', 'SIGTERM'),
    source: fc.constantFrom('user', 'system'),
    record_type: fc.constantFrom('command', 'fail', 'loss'),
    argv_truncated: fc.constant(true),
    exec_replaced: fc.constant(true),
  },
  { requiredKeys: [] },
);

describe('generated predicate', () => {
  it('agrees with the reference closures on random queries and rows', () => {
    fc.assert(fc.property(astArb, fc.array(rowArb, { minLength: 1, maxLength: 8 }), (ast, rows) => {
      const fast = compileQuery(printQuery(ast)).predicate;
      const reference = compileNode(ast);
      for (const row of rows) assert.equal(fast(row), reference(row), `${printQuery(ast)} on ${JSON.stringify(row)}`);
    }), { numRuns: RUNS });
  });
});

// ---- text operators vs a plain reference ---------------------------------------------------------

/** SPEC 7 written out plainly: the text a clause sees, folded if caseless, tested, negated for ! forms. */
function reference(clause: { key: string; op: string; value: string; caseless?: true }, row: FieldBag): boolean {
  const negated = clause.op.startsWith('!');
  const argv = row['argv'];
  const own = row[clause.key];
  const argvBased = clause.key === 'argv' || clause.key === 'command';
  const text = argvBased && Array.isArray(argv) ? argv.join(' ') : clause.key !== 'argv' && typeof own === 'string' ? own : undefined;
  if (text === undefined) return negated;
  const fold = (t: string): string => (clause.caseless ? t.toLowerCase() : t);
  const [x, v] = [fold(text), fold(clause.value)];
  const base: Record<string, () => boolean> = {
    '=': () => x === v, '~=': () => x.includes(v), '^=': () => x.startsWith(v), '$=': () => x.endsWith(v),
    '/=': () => new RegExp(clause.value, clause.caseless ? 'iu' : 'u').test(text),
  };
  return base[negated ? clause.op.slice(1) : clause.op]!() !== negated;
}

describe('text operators', () => {
  it('agree with a plain reference on random clauses and rows', () => {
    const textClause = fc.constantFrom('user', 'cwd', 'tty', 'command', 'argv').chain((key) =>
      clauseOn(key, TEXT_OPS).map((c) => c as unknown as { key: string; op: string; value: string; caseless?: true }));
    fc.assert(fc.property(textClause, fc.array(rowArb, { minLength: 1, maxLength: 8 }), (clause, rows) => {
      const predicate = compileQuery(printQuery({ kind: 'clause', ...clause } as QueryNode)).predicate;
      for (const row of rows) assert.equal(predicate(row), reference(clause, row), `${printQuery({ kind: 'clause', ...clause } as QueryNode)} on ${JSON.stringify(row)}`);
    }), { numRuns: RUNS });
  });
});

// ---- timestamps ---------------------------------------------------------------------------------

describe('timestamp comparison', () => {
  it('the fast RFC3339 reader agrees with parseTimestampNs', () => {
    // Years from 100: parseTimestampNs goes through Date.UTC, which maps years 0-99 to 1900-1999.
    const recent = fc.bigInt({ min: -58_000_000_000_000_000_000n, max: 250_000_000_000_000_000_000n });
    fc.assert(fc.property(recent, offset, fc.integer({ min: 0, max: 9 }), (ns, off, digits) => {
      const t = shortFraction(formatTimestamp(ns, off), digits);
      const seconds = parseInstant(t);
      const expected = parseTimestampNs(t)!;
      assert.equal(BigInt(seconds), expected / 1_000_000_000n - (expected % 1_000_000_000n < 0n ? 1n : 0n), t);
    }), { numRuns: RUNS });
  });
  it('orders any two instants as BigInt nanoseconds do, whatever their offsets and layouts', () => {
    fc.assert(fc.property(fc.array(fc.tuple(instant, offset, fc.integer({ min: 0, max: 9 })), { minLength: 2, maxLength: 12 }), (list) => {
      const [q, ...rows] = list.map(([ns, off, digits]) => ({ ns, text: shortFraction(formatTimestamp(ns, off), digits) }));
      const compare = timestampComparator(q!.text);
      const qNs = parseTimestampNs(q!.text)!;
      for (const r of rows) {
        const rowNs = parseTimestampNs(r.text)!;
        const expected = rowNs === qNs ? 0 : rowNs < qNs ? -1 : 1;
        assert.equal(Math.sign(compare(r.text)), expected, `${r.text} vs ${q!.text}`);
      }
    }), { numRuns: RUNS });
  });
  it('treats text that is not a timestamp as no value', () => {
    const compare = timestampComparator('2026-11-22T15:04:05Z');
    for (const bad of ['', 'x', '2026-11-22', '2026-11-22T15:04:05', '2026-11-22T15:04:05+9:00', '2026-11-22T15:04:05.Z', '2026-11-22T25:04:05Z']) {
      assert.ok(Number.isNaN(compare(bad)), bad);
    }
  });
});
