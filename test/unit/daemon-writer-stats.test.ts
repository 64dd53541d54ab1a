// The writer's counters behind precd's metrics file (writer.stats): bytes before and after
// compression as they reach the file, flushes, write errors, and the last flush time, which is "now"
// only while nothing waits and writing works.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogWriter } from '../../src/daemon/writer.js';
import type { Compress } from '../../src/daemon/defaults.js';
import { fillDisk, smallDisk } from '../helpers/disk.js';

function open(path: string, compress: Compress): LogWriter {
  const w = new LogWriter({
    path,
    compress,
    level: compress === 'gz' ? 6 : 3,
    flushIntervalMs: 3_600_000, // flushes by hand only
    retryIntervalMs: 3_600_000,
    report: () => {},
    lossRecord: (count) => JSON.stringify({ record_type: 'loss', lost_samples: count }),
  });
  w.open();
  return w;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'writer-stats-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const compress of ['zstd', 'gz', 'no'] as const) {
  test(`${compress}: bytes before and after compression, flushes, as they reach the file`, (t) => {
    const path = join(tempDir(t), 'prec.log');
    const w = open(path, compress);
    assert.deepEqual({ ...w.stats, lastFlushMs: undefined }, { bytesWritten: 0, compressedBytes: 0, flushes: 0, writeErrors: 0, lastFlushMs: undefined });
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ record_type: 'start', i, argv: ['x'.repeat(i)] }));
    for (const l of lines) w.write(l);
    w.flush();
    const s = w.stats;
    assert.equal(s.bytesWritten, lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0));
    assert.equal(s.compressedBytes, statSync(path).size);
    if (compress === 'no') assert.equal(s.compressedBytes, s.bytesWritten);
    else assert.ok(s.compressedBytes < s.bytesWritten, 'compressed');
    assert.equal(s.flushes, 1);
    assert.equal(s.writeErrors, 0);
    w.close();
    assert.equal(w.stats.compressedBytes, statSync(path).size, 'the frame end counts too');
  });
}

test('a full disk counts write errors, and the last flush time stops moving until writing works again', { skip: process.getuid?.() !== 0 && 'needs root for mount' }, (t) => {
  const mnt = smallDisk(t, '64k');
  const w = open(join(mnt, 'prec.log'), 'no');
  t.after(() => w.close());
  w.write('{"record_type":"start"}');
  w.flush();
  const filler = fillDisk(mnt);
  for (let i = 0; i < 30; i++) w.write(JSON.stringify({ pad: randomBytes(768).toString('base64') }));
  // Before the flush the last flush time is the real one: records are waiting.
  const lastGood = w.stats.lastFlushMs;
  assert.ok(lastGood !== undefined);
  w.flush();
  assert.equal(w.isFailing, true);
  const failing = w.stats;
  assert.equal(failing.writeErrors, 1);
  assert.equal(failing.lastFlushMs, lastGood, 'while writing fails the last flush time is the last real flush');
  assert.equal(failing.flushes, 1);
  w.reopen(); // a retry while the disk is still full
  assert.equal(w.stats.writeErrors, 2, 'failed retries count');
  rmSync(filler);
  w.reopen();
  assert.equal(w.isFailing, false);
  assert.equal(w.stats.flushes, 2, 'the loss record is flushed');
});
