// Parsing (SPEC section 7): the AST of valid queries, the canonical printer, and a clear
// QueryError with the right column for every malformed query.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, keyPositions, parseQuery, printQuery, QueryError, type QueryNode } from '../../src/query/index.js';

const clause = (key: string, op: string, value: string): QueryNode => ({ kind: 'clause', key, op: op as '=', value });

describe('parseQuery: structure', () => {
  it('parses a clause with each operator', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<=']) assert.deepEqual(parseQuery(`pid${op}7`), clause('pid', op, '7'));
    for (const op of ['~=', '!~=']) assert.deepEqual(parseQuery(`user${op}ro`), clause('user', op, 'ro'));
  });
  it('gives && precedence over || and flattens chains', () => {
    assert.deepEqual(parseQuery('uid=0 || uid=1 && gid=2 || gid=3'), {
      kind: 'or',
      operands: [clause('uid', '=', '0'), { kind: 'and', operands: [clause('uid', '=', '1'), clause('gid', '=', '2')] }, clause('gid', '=', '3')],
    });
    assert.deepEqual(parseQuery('uid=0 && uid=1 && uid=2'), { kind: 'and', operands: [clause('uid', '=', '0'), clause('uid', '=', '1'), clause('uid', '=', '2')] });
  });
  it('keeps parenthesized groups and negation', () => {
    assert.deepEqual(parseQuery('!(uid=0 || uid=1) && !!gid=2'), {
      kind: 'and',
      operands: [
        { kind: 'not', operand: { kind: 'or', operands: [clause('uid', '=', '0'), clause('uid', '=', '1')] } },
        { kind: 'not', operand: { kind: 'not', operand: clause('gid', '=', '2') } },
      ],
    });
    assert.deepEqual(parseQuery('((uid=0))'), clause('uid', '=', '0'));
    assert.deepEqual(parseQuery('uid=0 && (uid=1 && uid=2)'), {
      kind: 'and', operands: [clause('uid', '=', '0'), { kind: 'and', operands: [clause('uid', '=', '1'), clause('uid', '=', '2')] }],
    });
  });
  it('takes bare values up to &&, || or ), trimmed, with =, !, ( and spaces inside', () => {
    assert.deepEqual(parseQuery('command=a=b c'), clause('command', '=', 'a=b c'));
    assert.deepEqual(parseQuery('  cwd =  /home/my dir   && uid=0'), { kind: 'and', operands: [clause('cwd', '=', '/home/my dir'), clause('uid', '=', '0')] });
    assert.deepEqual(parseQuery('command~=!(x'), clause('command', '~=', '!(x'));
    assert.deepEqual(parseQuery('(command~=a b) || uid=1'), { kind: 'or', operands: [clause('command', '~=', 'a b'), clause('uid', '=', '1')] });
    assert.deepEqual(parseQuery('command~=a & b | c'), clause('command', '~=', 'a & b | c'));
    assert.deepEqual(parseQuery('command~=say "hi"'), clause('command', '~=', 'say "hi"'));
    assert.deepEqual(parseQuery('command~=C:\\dir'), clause('command', '~=', 'C:\\dir'));
    assert.deepEqual(parseQuery('user=\tx\t'), clause('user', '=', 'x'));
  });
  it('decodes quoted values: \\" and \\\\, spaces kept, operators inside', () => {
    assert.deepEqual(parseQuery('command="a && b || (c)"'), clause('command', '=', 'a && b || (c)'));
    assert.deepEqual(parseQuery('command=" padded "'), clause('command', '=', ' padded '));
    assert.deepEqual(parseQuery('command="say \\"hi\\" C:\\\\dir"'), clause('command', '=', 'say "hi" C:\\dir'));
    assert.deepEqual(parseQuery('user="" && uid=0'), { kind: 'and', operands: [clause('user', '=', ''), clause('uid', '=', '0')] });
    assert.deepEqual(parseQuery('user = "x"'), clause('user', '=', 'x'));
  });
  it('accepts empty bare values', () => {
    assert.deepEqual(parseQuery('user='), clause('user', '=', ''));
    assert.deepEqual(parseQuery('user= && group!='), { kind: 'and', operands: [clause('user', '=', ''), clause('group', '!=', '')] });
    assert.deepEqual(parseQuery('(user=)'), clause('user', '=', ''));
  });
  it('accepts unicode values', () => {
    assert.deepEqual(parseQuery('user=ユーザー && cwd~=café ☕'), { kind: 'and', operands: [clause('user', '=', 'ユーザー'), clause('cwd', '~=', 'café ☕')] });
  });
  it('checks closed value sets and type-specific values', () => {
    for (const q of ['source=user', 'source=system', 'record_type=command', 'record_type=start', 'record_type=end', 'record_type=fail', 'record_type=loss',
      'argv_truncated=true', 'exec_replaced!=false', 'timestamp>2026-11-22T15:04:05Z', 'timestamp>2026-11-22T15:04:05.1-03:30',
      'end_timestamp<=2026-11-22t15:04:05.123456789+09:00', 'duration>=0000-00-00 00:10:00', 'pid=-1', 'argc>=0']) {
      assert.doesNotThrow(() => parseQuery(q), q);
    }
  });
});

