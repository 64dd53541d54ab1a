// parseRecord is lenient on which keys are present (hand-made logs and other writers omit fields)
// and strict on the types of those present (formatters and the query rely on them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseRecord } from '../../src/log/index.js';
import { FIELDS } from '../../src/schema/index.js';
import { endRecord, startRecord, tempDir } from './log-fixtures.js';

const TS = '2026-11-22T15:04:05.000000001+09:00';

test('a record needs only a known record_type, a string timestamp and (start/end/fail) a string event_id', () => {
  for (const type of ['start', 'end', 'fail']) {
    const min = { timestamp: TS, event_id: '20261122150000-1', record_type: type };
    assert.deepEqual(parseRecord(JSON.stringify(min)), min, type);
    assert.equal(parseRecord(JSON.stringify({ ...min, event_id: undefined })), undefined, `${type} without event_id`);
    assert.equal(parseRecord(JSON.stringify({ ...min, event_id: 7 })), undefined, `${type} with a numeric event_id`);
    assert.equal(parseRecord(JSON.stringify({ ...min, timestamp: undefined })), undefined, `${type} without timestamp`);
    assert.equal(parseRecord(JSON.stringify({ ...min, timestamp: 1 })), undefined, `${type} with a numeric timestamp`);
  }
  const loss = { timestamp: TS, record_type: 'loss' };
  assert.deepEqual(parseRecord(JSON.stringify(loss)), loss);
  assert.equal(parseRecord(JSON.stringify({ timestamp: TS, event_id: 'x', record_type: 'begin' })), undefined);
  assert.equal(parseRecord(JSON.stringify({ timestamp: TS, event_id: 'x' })), undefined);
  assert.equal(parseRecord(JSON.stringify([{ timestamp: TS, event_id: 'x', record_type: 'start' }])), undefined);
  assert.equal(parseRecord('"start"'), undefined);
});

test('a start without its parent_* fields (or any other optional-in-practice key) is a record', () => {
  const full = startRecord(1);
  for (const key of Object.keys(full).filter((k) => !['timestamp', 'event_id', 'record_type'].includes(k))) {
    const rec = { ...full, [key]: undefined };
    assert.deepEqual(parseRecord(JSON.stringify(rec)), JSON.parse(JSON.stringify(rec)), `start without ${key}`);
  }
  assert.ok(parseRecord(JSON.stringify({ ...endRecord(1), duration_ns: undefined, pid: undefined })));
});

test('a present key of the wrong type still makes the line no record, for every catalogue field', () => {
  const wrong: Record<string, unknown> = { number: 'x', string: 5, timestamp: 5, boolean: 'true', 'string[]': ['a', 1], duration: 5 };
  for (const f of FIELDS) {
    for (const type of f.records) {
      if (f.name === 'record_type') continue;
      const base = type === 'end' ? endRecord(1) : { ...startRecord(1), record_type: type };
      const rec = { ...base, [f.name]: wrong[f.type] };
      assert.equal(parseRecord(JSON.stringify(rec)), undefined, `${type} with ${f.name} of the wrong type`);
    }
  }
  assert.equal(parseRecord(JSON.stringify(startRecord(1, { argv: 'id -u' }))), undefined);
  assert.equal(parseRecord(JSON.stringify(startRecord(1, { pid: '4001' }))), undefined);
});

test('prec lists hand-made records that lack most fields', () => {
  const dir = tempDir();
  const file = join(dir, 'prec.log');
  const lines = [
    { timestamp: TS, event_id: 'e-1', record_type: 'start', user: 'alice', argv: ['id', '-u'], source: 'user' },
    { timestamp: '2026-11-22T15:04:06.000000001+09:00', event_id: 'e-1', record_type: 'end', exit_status: 3 },
  ];
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const bin = join(import.meta.dirname, '../../../bin/prec.js');
  const r = spawnSync(process.execPath, [bin, '-i', file, '-f', 'timestamp,user,command,exit_status,pid'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '2026-11-22 15:04:05  alice  id -u  3  -\n');
});
