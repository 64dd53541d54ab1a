// The zstd frame walker (codec/zstd-frames.ts) and the frame range of a time window
// (log/time-index.ts) on real zstd output: frames written by precd's own encoder (codec/encode.ts,
// flushed block by block, checksummed), skippable frames, frames cut short at the end or in the
// middle, and what follows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZstdFrame, GzipFrame } from '../../src/codec/encode.js';
import { frameEnd, walkZstdFrames, type ByteSource } from '../../src/codec/zstd-frames.js';
import { frameRange, WINDOW_SLACK_NS } from '../../src/log/time-index.js';
import { readLogLines } from '../../src/log/index.js';
import { startRecord, tempDir } from './log-fixtures.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function source(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: (pos, len) => bytes.subarray(pos, Math.min(bytes.length, pos + len)) };
}

/** A line of a start record at `sec` seconds after 2026-11-22T15:00:00Z. */
function lineAt(sec: number, seq: number): string {
  const ts = new Date(Date.UTC(2026, 10, 22, 15, 0, 0) + sec * 1000).toISOString().replace('Z', '+00:00');
  return JSON.stringify(startRecord(seq, { timestamp: ts, event_id: `e-${seq}` }));
}

/** One frame as precd writes it: each group of lines flushed (a block boundary), then ended. */
function frame(groups: readonly (readonly string[])[], end = true): Buffer {
  const f = new ZstdFrame(3);
  const out: Buffer[] = [];
  const sink = (c: Uint8Array): void => void out.push(Buffer.from(c));
  for (const g of groups) f.write(Buffer.from(g.map((l) => `${l}\n`).join('')), true, sink);
  if (end) f.end(sink);
  return Buffer.concat(out);
}

function skippable(payload: number): Buffer {
  const b = Buffer.alloc(8 + payload, 0x61);
  b.writeUInt32LE(0x184d2a53, 0);
  b.writeUInt32LE(payload, 4);
  return b;
}

/** Frames of `perFrame` lines each, one line every `step` seconds from 0. */
function framesOf(count: number, perFrame: number, step: number): { bytes: Buffer; starts: number[]; lines: string[] } {
  const parts: Buffer[] = [];
  const starts: number[] = [];
  const lines: string[] = [];
  let at = 0;
  for (let f = 0; f < count; f++) {
    const group = Array.from({ length: perFrame }, (_, i) => lineAt((f * perFrame + i) * step, f * perFrame + i));
    lines.push(...group);
    starts.push(at);
    const b = frame([group.slice(0, perFrame / 2), group.slice(perFrame / 2)]);
    parts.push(b);
    at += b.length;
  }
  return { bytes: Buffer.concat(parts), starts, lines };
}

test('walks frames written by the codec, block by block, with checksums, skippable frames between', () => {
  const a = frame([[lineAt(0, 0)], [lineAt(1, 1), lineAt(2, 2)]]);
  const s = skippable(100);
  const b = frame([[lineAt(3, 3)]]);
  const bytes = Buffer.concat([a, s, b]);
  const walk = walkZstdFrames(source(bytes));
  assert.deepEqual(walk.frames, [
    { start: 0, end: a.length, skippable: false },
    { start: a.length, end: a.length + s.length, skippable: true },
    { start: a.length + s.length, end: bytes.length, skippable: false },
  ]);
  assert.equal(walk.rest, bytes.length);
  assert.equal(frameEnd(source(bytes), 0), a.length);
});

test('a frame cut short at the end of the file, or in the middle, stops the walk at its start', () => {
  const a = frame([[lineAt(0, 0)]]);
  const cut = frame([[lineAt(1, 1)], [lineAt(2, 2)]], false);
  const c = frame([[lineAt(3, 3)]]);
  // at the end (precd still writing): cut inside a block, and right after a flush point
  for (const tail of [cut.subarray(0, cut.length - 5), cut]) {
    const walk = walkZstdFrames(source(Buffer.concat([a, tail])));
    assert.deepEqual(walk.frames.map((f) => f.end), [a.length]);
    assert.equal(walk.rest, a.length);
  }
  // in the middle (precd killed, then restarted): the cut frame and everything after are left to the decoder
  const mid = Buffer.concat([a, cut.subarray(0, cut.length - 7), c]);
  const walk = walkZstdFrames(source(mid));
  assert.deepEqual(walk.frames.map((f) => f.start), [0]);
  assert.equal(walk.rest, a.length);
  // a skippable frame cut short
  const s = walkZstdFrames(source(Buffer.concat([a, skippable(100).subarray(0, 50)])));
  assert.equal(s.rest, a.length);
});

