// Property tests of the query prefilter (query/needles.ts + log/needle-selector.ts): the selector
// never drops a line whose record the full predicate accepts, for random queries of every kind
// (string =, substring, regex, number and timestamp ranges, AND/OR/NOT) over hostile lines: quotes,
// backslashes, unicode, key names inside string values, other spacing, numbers written 1.0e3,
// keys written with \u escapes, duplicate keys (the last one counts), nested objects with the key.
// And the regex literal extraction: every match of a pattern contains every literal it gives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { compileQuery, necessaryNeedles, parseQuery } from '../../src/query/index.js';
import { requiredLiterals } from '../../src/query/regex-literals.js';
import { NeedleSelector } from '../../src/log/needle-selector.js';
import { parseRecord } from '../../src/log/index.js';
import { toRow } from '../../src/rows/index.js';
import { formatTimestamp } from '../../src/schema/index.js';

const RE2 = createRequire(import.meta.url)('re2') as new (p: string, f?: string) => { test(s: string): boolean };

const HOSTILE = ['"', '\\', '\\"', '"uid":5', '\\"uid\\":1002', '"timestamp":"2026-11-01T12:30:00.000000000+01:00"', 'é', '😀', '\u0000', '\n', '/', 'nginx', 'base64 -d', ' ', 'x.y', '<&>'];
const NUMBERS = [0, 5, 33, 1001, 1002, 1003, 1004, 65534, 2 ** 32, 2 ** 53 - 1];
const BASE = 1_793_534_400_000_000_000n; // 2026-11-01T12:00:00Z
const TIMES = [BASE - 3_600_000_000_000n, BASE - 1n, BASE, BASE + 1n, BASE + 1_800_000_000_000n, BASE + 7_200_000_000_000n];

const text = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 6 }), fc.array(fc.constantFrom(...HOSTILE), { maxLength: 3 }).map((a) => a.join('')));
const timestamp = fc.oneof(
  fc.tuple(fc.constantFrom(...TIMES), fc.constantFrom(0, 60, -300, 540)).map(([ns, off]) => formatTimestamp(ns, off)),
  fc.constantFrom('2026-11-01T12:00:00Z', '2026-11-01T13:00:00+01:00', '2026-11-01T11:59:59.999999999Z', 'garbage', '2026-11-01T1x:00:00.000000000+01:00'),
  text,
);

/** How a number is written: as JSON.stringify does, or in another valid JSON form. */
const numberForm = fc.constantFrom((n: number) => String(n), (n: number) => `${n}.0`, (n: number) => `${n}e0`, (n: number) => `${n / 10}e1`);
// Rare, since a line with any \u escape is kept whatever its values.
const key = fc.oneof(
  { weight: 30, arbitrary: fc.constant((k: string) => JSON.stringify(k)) },
  { weight: 1, arbitrary: fc.constant((k: string) => `"\\u00${k.charCodeAt(0).toString(16)}${k.slice(1)}"`) },
);
const colon = fc.constantFrom(':', ' : ', ':\t');

interface Line {
  readonly fields: [string, unknown][];
}

const record = fc.record({
  record_type: fc.constantFrom('start', 'fail', 'seal'),
  timestamp,
  uid: fc.option(fc.constantFrom(...NUMBERS), { nil: undefined }),
  user: text,
  pid: fc.constantFrom(...NUMBERS),
  argv: fc.array(text, { maxLength: 3 }),
  cwd: text,
  extra: fc.option(fc.constantFrom<[string, unknown]>(['uid', 1002], ['uid', 5], ['timestamp', '2026-11-01T12:30:00.000000000+01:00'], ['x', { uid: 1002 }], ['x', ['"uid":1002']]), { nil: undefined }),
  extraFirst: fc.boolean(),
});

type Rec = typeof record extends fc.Arbitrary<infer T> ? T : never;

function fieldsOf(r: Rec): Line {
  const fields: [string, unknown][] = [
    ['timestamp', r.timestamp],
    ['event_id', 'e-1'],
    ['uid', r.uid],
    ['user', r.user],
    ['pid', r.pid],
    ['cwd', r.cwd],
    ['argv', r.argv],
    ['argc', r.argv.length],
    ['record_type', r.record_type],
  ];
  const present = fields.filter(([, v]) => v !== undefined);
  if (r.extra) present.splice(r.extraFirst ? 1 : present.length, 0, r.extra);
  return { fields: present };
}

/** A JSON line of the fields, each key and number written in one of its valid forms. */
const line = fc.tuple(record, fc.array(fc.tuple(key, colon, numberForm), { minLength: 12, maxLength: 12 })).map(([r, forms]) => {
  const { fields } = fieldsOf(r);
  const parts = fields.map(([k, v], i) => {
    const [writeKey, sep, writeNumber] = forms[i]!;
    const value = typeof v === 'number' ? writeNumber(v) : JSON.stringify(v);
    return `${writeKey(k)}${sep}${value}`;
  });
  return `{${parts.join(',')}}`;
});

