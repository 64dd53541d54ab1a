// `--all-logs` order: rotated files oldest first by the time of their first record, never by file
// time (copied or restored logs have arbitrary mtimes) and whatever mix of naming schemes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { discoverLogs } from '../../src/log/index.js';
import { firstRecordTime } from '../../src/log/discover.js';
import { endRecord, gzipMember, startRecord, tempDir, text, zstdFrame } from './log-fixtures.js';

/** Lines of a start and its end, on `day` of November 2026. */
function day(d: number, seq: number): string[] {
  const ts = `2026-11-${d}T10:00:00.000000000+00:00`;
  return [JSON.stringify(startRecord(seq, { timestamp: ts })), JSON.stringify({ ...endRecord(seq), timestamp: ts })];
}

/** Sets file times that contradict the content: the newest content gets the oldest mtime. */
function scrambleTimes(dir: string, names: readonly string[]): void {
  names.forEach((n, i) => {
    const t = new Date(Date.UTC(2020, 0, 1 + names.length - i));
    utimesSync(join(dir, n), t, t);
  });
}

test('numbered and dated rotations mixed are read in the time order of their content, input last', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'prec.log.1'), text(day(23, 1)));
  writeFileSync(join(dir, 'prec.log.2.gz'), gzipMember(text(day(22, 2))));
  writeFileSync(join(dir, 'prec.log-20261122.zst'), zstdFrame(text(day(21, 3))));
  writeFileSync(join(dir, 'prec.log'), text(day(24, 4)));
  const oldestFirst = ['prec.log-20261122.zst', 'prec.log.2.gz', 'prec.log.1', 'prec.log'];
  for (const times of [oldestFirst, [...oldestFirst].reverse()]) {
    scrambleTimes(dir, times);
    assert.deepEqual(await discoverLogs(join(dir, 'prec.log'), true), oldestFirst.map((n) => join(dir, n)));
  }
  // End to end: the rows come out Nov 21, 22, 23, 24.
  const bin = join(import.meta.dirname, '../../../bin/prec.js');
  const r = spawnSync(process.execPath, [bin, '-i', join(dir, 'prec.log'), '-a', '-f', 'timestamp'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [21, 22, 23, 24].map((d) => `2026-11-${d} 10:00:00`));
});

test('the input is last even when its first record is older than a rotated file', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'prec.log.1'), text(day(23, 1)));
  writeFileSync(join(dir, 'prec.log'), text(day(20, 2)));
  assert.deepEqual(await discoverLogs(join(dir, 'prec.log'), true), ['prec.log.1', 'prec.log'].map((n) => join(dir, n)));
});

test('files without a readable first record keep their place in their naming scheme', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'prec.log.4'), ''); // empty: older than .3 by its number
  writeFileSync(join(dir, 'prec.log.3'), text(day(10, 1)));
  writeFileSync(join(dir, 'prec.log.2'), 'not a log\n'); // between .3 and .1
  writeFileSync(join(dir, 'prec.log.1'), text(day(12, 2)));
  writeFileSync(join(dir, 'prec.log-20261111'), text(day(11, 3)));
  writeFileSync(join(dir, 'prec.log-20261120'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2])); // damaged: after the last dated one read
  writeFileSync(join(dir, 'prec.log'), '');
  const names = ['prec.log.4', 'prec.log.3', 'prec.log-20261111', 'prec.log-20261120', 'prec.log.2', 'prec.log.1', 'prec.log'];
  scrambleTimes(dir, [...names].reverse());
  assert.deepEqual(await discoverLogs(join(dir, 'prec.log'), true), names.map((n) => join(dir, n)));
});

test('the first record is found in the head of a file whatever its compression', async () => {
  const dir = tempDir();
  // Many records in one go: the zstd tool and gzip put them in large blocks.
  const many = Array.from({ length: 3000 }, (_, i) => day(15, i + 1)).flat();
  const cases: Record<string, Buffer> = {
    plain: text(many),
    gz: zlib.gzipSync(text(many)),
    zst: zstdFrame(text(many)),
    'zst.gz': zlib.gzipSync(zstdFrame(text(many))),
    'no-newline': Buffer.from(many[0]!),
  };
  const want = BigInt(Date.UTC(2026, 10, 15, 10)) * 1_000_000n;
  for (const [name, data] of Object.entries(cases)) {
    writeFileSync(join(dir, name), data);
    assert.equal(await firstRecordTime(join(dir, name)), want, name);
  }
  writeFileSync(join(dir, 'junk'), 'x'.repeat(1 << 20));
  assert.equal(await firstRecordTime(join(dir, 'junk')), undefined);
});

test('prec -a reads more rotated files than the descriptor limit allows open at once', () => {
  // `rotate 400` (logrotate/prec) or a longer retention: every listed file held open until read
  // ran prec out of descriptors (a hard limit of 1024 is common), which failed the whole read.
  const dir = tempDir();
  const n = 1100;
  for (let i = 1; i <= n; i++) writeFileSync(join(dir, `prec.log.${i}`), text(day(1 + (i % 28), n + 1 - i)));
  writeFileSync(join(dir, 'prec.log'), text(day(28, n + 1)));
  const bin = join(import.meta.dirname, '../../../bin/prec.js');
  const r = spawnSync('prlimit', ['--nofile=1024:1024', process.execPath, bin, '-i', join(dir, 'prec.log'), '-a', '-A', '-f', 'event_id', '-o', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim().split('\n').length, n + 1);
});
