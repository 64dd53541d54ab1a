// The writer encodes each record into its batch buffer as it arrives; what reaches the file must be
// exactly the bytes of the straightforward `Buffer.from(lines.join('\n') + '\n')`, whatever the
// records hold (non-ASCII, lone surrogates, records far larger than a batch) and wherever the
// batches are cut.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { LogWriter } from '../../src/daemon/writer.js';
import type { Compress } from '../../src/daemon/defaults.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'writer-bytes-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the lines (flushing where asked), closes, and returns the decompressed file. */
function writeAll(path: string, compress: Compress, lines: readonly string[], flushAt: ReadonlySet<number>): Buffer {
  const w = new LogWriter({
    path,
    compress,
    level: 1,
    flushIntervalMs: 5000,
    report: (m) => assert.fail(`unexpected report: ${m}`),
    lossRecord: () => assert.fail('unexpected loss record'),
  });
  w.open();
  lines.forEach((line, i) => {
    w.write(line);
    if (flushAt.has(i)) w.flush();
  });
  w.close();
  const raw = readFileSync(path);
  return compress === 'gz' ? gunzipSync(raw) : raw;
}

const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // any code point, surrogate pairs included
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }), // lone surrogates
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
);
const line = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));

test('written bytes equal the UTF-8 of the joined lines, for any lines and flush points', (t) => {
  const dir = tempDir(t);
  let n = 0;
  fc.assert(
    fc.property(fc.array(line, { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 5 }), (lines, flushes) => {
      const path = join(dir, `log-${n++}`);
      const got = writeAll(path, 'no', lines, new Set(flushes));
      assert.deepEqual(got, Buffer.from(lines.map((l) => l + '\n').join('')));
    }),
    { numRuns: 200 },
  );
});

test('records larger than a whole batch, mixed with small ones, are written whole and in order', (t) => {
  const dir = tempDir(t);
  const huge = (c: string, n: number) => c.repeat(n);
  const lines = [
    'small',
    huge('a', 300_000), // more than a batch on its own
    'é' + huge('\u{1F600}', 200_000), // 4-byte sequences, 2 UTF-16 units each
    huge('€', 700_000), // 3 bytes per unit: past the reused buffer's first size
    'after',
    huge('\ud800', 10), // lone surrogates: U+FFFD each, as Buffer.from writes them
  ];
  for (const compress of ['no', 'gz'] as const) {
    const got = writeAll(join(dir, `big.${compress}`), compress, lines, new Set([1]));
    assert.ok(got.equals(Buffer.from(lines.join('\n') + '\n')), `${compress}: bytes differ`);
  }
});

test('many small records cross batch boundaries without a byte lost or reordered', (t) => {
  const dir = tempDir(t);
  const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i},"s":"${'x'.repeat(i % 97)}ü"}`);
  const got = writeAll(join(dir, 'many'), 'no', lines, new Set());
  assert.ok(got.equals(Buffer.from(lines.join('\n') + '\n')));
});

test('precd ends its zstd frame at the first flush point after FRAME_MAX_BYTES: several whole frames, same bytes', async (t) => {
  const { FRAME_MAX_BYTES, frameFull } = await import('../../src/codec/encode.js');
  const { walkZstdFrames } = await import('../../src/codec/zstd-frames.js');
  const { decompress } = await import('zstd-napi');
  const dir = tempDir(t);
  const path = join(dir, 'prec.log');
  const line = `{"timestamp":"2026-11-22T15:04:05Z","argv":["${'x'.repeat(900)}"]}`;
  const count = Math.ceil((2.5 * FRAME_MAX_BYTES) / (line.length + 1));
  const lines = Array.from({ length: count }, (_, i) => `${line.slice(0, -2)}${i}"]}`);
  // a flush every 1000 lines (about 1 MB): the frame ends at the first one past the limit
  const flushAt = new Set(lines.map((_, i) => i).filter((i) => i % 1000 === 999));
  const raw = writeAll(path, 'zstd', lines, flushAt);
  const walk = walkZstdFrames({ size: raw.length, read: (p, n) => raw.subarray(p, p + n) });
  assert.equal(walk.rest, raw.length);
  assert.equal(walk.frames.length, 3);
  // each frame decodes on its own and ends with a whole line; together they are every line
  const texts = walk.frames.map((f) => decompress(raw.subarray(f.start, f.end)));
  for (const text of texts) assert.equal(text[text.length - 1], 0x0a);
  assert.equal(Buffer.concat(texts).toString(), lines.map((l) => `${l}\n`).join(''));
  assert.equal(frameFull(FRAME_MAX_BYTES - 1, 0), false);
  assert.equal(frameFull(0, 3_600_000), true);
});
