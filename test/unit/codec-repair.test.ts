// Issue 20 item 2: a compressed log cut anywhere (kill -9 mid-write) is ended at its last flush point
// by openLog before precd appends, and the stock tools then read all of it: zstd -t, zstdcat, gzip -t,
// zcat. Logs are written by the real frame encoders with a flush per batch, like precd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GzipFrame, ZstdFrame, type Frame } from '../../src/codec/encode.js';
import { openLog } from '../../src/daemon/output/open.js';

type Fmt = 'zstd' | 'gz';

interface Written {
  bytes: Buffer;
  lines: string[];
  /** [file offset after the flush, lines flushed by then] per flush point. */
  flushes: [number, number][];
  /** The unfinished frame, to end it. */
  frame: Frame;
}

function newFrame(fmt: Fmt): Frame {
  return fmt === 'zstd' ? new ZstdFrame(3) : new GzipFrame(6);
}

/** A log of `batches` flushed batches of records in one unfinished frame, after one complete frame. */
function writeLog(fmt: Fmt, batches: number, seed: number): Written {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = (c: Uint8Array): void => {
    chunks.push(Buffer.from(c));
    size += c.length;
  };
  const lines: string[] = [];
  const flushes: [number, number][] = [];
  const first = newFrame(fmt);
  for (let i = 0; i < 3; i++) lines.push(`{"record_type":"start","old":${i}}`);
  first.write(Buffer.from(lines.map((l) => l + '\n').join('')), true, sink);
  first.end(sink);
  flushes.push([size, lines.length]);
  const frame = newFrame(fmt);
  let x = seed;
  for (let b = 0; b < batches; b++) {
    const n = 1 + (b % 7);
    const batch: string[] = [];
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      batch.push(`{"record_type":"start","pid":${x % 100000},"argv":["/bin/true","${x.toString(36).repeat(1 + (x % 40))}"]}`);
    }
    lines.push(...batch);
    frame.write(Buffer.from(batch.map((l) => l + '\n').join('')), true, sink);
    flushes.push([size, lines.length]);
  }
  return { bytes: Buffer.concat(chunks), lines, flushes, frame };
}

function tool(cmd: string, args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28 });
  return { status: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

function checkCut(fmt: Fmt, w: Written, cut: number, dir: string): void {
  const path = join(dir, `cut-${cut}.log${fmt === 'zstd' ? '.zst' : '.gz'}`);
  writeFileSync(path, w.bytes.subarray(0, cut));
  closeSync(openLog(path, fmt)); // the repair precd does on start
  // What precd appends after the restart: a new, complete frame.
  const after: Buffer[] = [];
  const next = newFrame(fmt);
  next.write(Buffer.from('{"record_type":"start","new":1}\n'), true, (c) => after.push(Buffer.from(c)));
  next.end((c) => after.push(Buffer.from(c)));
  appendFileSync(path, Buffer.concat(after));

  const [test, cat] = fmt === 'zstd' ? [['zstd', '-tq'], ['zstdcat']] : [['gzip', '-t'], ['zcat']];
  const t = tool(test[0]!, [...test.slice(1), path]);
  assert.equal(t.status, 0, `cut at ${cut}: ${test.join(' ')}: ${t.err}`);
  const c = tool(cat[0]!, [path]);
  assert.equal(c.status, 0, `cut at ${cut}: ${cat[0]}: ${c.err}`);
  const got = c.out.split('\n');
  assert.equal(got.pop(), '', `cut at ${cut}: ends with a newline`);
  assert.equal(got.pop(), '{"record_type":"start","new":1}', `cut at ${cut}: the new frame reads back last`);
  const flushed = Math.max(0, ...w.flushes.filter(([off]) => off <= cut).map(([, n]) => n));
  assert.ok(got.length >= flushed, `cut at ${cut}: ${got.length} lines read, ${flushed} were flushed`);
  assert.deepEqual(got, w.lines.slice(0, got.length), `cut at ${cut}: the lines kept are the lines written, in order`);
}

for (const fmt of ['zstd', 'gz'] as const) {
  test(`${fmt}: a log cut at many offsets is ended at its last flush point; stock tools read it all`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'repair-'));
    try {
      const w = writeLog(fmt, 40, fmt === 'zstd' ? 7 : 11);
      const cuts = new Set<number>();
      for (const [off] of w.flushes) for (const d of [-1, 0, 1, 3]) if (off + d > 0 && off + d <= w.bytes.length) cuts.add(off + d);
      for (let i = 1; i <= 12; i++) cuts.add(Math.floor((w.bytes.length * i) / 13));
      cuts.add(w.bytes.length);
      for (const cut of [...cuts].sort((a, b) => a - b)) checkCut(fmt, w, cut, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${fmt}: a log ended properly is left byte for byte as it is`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'repair-'));
    try {
      const w = writeLog(fmt, 5, 3);
      const chunks: Buffer[] = [w.bytes];
      w.frame.end((c) => chunks.push(Buffer.from(c)));
      const whole = Buffer.concat(chunks);
      const path = join(dir, 'prec.log');
      writeFileSync(path, whole);
      closeSync(openLog(path, fmt));
      assert.deepEqual(readFileSync(path), whole);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('zstd: plain lines of an earlier compress setting before the frames are walked over and kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'repair-'));
  try {
    const w = writeLog('zstd', 6, 5);
    const plain = Buffer.from('{"record_type":"start","plain":1}\n');
    const path = join(dir, 'prec.log');
    const cut = w.flushes[4]![0] + 2;
    writeFileSync(path, Buffer.concat([plain, w.bytes.subarray(0, cut)]));
    closeSync(openLog(path, 'zstd'));
    const bytes = readFileSync(path);
    assert.deepEqual(bytes.subarray(0, plain.length), plain);
    const r = spawnSync('zstd', ['-dc'], { input: bytes.subarray(plain.length) });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.toString(), w.lines.slice(0, w.flushes[4]![1]).map((l) => l + '\n').join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