test('plain lines, gzip and garbage after frames stop the walk there; a frame followed by them is not trusted', () => {
  const a = frame([[lineAt(0, 0)]]);
  const b = frame([[lineAt(1, 1)]]);
  const gz: Buffer[] = [];
  const g = new GzipFrame(6);
  g.write(Buffer.from(`${lineAt(2, 2)}\n`), true, (c) => void gz.push(Buffer.from(c)));
  g.end((c) => void gz.push(Buffer.from(c)));
  for (const after of [Buffer.from(`${lineAt(2, 2)}\n`), Buffer.concat(gz), Buffer.from([1, 2, 3, 4, 5, 6, 7])]) {
    const walk = walkZstdFrames(source(Buffer.concat([a, b, after])));
    // b is followed by something that is not a frame: only a is walked
    assert.deepEqual(walk.frames.map((f) => f.start), [0]);
    assert.equal(walk.rest, a.length);
  }
  assert.deepEqual(walkZstdFrames(source(Buffer.from('{"timestamp":"x"}\n'))), { frames: [], rest: 0 });
  // a reserved bit in the frame header
  const bad = Buffer.from(a);
  bad[4] = bad[4]! | 0x08;
  assert.equal(walkZstdFrames(source(bad)).rest, 0);
});

test('frameRange keeps the frames that can hold the window, with the slack, and nothing else', () => {
  // 24 frames of 10 lines, one line a minute: frame f covers minutes 10f .. 10f+9
  const { bytes, starts } = framesOf(24, 10, 60);
  const base = BigInt(Date.UTC(2026, 10, 22, 15, 0, 0)) * 1_000_000n;
  const min = (m: number): bigint => base + BigInt(m) * 60_000_000_000n;
  // the window minutes 100..129: frame 9 (minutes 90..99) is read, since its successor starts at
  // 100, not more than the slack before `since`; frame 13 (130..) is not more than the slack after `until`
  const r = frameRange(source(bytes), { since: min(100), until: min(129) }, false);
  assert.deepEqual(r, { start: starts[9], end: starts[14] });
  // minute 105 .. 125: frame 10 (starts 100 < 105 - 1) is where reading starts; frame 13 (130) is after 125 + 1
  assert.deepEqual(frameRange(source(bytes), { since: min(105), until: min(125) }, false), { start: starts[10], end: starts[13] });
  // keepEnds: to the end of the file
  assert.deepEqual(frameRange(source(bytes), { since: min(105), until: min(125) }, true), { start: starts[10] });
  // open ends
  assert.deepEqual(frameRange(source(bytes), { until: min(25) }, false), { start: 0, end: starts[3] });
  assert.equal(frameRange(source(bytes), { since: min(0) }, false), undefined);
  assert.equal(WINDOW_SLACK_NS, 60_000_000_000n);
  // a window before everything and one after everything
  assert.deepEqual(frameRange(source(bytes), { until: min(-10) }, false), { start: 0, end: starts[1] });
  assert.deepEqual(frameRange(source(bytes), { since: min(1000) }, false), { start: starts[23] });
});

test('frameRange: a frame that gives no time decides nothing; a cut or unwalkable tail is always read', () => {
  const { bytes, starts } = framesOf(8, 4, 600);
  const base = BigInt(Date.UTC(2026, 10, 22, 15, 0, 0)) * 1_000_000n;
  const at = (s: number): bigint => base + BigInt(s) * 1_000_000_000n;
  // frame f starts at 2400 f seconds
  // frame 4 is read: frame 5 starts less than the slack before `since`
  assert.deepEqual(frameRange(source(bytes), { since: at(5 * 2400 + 10), until: at(5 * 2400 + 20) }, false), { start: starts[4], end: starts[6] });
  assert.deepEqual(frameRange(source(bytes), { since: at(5 * 2400 + 100), until: at(5 * 2400 + 200) }, false), { start: starts[5], end: starts[6] });
  // frame 5's first block corrupted: its time is unknown, and decides nothing
  const damaged = Buffer.from(bytes);
  damaged[starts[5]! + 12] ^= 0xff;
  damaged[starts[5]! + 13] ^= 0xff;
  const r = frameRange(source(damaged), { since: at(5 * 2400 + 100), until: at(5 * 2400 + 200) }, false);
  assert.deepEqual(r, { start: starts[4], end: starts[6] });
  // an unfinished frame after them (the current file): nothing after the window is cut
  const growing = Buffer.concat([bytes, frame([[lineAt(99999, 99)]], false)]);
  assert.deepEqual(frameRange(source(growing), { since: at(5 * 2400 + 100), until: at(5 * 2400 + 200) }, false), { start: starts[5] });
});

