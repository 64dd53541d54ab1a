// --since/--until of `prec --server`: the window is a condition on the start's time_ns in the starts
// part of sql-select.ts's SELECT (a command is selected by its start, its end joined whatever its
// time), both ends inclusive to the nanosecond; run on a current ClickHouse (chDB, in process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecord } from '../../src/log/index.js';
import { createTableSql, recordTimeNs } from '../../src/schema/clickhouse.js';
import { parseTimestampNs } from '../../src/schema/index.js';
import { selectRowsSql } from '../../src/query/sql-select.js';
import { clickHouseLine } from '../../src/ship/sinks/clickhouse.js';
import type { Entry } from '../../src/ship/source.js';
import { endRecord, startRecord } from './log-fixtures.js';
import { Session, CHDB_SKIP } from '../helpers/chdb.js';



test('the window is on the start time, in the starts part only, as whole numbers', () => {
  const sql = selectRowsSql({ table: 'default.prec', since: 1795327445000000001n, until: 1795327446000000000n });
  const [starts, ends] = sql.split('ANY LEFT JOIN');
  assert.match(starts!, /WHERE record_type != 'end' AND time_ns >= \(1795327445000000001\) AND time_ns <= \(1795327446000000000\)/);
  // The ends are those of the selected starts (the IN subquery repeats the starts part); their own
  // time is never a condition.
  const [endsOwn, ofStarts] = ends!.split(' IN (');
  assert.doesNotMatch(endsOwn!, /time_ns [<>]/);
  assert.match(ofStarts!, /WHERE record_type != 'end' AND time_ns >= \(1795327445000000001\)/);
  assert.doesNotMatch(selectRowsSql({ table: 'default.prec' }), /time_ns [<>]=/);
  assert.match(selectRowsSql({ table: 't', until: -5n }), /time_ns <= \(-5\)/);
});

/** An entry of a log written in time order: its log_order is its time (every time here differs). */
function entry(record: Record<string, unknown>, index: number): Entry {
  const line = JSON.stringify(record);
  return { line, record: parseRecord(line)!, file: '', fileFirstNs: 0n, index, logOrder: recordTimeNs(record) };
}

test('current ClickHouse (chDB): rows whose start is inside the window, with ends from after it', { skip: CHDB_SKIP }, () => {
  const s = new Session!();
  try {
    s.query(createTableSql('default.prec'));
    // Starts at 15:04:05.000000002 .. 010 (seq 2, 4 .. 10), each end a second later; a loss at .000000005.
    const records = [2, 4, 6, 8, 10].flatMap((i) => [startRecord(i), endRecord(i)]);
    records.push({ timestamp: '2026-11-22T15:04:05.000000005+09:00', record_type: 'loss', lost_samples: 1, lost_samples_total: 1 });
    records.push({ timestamp: '2026-11-22T15:04:09+09:00', record_type: 'loss', lost_samples: 1, lost_samples_total: 2 });
    s.query(`INSERT INTO default.prec FORMAT JSONEachRow\n${records.map((r, i) => clickHouseLine(entry(r, i + 1), 'web-1')).join('\n')}\n`);
    const ns = (seq: number): bigint => parseTimestampNs(String(startRecord(seq).timestamp))!;
    const rows = (since?: bigint, until?: bigint, limit?: number): string[] =>
      s.query(selectRowsSql({ table: 'default.prec', since, until, limit }), 'JSONEachRow')
        .trim().split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .map((r) => `${String(r.row_type)}${r.event_id ? `:${String(r.event_id).split('-')[1]}` : ''}${r.finalized === 1 ? ':ended' : ''}`);
    assert.deepEqual(rows(ns(4), ns(8)), ['command:4:ended', 'loss', 'command:6:ended', 'command:8:ended']);
    assert.deepEqual(rows(ns(4) + 1n, ns(8) - 1n), ['loss', 'command:6:ended']);
    assert.deepEqual(rows(ns(10)), ['command:10:ended', 'loss']);
    assert.deepEqual(rows(undefined, ns(2)), ['command:2:ended']);
    // -n counts inside the window (the SELECT hands the last N newest first; prec reverses them).
    assert.deepEqual(rows(undefined, ns(8), 2), ['command:8:ended', 'command:6:ended']);
  } finally {
    s.cleanup();
  }
});
