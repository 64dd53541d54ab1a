// Issue 20 item 6: a number the catalogue holds (ids, counts, statuses) is a non-negative integer;
// a fraction, a negative or an unsafe value makes the line a bad record, skipped like any other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecord } from '../../src/log/record.js';
import { startRecord } from './log-fixtures.js';

test('numbers with a fraction, negative or out of range make a bad record; integers pass', () => {
  const good = startRecord(1);
  assert.ok(parseRecord(JSON.stringify(good)));
  assert.ok(parseRecord(JSON.stringify({ ...good, pid: 0, uid: 4294967295 })));
  for (const [key, value] of [['pid', 1.5], ['uid', -1], ['ppid', 1e308], ['argc', 2 ** 53], ['tty_nr', -0.5], ['session_id', 0.1]] as const) {
    assert.equal(parseRecord(JSON.stringify({ ...good, [key]: value })), undefined, `${key}: ${value}`);
  }
  assert.equal(parseRecord('{"record_type":"loss","timestamp":"2026-11-22T15:04:05.000000000+09:00","lost_samples":-3}'), undefined);
  assert.equal(parseRecord('{"record_type":"end","timestamp":"2026-11-22T15:04:05.000000000+09:00","event_id":"x-1","pid":5,"exit_status":1.25}'), undefined);
});
