// The generated DDL and the rows prec-ship sends, on a current ClickHouse: chDB (the `chdb` dev
// package, an in-process ClickHouse 26.x). Debian's 18.16 gets the same DDL and rows through the real
// shipper in test/e2e/ship-clickhouse.test.ts. A re-sent record replaces itself after FINAL, distinct
// loss records stay distinct, absent keys stay NULL (or has_argv = 0), unknown keys are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecord } from '../../src/log/index.js';
import { createTableSql } from '../../src/schema/clickhouse.js';
import { clickHouseLine } from '../../src/ship/sinks/clickhouse.js';
import { lastOrdersSql, selectRowsSql } from '../../src/query/sql-select.js';
import type { Entry } from '../../src/ship/source.js';
import { endRecord, startRecord } from './log-fixtures.js';
import { Session, CHDB_SKIP } from '../helpers/chdb.js';



function entry(record: Record<string, unknown>, index: number): Entry {
  const line = JSON.stringify(record);
  return { line, record: parseRecord(line)!, file: '', fileFirstNs: 0n, index, logOrder: BigInt(index) * 10n };
}

test('current ClickHouse (chDB): the DDL, re-sent rows replaced, loss records kept apart, absence kept', { skip: CHDB_SKIP }, () => {
  const s = new Session!();
  try {
    s.query(createTableSql('default.prec'));
    const fail = { ...startRecord(3, { record_type: 'fail', exec_errno: 2, exec_error: 'no such file or directory' }) };
    delete fail.argv;
    delete fail.argc;
    const records = [
      startRecord(1, { argv_truncated: true, newer_precd_key: 'x' }),
      endRecord(1),
      startRecord(2),
      fail,
      { timestamp: '2026-11-22T15:04:07.5+09:00', record_type: 'loss', lost_samples: 4, lost_samples_total: 4 },
      { timestamp: '2026-11-22T15:04:07.5+09:00', record_type: 'loss', lost_samples: 1, lost_samples_total: 5 },
    ];
    const rows = records.map((r, i) => clickHouseLine(entry(r, i + 1), 'web-1'));
    // Everything sent, then the first three again (a batch re-sent after a crash).
    for (const batch of [rows, rows.slice(0, 3)]) {
      s.query(`INSERT INTO default.prec SETTINGS input_format_skip_unknown_fields = 1 FORMAT JSONEachRow\n${batch.join('\n')}\n`);
    }
    assert.equal(s.query('SELECT count() FROM default.prec', 'TSV').trim(), '9');
    assert.equal(s.query('SELECT count() FROM default.prec FINAL', 'TSV').trim(), '6');
    const got = s.query(
      `SELECT record_type, event_id, argv, has_argv, argc, argv_truncated, auid, exit_status, lost_samples_total, toString(time_ns) AS ns, toString(time) AS t, log_order
       FROM default.prec FINAL ORDER BY time_ns, record_type, lost_samples_total FORMAT JSONEachRow`, 'JSONEachRow');
    const parsed = got.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(parsed.map((r) => [r.record_type, r.event_id, r.has_argv, r.argv_truncated, r.exit_status]), [
      ['start', '20261122150000-1', 1, 1, null],
      ['start', '20261122150000-2', 1, null, null],
      ['fail', '20261122150000-3', 0, null, null],
      ['end', '20261122150000-1', 0, null, 0],
      ['loss', '', 0, null, null],
      ['loss', '', 0, null, null],
    ]);
    assert.deepEqual(parsed[2]!.argv, []);
    assert.equal(parsed[2]!.argc, null);
    assert.equal(parsed[0]!.ns, '1795327445000000001');
    assert.equal(parsed[0]!.t, s.query("SELECT toString(toDateTime(1795327445))", 'TSV').trim());
    assert.deepEqual(parsed.slice(4).map((r) => String(r.lost_samples_total)), ['4', '5']);
    assert.deepEqual(parsed.map((r) => String(r.log_order)), ['10', '30', '40', '20', '50', '60']);
  } finally {
    s.cleanup();
  }
});

test('current ClickHouse (chDB): follow positions by host (lastOrdersSql, after, upTo) and rows in log_order', { skip: CHDB_SKIP }, () => {
  const s = new Session!();
  try {
    s.query(createTableSql('default.prec'));
    // web-1: starts 1..3 with log_order 10, 20, 30; web-2: start 4 at log_order 15.
    const lines = [1, 2, 3].map((n) => clickHouseLine(entry(startRecord(n), n), 'web-1'));
    lines.push(clickHouseLine({ ...entry(startRecord(4), 1), logOrder: 15n }, 'web-2'));
    s.query(`INSERT INTO default.prec FORMAT JSONEachRow\n${lines.join('\n')}\n`);
    const ids = (sql: string): string[] =>
      s.query(sql, 'JSONEachRow').trim().split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { event_id: string }).event_id.split('-')[1]!);
    const at = s.query(lastOrdersSql('default.prec'), 'JSONEachRow').trim().split('\n').map((l) => JSON.parse(l) as { host: string; order_text: string });
    assert.deepEqual(at.sort((x, y) => x.host.localeCompare(y.host)), [{ host: 'web-1', order_text: '30' }, { host: 'web-2', order_text: '15' }]);
    assert.deepEqual(ids(selectRowsSql({ table: 'default.prec' })), ['1', '4', '2', '3']);
    assert.deepEqual(ids(selectRowsSql({ table: 'default.prec', after: new Map([['web-1', 10n]]) })), ['4', '2', '3']);
    assert.deepEqual(ids(selectRowsSql({ table: 'default.prec', after: new Map([['web-1', 20n], ['web-2', 15n]]) })), ['3']);
    assert.deepEqual(ids(selectRowsSql({ table: 'default.prec', upTo: new Map([['web-1', 20n]]), limit: 5 })), ['2', '1']);
    assert.deepEqual(ids(selectRowsSql({ table: 'default.prec', after: new Map(), hosts: ['web-2'] })), ['4']);
  } finally {
    s.cleanup();
  }
});
