// Logs whose `compress` setting changed between runs of precd: plain lines, zstd frames and gzip
// members appended to one file, with a frame cut short by a crash among them. Every intact record
// must be read exactly once, plain records after damaged compressed data included, and warnings
// must give byte offsets in the file, not in the part of it that one decoder saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLogLines } from '../../src/log/index.js';
import { decodeInPieces, gzipMember, recordLines, startRecord, tempDir, text, ZstdWriter, zstdFrame, zstdRaw, type Decoded } from './log-fixtures.js';

const decode = decodeInPieces;

function strip(d: Decoded): Decoded {
  return { lines: d.lines, bad: d.bad, warnings: d.warnings };
}

/** The file read by the prec readers, on the main thread and on a worker thread. */
async function readBoth(path: string): Promise<Decoded[]> {
  const out: Decoded[] = [];
  for (const workerMinBytes of [undefined, 1]) {
    const r: Decoded = { lines: [], bad: [], warnings: [] };
    for await (const line of readLogLines(path, {
      onWarning: (w) => r.warnings.push(w),
      onBadLine: (_l, why) => r.bad.push(why),
      ...(workerMinBytes === undefined ? {} : { workerMinBytes }),
    })) {
      r.lines.push(line);
    }
    out.push(r);
  }
  return out;
}

const a = recordLines(5, 1);
const b = recordLines(4, 100);
const c = recordLines(9, 200);
const d = recordLines(6, 300);

/** An unfinished zstd frame of three flushed blocks (precd killed), and where each block ends. */
function tornFrame(): { frame: Buffer; ends: number[]; groups: string[][] } {
  const w = new ZstdWriter();
  const groups = [c.slice(0, 3), c.slice(3, 6), c.slice(6)];
  const parts = groups.map((g) => w.flush(text(g)));
  const ends: number[] = [];
  let n = 0;
  for (const p of parts) ends.push((n += p.length));
  return { frame: Buffer.concat(parts), ends, groups };
}

test('plain, a zstd frame, a frame cut anywhere, then plain: every intact record once, the warning at file offsets', () => {
  const { frame, ends, groups } = tornFrame();
  const head = Buffer.concat([text(a), zstdFrame(text(b))]);
  // From just after the magic to the last byte of the unfinished frame.
  const cuts: number[] = [];
  for (let cut = 4; cut < 24; cut++) cuts.push(cut);
  for (let cut = 24; cut < frame.length; cut += 7) cuts.push(cut);
  cuts.push(...ends.map((e) => e - 2), ...ends);
  for (const cut of cuts) {
    // A block one byte short takes the `{` of the first plain record for its last byte and may
    // decode into garbage without an error: the one case not caught (see zstd.ts, 'feed').
    if (ends.includes(cut + 1)) continue;
    const data = Buffer.concat([head, frame.subarray(0, cut), text(d)]);
    const kept = ends.filter((e) => e <= cut).length;
    const whole = decode(data);
    assert.deepEqual(whole.lines, [...a, ...b, ...groups.slice(0, kept).flat(), ...d], `cut at ${cut}`);
    assert.deepEqual(whole.bad, [], `cut at ${cut}`);
    assert.deepEqual(whole.warnings, [`log: damaged zstd frame at byte ${head.length}, resumed at byte ${head.length + cut}`], `cut at ${cut}`);
    for (const piece of [1, 7, 300]) assert.deepEqual(strip(decode(data, piece)), strip(whole), `cut at ${cut}, pieces of ${piece}`);
  }
});

