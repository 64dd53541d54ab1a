// argv0_mismatch, the catalogue's derived comparison of argv[0] with exe (SPEC 3): the JS predicate,
// the value shown, and the ClickHouse SQL agree on every case, the SQL run on chDB (current
// ClickHouse; the same expression is plain 18.16 SQL: replaceRegexpOne, notEmpty, if).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, parseQuery } from '../../src/query/index.js';
import { whereSql } from '../../src/query/sql.js';
import { basenamesDiffer } from '../../src/schema/index.js';
import { createTableSql } from '../../src/schema/clickhouse.js';
import { jsonGetter } from '../../src/cli/values.js';
import { parseRecord } from '../../src/log/index.js';
import { clickHouseLine } from '../../src/ship/sinks/clickhouse.js';
import { startRecord } from './log-fixtures.js';
import { Session, CHDB_SKIP } from '../helpers/chdb.js';

/** [argv, exe, expected value] (undefined: absent). */
const CASES: [string[] | undefined, string | undefined, boolean | undefined][] = [
  [['sleep', '1'], '/usr/bin/sleep', false],
  [['/bin/sleep', '1'], '/usr/bin/sleep', false],
  [['fakename', '0'], '/usr/bin/sleep', true],
  [['[kworker/0:1]'], '/usr/bin/sleep', true], // a `/` inside the fake name: its tail `0:1]` is compared
  [['-bash'], '/usr/bin/bash', true],
  [['a/b\nc/sleep'], '/usr/bin/sleep', false], // newline in a path: cut at the last `/` all the same
  [['sleep'], 'sleep', false],
  [[''], '/usr/bin/x', true],
  [['x/'], '/usr/bin/', false], // both basenames empty
  [[], '/usr/bin/sleep', undefined],
  [undefined, '/usr/bin/sleep', undefined],
  [['sleep'], undefined, undefined],
];

const record = (i: number, argv: string[] | undefined, exe: string | undefined): Record<string, unknown> => {
  const r = startRecord(i + 1, { argv, exe });
  if (argv === undefined) delete r.argv;
  if (exe === undefined) delete r.exe;
  return r;
};

test('argv0_mismatch: basenamesDiffer, the predicate and the shown value agree', () => {
  const get = jsonGetter('argv0_mismatch', { fullTime: true });
  CASES.forEach(([argv, exe, want], i) => {
    const row = record(i, argv, exe);
    assert.equal(basenamesDiffer(row.argv, row.exe), want, JSON.stringify([argv, exe]));
    assert.equal(get(row), want ?? null);
    assert.equal(compileQuery('argv0_mismatch=true').predicate(row), want === true);
    assert.equal(compileQuery('argv0_mismatch=false').predicate(row), want === false);
    assert.equal(compileQuery('argv0_mismatch!=true').predicate(row), want !== true);
  });
});


test('argv0_mismatch: the SQL back end selects exactly the rows the JS predicate does (chDB)', { skip: CHDB_SKIP }, () => {
  const s = new Session!();
  try {
    s.query(createTableSql('default.prec'));
    const lines = CASES.map(([argv, exe], i) => {
      const line = JSON.stringify(record(i, argv, exe));
      return clickHouseLine({ line, record: parseRecord(line)!, file: '', fileFirstNs: 0n, index: i + 1, logOrder: BigInt(i + 1) }, 'h');
    });
    s.query(`INSERT INTO default.prec SETTINGS input_format_skip_unknown_fields = 1 FORMAT JSONEachRow\n${lines.join('\n')}\n`);
    for (const q of ['argv0_mismatch=true', 'argv0_mismatch=false', 'argv0_mismatch!=true', 'argv0_mismatch!=false']) {
      const sql = s.query(`SELECT event_id FROM default.prec WHERE ${whereSql(parseQuery(q))} ORDER BY event_id`, 'TSV');
      const got = sql.trim().split('\n').filter((l) => l !== '').sort();
      const p = compileQuery(q).predicate;
      const want = CASES.map(([argv, exe], i) => record(i, argv, exe)).filter((r) => p(r)).map((r) => String(r.event_id)).sort();
      assert.deepEqual(got, want, q);
    }
  } finally {
    s.cleanup();
  }
});
