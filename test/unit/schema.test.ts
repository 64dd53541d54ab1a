import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_OUTPUT_FIELDS,
  END_ONLY_FIELDS,
  fieldByName,
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestampNs,
  recordKeys,
  shortTimestamp,
  suggestField,
} from '../../src/schema/index.js';

test('record keys follow the order of SPEC section 3', () => {
  assert.deepEqual(recordKeys('start'), [
    'timestamp', 'event_id', 'uid', 'gid', 'euid', 'egid', 'auid', 'session_id', 'user', 'group', 'pid', 'ppid',
    'comm', 'exe', 'exe_memfd', 'exe_deleted', 'exec_tried', 'cwd', 'argv', 'argc', 'argv_truncated', 'argv_raw', 'cgroup', 'container_id', 'tty', 'tty_nr',
    'source', 'record_type', 'parent_comm', 'parent_exe', 'parent_cmdline', 'parent_tty', 'parent_tty_nr',
  ]);
  assert.deepEqual(recordKeys('end'), [
    'timestamp', 'event_id', 'pid', 'source', 'record_type', 'duration_ns', 'exit_status', 'signal', 'exec_replaced',
  ]);
  assert.deepEqual(recordKeys('loss'), ['timestamp', 'record_type', 'lost_samples', 'lost_samples_total']);
  assert.ok(recordKeys('fail').includes('exec_errno') && recordKeys('fail').includes('exec_error'));
  assert.ok(!recordKeys('fail').includes('duration_ns'));
});

test('default output and end-only fields come from the catalogue', () => {
  assert.deepEqual(DEFAULT_OUTPUT_FIELDS, ['timestamp', 'user', 'group', 'command']);
  assert.deepEqual([...END_ONLY_FIELDS].sort(), ['duration', 'duration_ns', 'end_timestamp', 'exec_replaced', 'exit_status', 'signal']);
  assert.equal(fieldByName('argv')?.type, 'string[]');
  assert.equal(fieldByName('duration')?.type, 'duration');
  assert.equal(fieldByName('nope'), undefined);
});

test('unknown field names get the nearest known one, or none when nothing is close', () => {
  assert.equal(suggestField('usr'), 'user');
  assert.equal(suggestField('exitstatus'), 'exit_status');
  assert.equal(suggestField('zzzzzzzzzzzz'), undefined);
});

test('durations: 1 year = 365 days, 1 month = 30 days, both ways', () => {
  const day = 86_400e9;
  assert.equal(formatDuration(3e9), '0000-00-00 00:00:03');
  assert.equal(formatDuration(3.999e9), '0000-00-00 00:00:03');
  assert.equal(formatDuration(365 * day + 30 * day + day + 3_661e9), '0001-01-01 01:01:01');
  assert.equal(parseDuration('0001-01-01 01:01:01'), 365 * day + 30 * day + day + 3_661e9);
  assert.equal(parseDuration('0000-00-00 00:10:00'), 600e9);
  assert.equal(parseDuration('0000-00-00 0:10:00'), undefined);
  assert.equal(parseDuration('10m'), undefined);
});

test('timestamps: offsets are instants, nanoseconds kept, impossible dates refused', () => {
  assert.equal(parseTimestampNs('2026-11-22T15:04:05.123456789+09:00'), parseTimestampNs('2026-11-22T06:04:05.123456789Z'));
  assert.equal(parseTimestampNs('2026-11-22T06:04:05Z')! + 1n, parseTimestampNs('2026-11-22T06:04:05.000000001Z'));
  assert.equal(parseTimestampNs('0001-01-01T00:00:00Z'), -62_135_596_800_000_000_000n);
  assert.equal(parseTimestampNs('2024-02-29T00:00:00Z'), 1_709_164_800_000_000_000n);
  assert.equal(parseTimestampNs('2023-02-29T00:00:00Z'), undefined);
  assert.equal(parseTimestampNs('2026-11-22 06:04:05Z'), undefined);
  assert.equal(parseTimestampNs('2026-11-22T06:04:05'), undefined);
});

test('formatTimestamp writes nine fraction digits in the given offset and reads back the same instant', () => {
  const ns = 1_795_410_245_123_456_789n;
  const text = formatTimestamp(ns, 9 * 60);
  assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}\+09:00$/);
  assert.equal(parseTimestampNs(text), ns);
  assert.equal(parseTimestampNs(formatTimestamp(ns, -330)), ns);
  assert.equal(shortTimestamp('2026-11-22T15:04:05.123456789+09:00'), '2026-11-22 15:04:05');
});
