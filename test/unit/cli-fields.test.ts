import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSpec } from '../../src/cli/fields.js';
import { DEFAULT_OUTPUT_FIELDS, ROW_FIELDS } from '../../src/schema/index.js';

test('an unsigned list selects exactly those fields in that order', () => {
  assert.deepEqual(parseFieldSpec('pid,user,command'), ['pid', 'user', 'command']);
});

test('all selects every catalogue field in catalogue order', () => {
  assert.deepEqual(parseFieldSpec('all'), [...ROW_FIELDS]);
});

test('a signed first name edits the defaults; unsigned names take the sign before them', () => {
  assert.deepEqual(DEFAULT_OUTPUT_FIELDS, ['timestamp', 'user', 'group', 'command']);
  assert.deepEqual(parseFieldSpec('+uid,gid,-timestamp,user'), ['group', 'command', 'uid', 'gid']);
  assert.deepEqual(parseFieldSpec('-timestamp'), ['user', 'group', 'command']);
  assert.deepEqual(parseFieldSpec('+exit_status'), ['timestamp', 'user', 'group', 'command', 'exit_status']);
});

test('all,-x is every field but x', () => {
  const got = parseFieldSpec('all,-argv_raw,exec_errno');
  assert.deepEqual(got, ROW_FIELDS.filter((f) => f !== 'argv_raw' && f !== 'exec_errno'));
});

test('a field named twice is kept once at its first place', () => {
  assert.deepEqual(parseFieldSpec('pid,user,pid,comm,user'), ['pid', 'user', 'comm']);
  assert.deepEqual(parseFieldSpec('+user'), ['timestamp', 'user', 'group', 'command']);
});

test('unknown and empty names are errors that list the known fields and suggest the nearest', () => {
  assert.throws(() => parseFieldSpec('pid,usr'), (e: Error) => {
    assert.match(e.message, /unknown field "usr" in -f \(did you mean "user"\?\)/);
    assert.match(e.message, /known fields: all, timestamp, end_timestamp, event_id,/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  assert.throws(() => parseFieldSpec('pid,,user'), /empty field name/);
  assert.throws(() => parseFieldSpec(''), /empty field name/);
  assert.throws(() => parseFieldSpec('pid,'), /empty field name/);
  assert.throws(() => parseFieldSpec('-timestamp,user,group,command'), /leaves no field/);
});