describe('printQuery', () => {
  it('prints a canonical text that reparses to the same AST', () => {
    const cases: Array<[string, string]> = [
      ['user=root', 'user=root'],
      ['  user =  root  ', 'user=root'],
      ['a_b', ''],
      ['uid=0||uid=1&&gid=2', 'uid=0 || uid=1 && gid=2'],
      ['(uid=0||uid=1)&&gid=2', '(uid=0 || uid=1) && gid=2'],
      ['uid=0 && (uid=1 && uid=2)', 'uid=0 && (uid=1 && uid=2)'],
      ['uid=0 || (uid=1 || uid=2)', 'uid=0 || (uid=1 || uid=2)'],
      ['!(uid=0 && gid=0)', '!(uid=0 && gid=0)'],
      ['! ! uid=0', '!!uid=0'],
      ['command="a && b"', 'command="a && b"'],
      ['command=")"', 'command=")"'],
      ['command=" x"', 'command=" x"'],
      ['command="\\"x"', 'command="\\"x"'],
      ['command="a\\\\b"', 'command=a\\b'],
      ['command="a\\\\b && c"', 'command="a\\\\b && c"'],
      ['user=', 'user=""'],
      ['command=a=b c', 'command=a=b c'],
    ];
    for (const [input, expected] of cases) {
      if (expected === '') continue;
      const ast = parseQuery(input);
      assert.equal(printQuery(ast), expected, input);
      assert.deepEqual(parseQuery(printQuery(ast)), ast, input);
    }
  });
});

