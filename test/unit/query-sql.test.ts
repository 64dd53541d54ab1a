// The ClickHouse SQL back end without a server: the one literal escaping function and the shape of
// clauses (absent keys, `!` forms, end-only). The same SQL runs on real servers in
// test/e2e/prec-server.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyHintSql, quoteString, whereSql } from '../../src/query/sql.js';
import { parseQuery } from '../../src/query/index.js';

test('quoteString escapes backslash, quote, NUL, newlines and control characters, keeps UTF-8', () => {
  assert.equal(quoteString("'; DROP TABLE x; --"), "'\\'; DROP TABLE x; --'");
  assert.equal(quoteString('a\\b'), "'a\\\\b'");
  assert.equal(quoteString('\\\''), "'\\\\\\''");
  assert.equal(quoteString('n\0l'), "'n\\0l'");
  assert.equal(quoteString('a\nb\rc\td'), "'a\\nb\\rc\\td'");
  assert.equal(quoteString('\x01\x1f\x7f'), "'\\x01\\x1f\\x7f'");
  assert.equal(quoteString('ünï ☃ 𝄞'), "'ünï ☃ 𝄞'");
  assert.equal(quoteString(''), "''");
  // No raw quote, backslash or control byte survives inside the literal.
  for (const t of ["x'", "\\'", "'\\", '\0\n\'']) {
    const body = quoteString(t).slice(1, -1);
    assert.doesNotMatch(body.replace(/\\(?:[\\'0nrt]|x[0-9a-f]{2})/g, ''), /['\\\0-\x1f\x7f]/, JSON.stringify(t));
  }
});

test('whereSql: absent keys false, `!` forms true, end-only clauses only on finalized rows', () => {
  assert.equal(whereSql(parseQuery('user=nginx')), "ifNull(`user` = 'nginx', 0)");
  assert.equal(whereSql(parseQuery('user!~=ngi')), "ifNull(NOT (position(`user`, 'ngi') > 0), 1)");
  assert.equal(whereSql(parseQuery('exit_status!=0')), '(`finalized` = 1 AND ifNull(`exit_status` != (0), 1))');
  assert.equal(whereSql(parseQuery('comm="TRUE"i')), "ifNull(lowerUTF8(`comm`) = 'true', 0)");
  assert.equal(whereSql(parseQuery('comm/="^T"i')), "ifNull(match(`comm`, '(?i)^T'), 0)");
  assert.equal(whereSql(parseQuery('command^="a b"')), "if(`has_argv` = 1, ifNull(startsWith(arrayStringConcat(`argv`, ' '), 'a b'), 0), 0)");
  assert.equal(whereSql(parseQuery('record_type=command')), "ifNull(`row_type` = 'command', 0)");
  assert.equal(whereSql(parseQuery("user=\"'; DROP TABLE x; --\"")), "ifNull(`user` = '\\'; DROP TABLE x; --', 0)");
});

test('keyHintSql: a case-sensitive user or host equality becomes a condition on the sorting key; anything it cannot imply gives none', () => {
  const hint = (q: string): string | undefined => keyHintSql(parseQuery(q));
  assert.equal(hint('user=nginx'), "ifNull(user, '') = 'nginx'");
  assert.equal(hint('host=web-1'), "host = 'web-1'");
  assert.equal(hint(`user="o'x\\\\y"`), "ifNull(user, '') = 'o\\'x\\\\y'");
  // Every row matching an AND matches each operand: the hints of those that have one.
  assert.equal(hint('user=nginx && comm=sh'), "(ifNull(user, '') = 'nginx')");
  assert.equal(hint('comm=sh && exit_status=0'), undefined);
  // An OR implies a hint only when each of its operands does.
  assert.equal(hint('user=a || user=b'), "(ifNull(user, '') = 'a' OR ifNull(user, '') = 'b')");
  assert.equal(hint('user=a || comm=b'), undefined);
  // Not, caseless, other operators and fields: none.
  for (const q of ['!(user=nginx)', 'user!=nginx', 'user="NGINX"i', 'user~=ngi', 'user^=ng', 'comm=nginx', 'uid=0', 'event_id=x']) {
    assert.equal(hint(q), undefined, q);
  }
});