test('reading a frame range gives the same window records as the whole file, offsets in warnings from the file start', async () => {
  const { bytes, lines } = framesOf(12, 6, 300);
  const dir = tempDir();
  const path = join(dir, 'prec.log');
  // a frame cut in the middle of the file, after the window: the read still reports it at its file offset
  const cut = frame([[lineAt(99990, 900)], [lineAt(99991, 901)]], false);
  const tail = frame([[lineAt(99999, 999)]]);
  writeFileSync(path, Buffer.concat([bytes, cut.subarray(0, cut.length - 4), tail]));
  const base = BigInt(Date.UTC(2026, 10, 22, 15, 0, 0)) * 1_000_000n;
  const window = { since: base + 4_000n * 1_000_000_000n, until: base + 9_000n * 1_000_000_000n };
  const { readFileSync } = await import('node:fs');
  const file = readFileSync(path);
  const range = frameRange(source(file), window, false);
  assert.ok(range !== undefined && range.start > 0 && range.end === undefined);
  const warnings: string[] = [];
  const got: string[] = [];
  for await (const l of readLogLines(path, { range, onWarning: (m) => warnings.push(m) })) got.push(l);
  const all: string[] = [];
  const allWarnings: string[] = [];
  for await (const l of readLogLines(path, { onWarning: (m) => allWarnings.push(m) })) all.push(l);
  const inWindow = (l: string): boolean => {
    const t = BigInt(Date.parse(JSON.parse(l).timestamp)) * 1_000_000n;
    return t >= window.since && t <= window.until;
  };
  assert.deepEqual(got.filter(inWindow), all.filter(inWindow));
  assert.ok(got.length < all.length);
  assert.deepEqual(warnings, allWarnings);
  assert.equal(warnings.length, 1);
  assert.deepEqual(all.slice(0, lines.length), lines);
});

test('the first record of a zstd log (discover.ts): past blank and other lines, past 16 KiB, and through the full pipeline when in doubt', async () => {
  const { readFirstRecord } = await import('../../src/log/discover.js');
  const { open } = await import('node:fs/promises');
  const dir = tempDir();
  const first = async (bytes: Buffer): Promise<{ line: string; time: bigint } | undefined> => {
    const path = join(dir, `f${Math.random()}`);
    writeFileSync(path, bytes);
    const fh = await open(path);
    try {
      return await readFirstRecord(fh, path);
    } finally {
      await fh.close();
    }
  };
  const rec = lineAt(5, 5);
  const t5 = BigInt(Date.UTC(2026, 10, 22, 15, 0, 5)) * 1_000_000n;
  assert.deepEqual(await first(frame([['', 'not a record', '{"a":1}'], [rec]])), { line: rec, time: t5 });
  // 40,000 lines of noise (incompressible enough to pass 16 KiB compressed), then the record
  const noise = Array.from({ length: 4000 }, (_, i) => `noise ${i} ${(i * 2654435761) % 1000003} ${Math.sin(i)}`);
  assert.deepEqual(await first(frame([noise, [rec]])), { line: rec, time: t5 });
  // a first record line that is not UTF-8: the full pipeline's reading of it (surrogate escapes)
  const cut = rec.indexOf('/home/alice') + 5;
  const raw = Buffer.concat([Buffer.from(rec.slice(0, cut)), Buffer.from([0xff]), Buffer.from(rec.slice(cut))]);
  const f = new ZstdFrame(3);
  const parts: Buffer[] = [];
  f.write(Buffer.concat([raw, Buffer.from('\n')]), true, (c) => void parts.push(Buffer.from(c)));
  f.end((c) => void parts.push(Buffer.from(c)));
  const odd = await first(Buffer.concat(parts));
  assert.equal(odd?.time, t5);
  assert.equal(odd?.line, `${rec.slice(0, cut)}\udcff${rec.slice(cut)}`);
  // a first frame damaged in its first block: the record of the frame after it, as the full pipeline reads it
  const damaged = frame([[rec]]);
  damaged[10] ^= 0xff;
  damaged[11] ^= 0xff;
  const next = lineAt(7, 7);
  const r = await first(Buffer.concat([damaged, frame([[next]])]));
  assert.equal(r?.line, next);
  // plain and gzip logs are read as before
  assert.deepEqual(await first(Buffer.from(`${rec}\n`)), { line: rec, time: t5 });
});