describe('errors', () => {
  // [query, expected column, a part of the expected message]
  const cases: Array<[string, number, string]> = [
    ['', 1, 'empty query: expected a condition such as user=root'],
    ['   ', 1, 'empty query'],
    ['\t\n', 1, 'empty query'],
    ['user', 5, 'expected an operator (=, !=, >, >=, <, <=, ~=, !~=, ^=, !^=, $=, !$=, /=, !/=) after "user"'],
    ['user root', 6, 'expected an operator (=, !=, >, >=, <, <=, ~=, !~=, ^=, !^=, $=, !$=, /=, !/=) after "user"'],
    ['user == root', 1, ''], // placeholder replaced below (== is = followed by a value "= root")
    ['usr=root', 1, 'unknown field "usr" (did you mean "user"?)'],
    ['pid=1 && Comm=sh', 10, 'unknown field "Comm" (did you mean "comm"?)'],
    ['xyzzyplugh=1', 1, 'unknown field "xyzzyplugh"'],
    ['exitstatus!=0', 1, 'did you mean "exit_status"?'],
    ['pid=abc', 5, '"abc" is not a number (field pid)'],
    ['pid=1.5', 5, '"1.5" is not a number (field pid)'],
    ['pid=0x10', 5, '"0x10" is not a number (field pid)'],
    ['pid=', 5, 'expected a number'],
    ['uid>=1 2', 6, '"1 2" is not a number (field uid)'],
    ['pid=99999999999999999999', 5, 'out of range'],
    // Local dates, date+minute and date+second are accepted (SPEC 7); partial or fractional local forms are not.
    ['timestamp>2026-11-32', 11, 'is not an RFC3339 timestamp'],
    ['timestamp>2026-11-22 15', 11, 'is not an RFC3339 timestamp'],
    ['timestamp>2026-11-22T15:04:05.5', 11, 'is not an RFC3339 timestamp'],
    ['timestamp>2026-13-22T15:04:05Z', 11, 'is not an RFC3339 timestamp'],
    ['timestamp<2026-02-30T15:04:05Z', 11, 'is not an RFC3339 timestamp'],
    ['timestamp>2026-11-22T15:04:05.1234567891Z', 11, 'is not an RFC3339 timestamp'],
    ['duration>10m', 10, 'is not a duration YYYY-MM-DD HH:MM:SS'],
    ['duration>00:10:00', 10, 'is not a duration'],
    ['duration>=0000-00-00 0:10:00', 11, 'is not a duration'],
    ['user>root', 5, 'operator ">" does not apply to text field "user"'],
    ['command<=x', 8, 'operator "<=" does not apply to text field "command"'],
    ['argv>=a', 5, 'does not apply to text field "argv"'],
    ['pid~=1', 4, 'operator "~=" does not apply to number field "pid"'],
    ['timestamp!~=2026', 10, 'does not apply to timestamp field'],
    ['argv_truncated>true', 15, 'does not apply to boolean field'],
    ['argv_truncated=yes', 16, '"yes" is not true or false'],
    ['source=usr', 8, '"usr" is not a valid source: expected user or system'],
    ['record_type=commands', 13, '"commands" is not a valid record_type: expected one of command, start, end, fail, loss'],
    ['user=root &&', 13, 'unexpected end of query: expected a condition'],
    ['user=root ||', 13, 'unexpected end of query'],
    ['&& user=root', 1, 'expected a condition such as user=root'],
    ['|| user=root', 1, 'expected a condition'],
    ['user=root && && uid=0', 14, 'expected a condition'],
    ['user=root || && uid=0', 14, 'expected a condition'],
    ['!', 2, 'unexpected end of query'],
    ['user=root && !', 15, 'unexpected end of query'],
    ['(', 2, 'unexpected end of query'],
    ['(user=root', 11, 'expected ")" to close the "(" at column 1'],
    ['((user=root) && uid=0', 22, 'expected ")" to close the "(" at column 1'],
    ['user=root)', 10, 'unexpected ")": no "(" to close'],
    ['(user=root))', 12, 'unexpected ")"'],
    [')', 1, 'expected a condition'],
    ['()', 2, 'expected a condition'],
    ['=root', 1, 'expected a field name before "="'],
    ['!=root', 1, 'expected a field name before "!="'],
    ['user="root', 6, 'unterminated quoted value'],
    ['user="root\\"', 6, 'unterminated quoted value'],
    ['user="a\\nb"', 8, 'invalid escape "\\n"'],
    ['user="a" b', 10, 'expected && or || after the value, found "b"'],
    ['user="a" && "b"', 13, 'expected a condition'],
    ['(user=a) uid=0', 10, 'expected && or || after ")"'],
    ['user=a & uid=0', 1, ''], // placeholder: a lone & is part of a bare value (valid)
    ['"user"=root', 1, 'expected a condition'],
    ['user=a ||| uid=0', 10, 'expected a condition'],
    ['ユーザー=root', 1, 'unknown field "ユーザー"'],
    ['user=ü && pid=x', 15, '"x" is not a number'],
    ['~ user=a', 1, 'expected a condition'],
    ['(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((user=a', 101, 'nests'],
  ];

  it('every malformed query gives a QueryError with the right column and a clear message', () => {
    let checked = 0;
    for (const [query, col, message] of cases) {
      if (message === '') continue;
      checked++;
      let error: unknown;
      try {
        compileQuery(query);
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof QueryError, `${JSON.stringify(query)} should fail with a QueryError, got ${String(error)}`);
      assert.ok(error.message.includes(message), `${JSON.stringify(query)}: message ${JSON.stringify(error.message)} lacks ${JSON.stringify(message)}`);
      assert.equal(error.column, col, `${JSON.stringify(query)}: column of ${JSON.stringify(error.message)}`);
      assert.equal(error.query, query);
      assert.ok(!/\n/.test(error.message), 'one-line message');
    }
    assert.ok(checked >= 30);
  });

  it('reads "==" and a lone "&" as part of the value, which then must fit the field', () => {
    assert.deepEqual(parseQuery('user == root'), clause('user', '=', '= root'));
    assert.deepEqual(parseQuery('user=a & uid=0'), clause('user', '=', 'a & uid=0'));
    assert.throws(() => parseQuery('pid==1'), (e: unknown) => e instanceof QueryError && e.column === 5 && e.message.includes('"=1" is not a number'));
  });

  it('answers a query that is not text with a QueryError too', () => {
    for (const bad of [undefined, null, 5, [undefined], ['user=root', 7]]) {
      assert.throws(() => compileQuery(bad as unknown as string[]), (e: unknown) => e instanceof QueryError && e.message === 'a query must be a string');
    }
  });

  it('names the query that failed among repeated queries', () => {
    assert.throws(() => compileQuery(['user=root', 'pid=x']), (e: unknown) => e instanceof QueryError && e.query === 'pid=x' && e.column === 5);
  });

  it('format() shows the message, the query and a caret under the column', () => {
    const e = (() => {
      try {
        parseQuery('user=root && usr=x');
      } catch (err) {
        return err as QueryError;
      }
      throw new Error('no error');
    })();
    assert.equal(e.format(), 'unknown field "usr" (did you mean "user"?) (column 14)\n  user=root && usr=x\n               ^');
  });

  it('counts columns in characters, not UTF-16 units, and escapes control characters in format()', () => {
    assert.throws(() => parseQuery('cwd=😀 && pid=x'), (e: unknown) => e instanceof QueryError && e.column === 14);
    const e = (() => {
      try {
        parseQuery('user=a\u001b[31m || pid=x');
      } catch (err) {
        return err as QueryError;
      }
      throw new Error('no error');
    })();
    assert.ok(!e.format().includes('\u001b'), 'no raw escape character in the output');
    // wide characters take two terminal cells: the caret is placed accordingly
    const wide = (() => {
      try {
        parseQuery('cwd=ユーザ && pid=x');
      } catch (err) {
        return err as QueryError;
      }
      throw new Error('no error');
    })();
    assert.equal(wide.column, 16);
    assert.equal(wide.format().split('\n')[2], '  ' + ' '.repeat(4 + 6 + 8) + '^');
    const [, shown, caret] = e.format().split('\n');
    assert.equal(caret!.indexOf('^'), shown!.indexOf('pid=x') + 'pid='.length);
  });
});