const clause = fc.oneof(
  fc.tuple(fc.constantFrom('uid', 'pid', 'argc'), fc.constantFrom('=', '>', '>=', '<', '<=', '!='), fc.constantFrom(...NUMBERS)).map(([k, op, n]) => `${k}${op}${n}`),
  fc.tuple(fc.constantFrom('=', '>', '>=', '<', '<='), fc.constantFrom('2026-11-01T12:00:00+01:00', '2026-11-01T13:00:00+01:00', '2026-11-01T12:00:00.000000001Z', '2026-11-01')).map(
    ([op, t]) => `timestamp${op}${t}`,
  ),
  fc.tuple(fc.constantFrom('user', 'cwd', 'argv', 'command'), fc.constantFrom('=', '~=', '^=', '$=', '/='), fc.constantFrom('nginx', 'base64 -d', 'base64 +-d', 'ng.nx', 'x\\.y', '[a-z]+4', '(?i)NGINX', 'a|nginx', 'uid":5', 'é')).map(
    ([k, op, v]) => `${k}${op}${JSON.stringify(v)}`,
  ),
);

const query = fc.oneof(
  clause,
  fc.tuple(clause, clause).map(([a, b]) => `${a} && ${b}`),
  fc.tuple(clause, clause).map(([a, b]) => `${a} || ${b}`),
  fc.tuple(clause, clause).map(([a, b]) => `!${a} && ${b}`),
  fc.tuple(clause, clause, clause).map(([a, b, c]) => `${a} && (${b} || ${c})`),
);

function compiles(q: string): boolean {
  try {
    compileQuery(q);
    return true;
  } catch {
    return false;
  }
}

describe('the prefilter never drops a line whose record the query matches', () => {
  it('on random queries over random hostile lines', () => {
    fc.assert(
      fc.property(query, fc.array(line, { minLength: 1, maxLength: 8 }), (q, lines) => {
        fc.pre(compiles(q));
        const asts = [parseQuery(q)];
        const { predicate } = compileQuery(q);
        const needles = necessaryNeedles(asts);
        if (!needles) return;
        const kept = new Set(new NeedleSelector(needles, false).select(Buffer.from(lines.join('\n'))));
        for (const l of lines) {
          const rec = parseRecord(l);
          if (rec && predicate(toRow(rec))) assert.ok(kept.has(l), `${q} dropped ${l}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('on lines precd writes (JSON.stringify in catalogue order), with ranges that drop most of them', () => {
    fc.assert(
      fc.property(clause, fc.array(record, { minLength: 1, maxLength: 20 }), (q, records) => {
        fc.pre(compiles(q));
        const lines = records.map((r) => JSON.stringify(Object.fromEntries(fieldsOf({ ...r, extra: undefined }).fields)));
        const { predicate } = compileQuery(q);
        const needles = necessaryNeedles([parseQuery(q)]);
        if (!needles) return;
        const kept = new NeedleSelector(needles, false).select(Buffer.from(lines.join('\n')));
        const matching = lines.filter((l) => {
          const rec = parseRecord(l);
          return rec !== undefined && predicate(toRow(rec));
        });
        for (const l of matching) assert.ok(kept.includes(l), `${q} dropped ${l}`);
      }),
      { numRuns: 3000 },
    );
  });
});

const PATTERN_PIECES = ['a', 'b', 'c', 'ab', ' ', '.', '*', '+', '?', '|', '(', ')', '(?:', '(?i)', '[', ']', '[^', '^', '$', '\\', '\\.', '\\d', '\\x41', '{', '}', '{2}', '{0,1}', '-', 'é', '\\Q'];

describe('regex literals', () => {
  it('every match of a pattern contains every literal it gives', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PATTERN_PIECES), { maxLength: 10 }).map((a) => a.join('')), fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' ', '.', 'A', 'é', '\\', '-', '{', '}', '1', '?') , maxLength: 12 }), { minLength: 1, maxLength: 20 }), (pattern, inputs) => {
        let re: { test(s: string): boolean };
        try {
          re = new RE2(pattern, 'u');
        } catch {
          return;
        }
        const literals = requiredLiterals(pattern);
        for (const s of inputs) if (re.test(s)) for (const l of literals) assert.ok(s.includes(l), `/${pattern}/ matched ${JSON.stringify(s)} without ${JSON.stringify(l)}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('finds the runs of plain patterns and gives up where it cannot be sure', () => {
    assert.deepEqual(requiredLiterals('base64 +-d'), ['base64 ', '-d']);
    assert.deepEqual(requiredLiterals('^/usr/bin/(curl|wget)$'), ['/usr/bin/']);
    assert.deepEqual(requiredLiterals('ab?c'), ['a', 'c']);
    assert.deepEqual(requiredLiterals('x\\.y[0-9]{2}z'), ['x.y', 'z']);
    assert.deepEqual(requiredLiterals('curl|wget'), []);
    assert.deepEqual(requiredLiterals('(?i)curl'), []);
    assert.deepEqual(requiredLiterals('curl\\x41b'), ['curl']);
    assert.deepEqual(requiredLiterals('curl\\x7c|b'), []);
    assert.deepEqual(requiredLiterals('[]a]bc'), []);
  });
});