test('a damaged block header: the rest of that frame is lost, the plain records after it are read', async () => {
  const { frame, ends, groups } = tornFrame();
  const damaged = Buffer.from(frame);
  // The second block's header gets the reserved block type 3.
  damaged[ends[0]!] = damaged[ends[0]!]! | 0x06;
  const parts = [text(a), zstdFrame(text(b)), text(a), damaged, text(d)];
  const data = Buffer.concat(parts);
  const frameAt = parts[0]!.length + parts[1]!.length + parts[2]!.length;
  const path = join(tempDir(), 'prec.log');
  writeFileSync(path, data);
  for (const r of await readBoth(path)) {
    assert.deepEqual(r.lines, [...a, ...b, ...a, ...groups[0]!, ...d]);
    assert.deepEqual(r.bad, []);
    assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte ${frameAt}, resumed at byte ${frameAt + damaged.length}`]);
  }
});

test('a compressed block cut short whose declared size swallows the plain records after it', () => {
  // Random argv keeps the block big: the plain records appended are fewer bytes than it lacks.
  const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify(startRecord(500 + i, { argv: ['id', Buffer.from(`${i}`.repeat(40)).toString('base64') + Math.random().toString(36)] })));
  const w = new ZstdWriter();
  const first = w.flush(text(c.slice(0, 3)));
  const block = w.flush(text(lines));
  const torn = block.subarray(0, 40);
  const plain = text(d.slice(0, 2));
  assert.ok(block.length - torn.length > plain.length, 'the block would take all of the plain records');
  const head = Buffer.concat([text(a), first]);
  const data = Buffer.concat([head, torn, plain]);
  const warning = `log: damaged zstd frame at byte ${text(a).length}, resumed at byte ${head.length + torn.length}`;
  const expected = { lines: [...a, ...c.slice(0, 3), ...d.slice(0, 2)], bad: [], warnings: [warning] };
  // At the end of the input (prec reading the file)...
  for (const piece of [data.length, 1, 13]) assert.deepEqual(strip(decode(data, piece)), expected, `pieces of ${piece}`);
  // ...and while following it, as soon as the file stops growing.
  const live = decode(data, data.length, false);
  assert.deepEqual(live.lines, [...a, ...c.slice(0, 3)]);
  live.decoder.idle();
  assert.deepEqual(strip(live), expected);
});

test('compressed bytes that hold `{"` are not taken for plain records', () => {
  // A frame whose damaged block is followed by garbage with `{"` in it, then a plain record
  // without newline at the very end (a complete record: kept), then nothing.
  const { frame, ends, groups } = tornFrame();
  const garbage = Buffer.from([0x7b, 0x22, 0x01, 0x7b, 0x22, 0x74, 0xff, 0x7b, 0x22, 0x0a, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x0a]);
  const cutFrame = frame.subarray(0, ends[1]! + 10);
  const data = Buffer.concat([cutFrame, garbage, Buffer.from(d[0]!)]);
  const expected = {
    lines: [...groups[0]!, ...groups[1]!, d[0]!],
    bad: [],
    warnings: [`log: damaged zstd frame at byte 0, resumed at byte ${cutFrame.length + garbage.length}`],
  };
  for (const piece of [data.length, 1, 5]) {
    const r = strip(decode(data, piece));
    // The final record arrives as the unterminated tail: a complete record, so the reader keeps it.
    assert.deepEqual(r, { ...expected, lines: expected.lines.slice(0, -1), bad: [`tail ${d[0]!.slice(0, 30)}`] }, `pieces of ${piece}`);
  }
});

test('a gzip member damaged in the middle, then plain records: read, with the warning at file offsets', async () => {
  const member = gzipMember(text(c));
  const damaged = Buffer.from(member);
  // Inside the deflate data, well past the header.
  for (let i = 40; i < 60; i++) damaged[i] = 0xff;
  const parts = [text(a), zstdFrame(text(b)), damaged, text(d)];
  const data = Buffer.concat(parts);
  const memberAt = parts[0]!.length + parts[1]!.length;
  const path = join(tempDir(), 'prec.log');
  writeFileSync(path, data);
  for (const r of await readBoth(path)) {
    assert.deepEqual(r.lines.slice(0, a.length + b.length), [...a, ...b]);
    assert.deepEqual(r.lines.slice(-d.length), d);
    assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
    const m = /^(.*): damaged gzip data at byte (\d+), resumed at byte (\d+)$/.exec(r.warnings[0]!);
    assert.ok(m, r.warnings[0]);
    assert.equal(m[1], path);
    assert.ok(Number(m[2]) >= memberAt && Number(m[2]) < memberAt + damaged.length, r.warnings[0]);
    assert.equal(Number(m[3]), memberAt + damaged.length);
  }
});

test('a gzip member cut anywhere, then plain records: the complete lines before the cut, every plain record once, no garbage', () => {
  // A member cut in the middle of a deflate block would take the plain text for more deflate
  // data and decode it into garbage and copies of earlier lines, without an error.
  const member = gzipMember(text(c));
  const head = text(a);
  for (let cut = 10; cut <= member.length; cut += cut < member.length - 12 ? 5 : 1) {
    const data = Buffer.concat([head, member.subarray(0, cut), text(d)]);
    const whole = decode(data);
    const kept = whole.lines.length - a.length - d.length;
    assert.ok(kept >= 0 && kept <= c.length, `cut at ${cut}: ${kept} lines kept`);
    assert.deepEqual(whole.lines, [...a, ...c.slice(0, kept), ...d], `cut at ${cut}`);
    assert.deepEqual(whole.bad, [], `cut at ${cut}`);
    if (cut === member.length) {
      // Not cut: the compress setting changed after a complete member.
      assert.equal(kept, c.length);
      assert.deepEqual(whole.warnings, []);
    } else {
      assert.equal(whole.warnings.length, 1, `cut at ${cut}: ${whole.warnings.join('; ')}`);
      assert.match(whole.warnings[0]!, new RegExp(`^log: damaged gzip data at byte \\d+, resumed at byte ${head.length + cut}$`), `cut at ${cut}`);
    }
    const sameSpot = (r: Decoded): Decoded => ({ ...r, warnings: r.warnings.map((w) => w.replace(/at byte \d+,/, 'at byte N,')) });
    for (const piece of [1, 9, 700]) assert.deepEqual(sameSpot(strip(decode(data, piece))), sameSpot(strip(whole)), `cut at ${cut}, pieces of ${piece}`);
  }
});

test('zstd cut anywhere then a gzip member, and gzip cut anywhere then a zstd frame: both read, every record once', () => {
  const w = new ZstdWriter();
  const zstdCut = Buffer.concat([0, 8, 16, 24, 32].map((i) => w.flush(text(c.slice(i, i + 8)))));
  const gzipCut = gzipMember(text(c));
  const cases = [
    { name: 'zstd then gzip', cut: zstdCut, after: gzipMember(text(d)), kind: 'zstd frame' },
    { name: 'gzip then zstd', cut: gzipCut, after: zstdFrame(text(d)), kind: 'gzip data' },
  ];
  for (const { name, cut: member, after, kind } of cases) {
    for (let cut = 10; cut < member.length; cut += 4) {
      const data = Buffer.concat([text(a), member.subarray(0, cut), after]);
      const whole = decode(data);
      const kept = whole.lines.length - a.length - d.length;
      const what = `${name}, cut at ${cut}`;
      assert.ok(kept >= 0 && kept <= c.length, `${what}: ${kept} lines kept`);
      assert.deepEqual(whole.lines, [...a, ...c.slice(0, kept), ...d], what);
      assert.deepEqual(whole.bad, [], what);
      assert.equal(whole.warnings.length, 1, `${what}: ${whole.warnings.join('; ')}`);
      assert.match(whole.warnings[0]!, new RegExp(`^log: damaged ${kind} at byte \\d+, resumed at byte ${text(a).length + cut}$`), what);
      const sameSpot = (r: Decoded): Decoded => ({ ...r, warnings: r.warnings.map((x) => x.replace(/gzip data at byte \d+,/, 'gzip data at byte N,')) });
      for (const piece of [1, 9, 700]) assert.deepEqual(sameSpot(strip(decode(data, piece))), sameSpot(strip(whole)), `${what}, pieces of ${piece}`);
    }
  }
});

test('a zstd frame of raw blocks cut anywhere, then plain records: its complete lines, every plain record once', () => {
  // A raw block's bytes are text: cut short, it takes the plain text after it for the rest of
  // its content, the cut line and the first plain record run together.
  const member = zstdRaw([c.slice(0, 3), c.slice(3, 6), c.slice(6)], false);
  const head = text(a);
  for (let cut = 10; cut < member.length; cut += 11) {
    const data = Buffer.concat([head, member.subarray(0, cut), text(d)]);
    const whole = decode(data);
    const kept = whole.lines.length - a.length - d.length;
    const what = `cut at ${cut}`;
    assert.ok(kept >= 0 && kept <= c.length, `${what}: ${kept} lines kept`);
    assert.deepEqual(whole.lines, [...a, ...c.slice(0, kept), ...d], what);
    assert.deepEqual(whole.bad, [], what);
    assert.equal(whole.warnings.length, 1, `${what}: ${whole.warnings.join('; ')}`);
    // Plain text that starts at a line start is read as the raw block's own content up to the
    // block's declared end: reading goes on as plain text from the line across that end.
    const m = new RegExp(`^log: damaged zstd frame at byte ${head.length}, resumed at byte (\\d+)$`).exec(whole.warnings[0]!);
    assert.ok(m && Number(m[1]) >= head.length + cut && Number(m[1]) < data.length, `${what}: ${whole.warnings[0]}`);
    for (const piece of [1, 9, 700]) assert.deepEqual(strip(decode(data, piece)), strip(whole), `${what}, pieces of ${piece}`);
  }
});

test('a zstd frame of raw blocks cut anywhere, then a new zstd frame: its complete lines, then the new frame once', () => {
  // precd killed in the middle of a raw block, restarted with compress = "zstd": the cut block's
  // declared size takes the new frame's bytes as its own text. Only the text before that frame is
  // the block's; the frame must be decoded once, not also from inside the block's text.
  const member = zstdRaw([c.slice(0, 3), c.slice(3, 6), c.slice(6)], false);
  const head = text(a);
  const after = zstdFrame(text(d));
  for (let cut = 10; cut < member.length; cut += 11) {
    const data = Buffer.concat([head, member.subarray(0, cut), after]);
    const whole = decode(data);
    const kept = whole.lines.length - a.length - d.length;
    const what = `cut at ${cut}`;
    assert.ok(kept >= 0 && kept <= c.length, `${what}: ${kept} lines kept`);
    assert.deepEqual(whole.lines, [...a, ...c.slice(0, kept), ...d], what);
    // Every line complete before the cut is kept.
    assert.equal(kept, c.filter((_l, i) => text(c.slice(0, i + 1)).length <= cut - 9 - 3 * (i >= 6 ? 2 : i >= 3 ? 1 : 0)).length, what);
    assert.deepEqual(whole.bad, [], what);
    assert.deepEqual(whole.warnings, [`log: damaged zstd frame at byte ${head.length}, resumed at byte ${head.length + cut}`], what);
    for (const piece of [1, 9, 700]) assert.deepEqual(strip(decode(data, piece)), strip(whole), `${what}, pieces of ${piece}`);
  }
});

test('a zstd frame cut anywhere, then a new zstd frame: the blocks before the cut, then the new frame, no garbage', () => {
  // precd killed in the middle of writing a compressed block, restarted with compress = "zstd":
  // the cut block's declared size takes the first bytes of the new frame, and zstd may decode
  // that into copies of earlier lines without an error. The new frame must be read, and nothing
  // that was never written.
  const { frame, ends, groups } = tornFrame();
  const head = text(a);
  const after = zstdFrame(text(d));
  for (let cut = 10; cut < frame.length; cut++) {
    const data = Buffer.concat([head, frame.subarray(0, cut), after]);
    const whole = decode(data);
    const what = `cut at ${cut}`;
    const complete = groups.filter((_g, i) => ends[i]! <= cut).flat();
    assert.deepEqual(whole.lines, [...a, ...complete, ...d], what);
    assert.deepEqual(whole.bad, [], what);
    assert.equal(whole.warnings.length, 1, `${what}: ${whole.warnings.join('; ')}`);
    assert.match(whole.warnings[0]!, new RegExp(`^log: damaged zstd frame at byte ${head.length}, resumed at byte ${head.length + cut}$`), what);
    if (cut % 10 === 0) for (const piece of [1, 700]) assert.deepEqual(strip(decode(data, piece)), strip(whole), `${what}, pieces of ${piece}`);
  }
});

test('a zstd frame of compressed or raw blocks cut anywhere, then a gzip member: the complete lines before the cut, then the member once', () => {
  // precd killed in the middle of a block, restarted with compress = "gz": the cut block's
  // declared size takes the member's first bytes (a raw block as text, a compressed one decoded
  // into copies of earlier lines), and the member was lost.
  const { frame, ends, groups } = tornFrame();
  const raw = zstdRaw([c.slice(0, 3), c.slice(3, 6), c.slice(6)], false);
  const head = text(a);
  const after = gzipMember(text(d));
  for (const [kind, member, step] of [['compressed', frame, 1], ['raw', raw, 7]] as const) {
    for (let cut = 10; cut < member.length; cut += step) {
      const data = Buffer.concat([head, member.subarray(0, cut), after]);
      const whole = decode(data);
      const what = `${kind} blocks, cut at ${cut}`;
      const kept = whole.lines.length - a.length - d.length;
      if (kind === 'compressed') assert.equal(kept, groups.filter((_g, i) => ends[i]! <= cut).flat().length, what);
      assert.ok(kept >= 0 && kept <= c.length, `${what}: ${kept} lines kept`);
      assert.deepEqual(whole.lines, [...a, ...c.slice(0, kept), ...d], what);
      assert.deepEqual(whole.bad, [], what);
      assert.equal(whole.warnings.length, 1, `${what}: ${whole.warnings.join('; ')}`);
      if (cut % 10 === 0) for (const piece of [1, 700]) assert.deepEqual(strip(decode(data, piece)), strip(whole), `${what}, pieces of ${piece}`);
    }
  }
});