describe('keyPositions', () => {
  it('lists the field of each condition with its column, not words inside values', () => {
    assert.deepEqual(keyPositions('user=root && (command~="exit_status=1 && x" || !duration>0000-00-00 00:00:01)'), [
      { key: 'user', column: 1 }, { key: 'command', column: 15 }, { key: 'duration', column: 49 },
    ]);
    assert.deepEqual(keyPositions('cwd=a exit_status=1'), [{ key: 'cwd', column: 1 }]);
    assert.deepEqual(keyPositions('cwd=😀é || pid=1 || uid=2'), [{ key: 'cwd', column: 1 }, { key: 'pid', column: 11 }, { key: 'uid', column: 20 }]);
  });
});

describe('large queries', () => {
  it('compile and evaluate thousands of conditions, and refuse nesting beyond MAX_DEPTH', () => {
    const q = compileQuery(Array.from({ length: 5000 }, (_, i) => `pid=${i}`).join(' || '));
    assert.equal(q.predicate({ pid: 4999 }), true);
    assert.equal(q.predicate({ pid: 5000 }), false);
    assert.equal(compileQuery(`${'('.repeat(100)}pid=1${')'.repeat(100)}`).predicate({ pid: 1 }), true);
    assert.throws(() => compileQuery(`${'('.repeat(5000)}pid=1`), (e: unknown) => e instanceof QueryError && e.column === 101);
    assert.throws(() => compileQuery(`${'!'.repeat(5000)}pid=1`), (e: unknown) => e instanceof QueryError && e.message.includes('nests'));
  });
});
