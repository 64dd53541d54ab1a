import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import {
  detectFormat,
  discoverLogs,
  LogError,
  parseRecord,
  readLogLines,
  readRecords,
  type BadLineReason,
} from '../../src/log/index.js';
import { AutoDecoder } from '../../src/log/decode.js';
import { toLogError } from '../../src/log/errors.js';
import { LineSplitter, MAX_LINE_BYTES } from '../../src/log/lines.js';
import {
  endRecord,
  gzipMember,
  gzipUnfinished,
  recordLines,
  startRecord,
  tempDir,
  text,
  ZstdWriter,
  zstdFrame,
  zstdUnfinished,
} from './log-fixtures.js';

interface Read {
  lines: string[];
  warnings: string[];
  bad: [string, BadLineReason][];
  progress: [number, number][];
}

async function readFile(path: string): Promise<Read> {
  const r: Read = { lines: [], warnings: [], bad: [], progress: [] };
  for await (const line of readLogLines(path, {
    onWarning: (w) => r.warnings.push(w),
    onBadLine: (l, why) => r.bad.push([l, why]),
    onProgress: (n, total) => r.progress.push([n, total]),
  })) {
    r.lines.push(line);
  }
  return r;
}

function write(name: string, data: Buffer): string {
  const path = join(tempDir(), name);
  writeFileSync(path, data);
  return path;
}

/** Decodes `data` handed over in pieces of `size` bytes, as a growing file is read. */
function decodeInPieces(data: Buffer, size: number): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const splitter = new LineSplitter({
    lines: (b) => lines.push(...b),
    invalidLine: () => assert.fail('no invalid line expected'),
    tail: () => {},
  });
  const decoder = new AutoDecoder(splitter, 'log', (w) => warnings.push(w));
  for (let i = 0; i < data.length; i += size) decoder.write(Buffer.from(data.subarray(i, i + size)));
  decoder.finish();
  return { lines, warnings };
}

test('detectFormat tells zstd, gzip and plain apart by their first bytes only', () => {
  assert.equal(detectFormat(zstdFrame(Buffer.from('x\n'))), 'zstd');
  assert.equal(detectFormat(Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0])), 'zstd'); // skippable frame
  assert.equal(detectFormat(gzipMember(Buffer.from('x\n'))), 'gzip');
  assert.equal(detectFormat(Buffer.from('{"timestamp":')), 'plain');
  assert.equal(detectFormat(Buffer.from([0x28, 0xb5, 0x2f])), 'plain'); // too short to be a frame
  assert.equal(detectFormat(Buffer.alloc(0)), 'plain');
});

test('a plain log yields its lines in order; the name does not matter', async () => {
  const lines = [...recordLines(7), JSON.stringify(startRecord(8, { argv: ['echo', 'café ☕', '\ufffd'] }))];
  const r = await readFile(write('prec.log.3.zst', text(lines)));
  assert.deepEqual(r.lines, lines);
  assert.deepEqual(r.warnings, []);
});

test('a log read from a pipe (not seekable) is decoded as it comes', async () => {
  const lines = recordLines(9);
  const path = write('prec.log.zst', Buffer.concat([zstdFrame(text(lines.slice(0, 4))), zstdFrame(text(lines.slice(4)))]));
  const fifo = join(tempDir(), 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', path, fifo], { stdio: 'inherit' });
  const got: string[] = [];
  for await (const line of readLogLines(fifo)) got.push(line);
  writer.kill();
  assert.deepEqual(got, lines);
});

test('an unterminated last line is returned only when it is a complete record', async () => {
  const lines = recordLines(3);
  const complete = await readFile(write('a.log', Buffer.from(`${lines.join('\n')}`)));
  assert.deepEqual(complete.lines, lines);
  const cut = await readFile(write('b.log', Buffer.from(`${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 40)}`)));
  assert.deepEqual(cut.lines, lines.slice(0, 2));
  assert.deepEqual(cut.bad, []);
  assert.deepEqual(cut.warnings, []);
});

test('a zstd log with several frames (one per precd start) yields every line in order', async () => {
  const a = recordLines(10, 1);
  const b = recordLines(6, 100);
  const c = recordLines(3, 200);
  const r = await readFile(write('prec.log', Buffer.concat([zstdFrame(text(a)), zstdFrame(text(b)), zstdFrame(text(c))])));
  assert.deepEqual(r.lines, [...a, ...b, ...c]);
  assert.deepEqual(r.warnings, []);
});

test('a zstd frame cut at the end of the file yields every complete line, silently', async () => {
  const a = recordLines(4, 1);
  const b = recordLines(4, 10);
  const flushed = zstdUnfinished([a, b]);
  // Finished blocks only (precd still writing or killed between writes).
  const r1 = await readFile(write('prec.log', flushed));
  assert.deepEqual(r1.lines, [...a, ...b]);
  assert.deepEqual(r1.warnings, []);
  // The last block itself half written: the lines of the blocks before it.
  const firstBlock = zstdUnfinished([a]).length;
  const half = flushed.subarray(0, firstBlock + Math.floor((flushed.length - firstBlock) / 2));
  const r2 = await readFile(write('prec.log', half));
  assert.deepEqual(r2.lines, a);
  assert.deepEqual(r2.warnings, []);
});

test('a zstd frame cut in the middle, then a new frame, yields both and reports where it resumed', async () => {
  const a = recordLines(6, 1);
  const b = recordLines(5, 50);
  const cut = zstdUnfinished([a.slice(0, 3), a.slice(3)]);
  const path = write('prec.log', Buffer.concat([cut, zstdFrame(text(b))]));
  const r = await readFile(path);
  assert.deepEqual(r.lines, [...a, ...b]);
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
});

test('a zstd block half written before a restart loses only its own lines', async () => {
  const a = recordLines(4, 1);
  const lost = recordLines(4, 20);
  const b = recordLines(3, 60);
  const w = new ZstdWriter();
  const good = w.flush(text(a));
  const partial = w.flush(text(lost));
  const head = Buffer.concat([zstdFrame(text(recordLines(2, 90))), good, partial.subarray(0, partial.length - 7)]);
  const path = write('prec.log', Buffer.concat([head, zstdFrame(text(b))]));
  const r = await readFile(path);
  const before = recordLines(2, 90);
  assert.deepEqual(r.lines, [...before, ...a, ...b]);
  const firstFrame = zstdFrame(text(before)).length;
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte ${firstFrame}, resumed at byte ${head.length}`]);
});

test('a large frame cut inside a block far into the file resumes at the next frame', async () => {
  // Random argv keeps blocks big and the compressed frame larger than several read chunks.
  const lines = recordLines(30_000).map((l, i) =>
    i % 2 === 0 ? JSON.stringify({ ...JSON.parse(l), argv: ['id', randomBytes(96).toString('hex')] }) : l,
  );
  const w = new ZstdWriter();
  const parts: Buffer[] = [];
  for (let i = 0; i < lines.length; i += 1000) parts.push(w.flush(text(lines.slice(i, i + 1000))));
  const last = parts.pop()!;
  const cut = Buffer.concat([...parts, last.subarray(0, Math.floor(last.length / 2))]);
  assert.ok(cut.length > 2 * 512 * 1024, 'the frame spans several read chunks');
  const after = recordLines(5, 900_000);
  const path = write('prec.log', Buffer.concat([cut, zstdFrame(text(after))]));
  const r = await readFile(path);
  // Every line before the cut flush, and those of its blocks that were complete, then the new frame.
  const before = r.lines.slice(0, -after.length);
  assert.ok(before.length >= lines.length - 1000 && before.length < lines.length, `${before.length} lines before`);
  assert.deepEqual(before, lines.slice(0, before.length));
  assert.deepEqual(r.lines.slice(-after.length), after);
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
});

test('garbage with no frame after it is reported once at the end', async () => {
  const a = recordLines(3);
  const frame = zstdFrame(text(a));
  const path = write('prec.log', Buffer.concat([frame, Buffer.alloc(100)]));
  const r = await readFile(path);
  assert.deepEqual(r.lines, a);
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte ${frame.length}, no frame after it`]);
});

test('decoding does not depend on how the bytes are split (byte by byte as a stream grows)', () => {
  const a = recordLines(5, 1);
  const b = recordLines(4, 30);
  const c = recordLines(3, 70);
  const cut = zstdUnfinished([a.slice(0, 2), a.slice(2)]);
  const data = Buffer.concat([cut, zstdFrame(text(b)), zstdUnfinished([c])]);
  for (const size of [1, 2, 3, 5, 64, 4096]) {
    const r = decodeInPieces(data, size);
    assert.deepEqual(r.lines, [...a, ...b, ...c], `pieces of ${size}`);
    assert.deepEqual(r.warnings, [`log: damaged zstd frame at byte 0, resumed at byte ${cut.length}`], `pieces of ${size}`);
  }
  const gz = Buffer.concat([gzipUnfinished(text(a)), gzipMember(text(b)), gzipUnfinished(text(c))]);
  for (const size of [1, 7, 4096]) {
    const r = decodeInPieces(gz, size);
    assert.deepEqual(r.lines, [...a, ...b, ...c], `gzip pieces of ${size}`);
  }
});

test('frames with checksums (as precd writes them) cut in the middle resume at the next frame', async () => {
  const a = recordLines(6, 1);
  const b = recordLines(5, 50);
  const w = new ZstdWriter(3, true);
  const cut = Buffer.concat([w.flush(text(a.slice(0, 3))), w.flush(text(a.slice(3)))]);
  const path = write('prec.log', Buffer.concat([cut, new ZstdWriter(3, true).end(text(b)), new ZstdWriter(3, true).flush(text(a))]));
  const r = await readFile(path);
  assert.deepEqual(r.lines, [...a, ...b, ...a]);
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
});

test('files compressed by the zstd and gzip tools (content size, checksum, file name in the header) are read', async () => {
  const dir = tempDir();
  const a = recordLines(8, 1);
  const b = recordLines(3, 20);
  writeFileSync(join(dir, 'a'), text(a));
  writeFileSync(join(dir, 'b'), text(b));
  const sh = (cmd: string): void => assert.equal(spawnSync('sh', ['-c', cmd], { cwd: dir, stdio: 'inherit' }).status, 0, cmd);
  sh('zstd -q -c a > l.zst && zstd -q --no-check -c b >> l.zst && zstd -q -19 -c a >> l.zst');
  sh('gzip -c a > l.gz && gzip -9 -c b >> l.gz');
  sh('gzip -c l.zst > l.zst.gz');
  for (const name of ['l.zst', 'l.zst.gz']) {
    const r = await readFile(join(dir, name));
    assert.deepEqual(r.lines, [...a, ...b, ...a], name);
    assert.deepEqual(r.warnings, [], name);
  }
  const r = await readFile(join(dir, 'l.gz'));
  assert.deepEqual(r.lines, [...a, ...b]);
  assert.deepEqual(r.warnings, []);
});

test('a log whose compress setting changed between runs of precd (plain, zstd, gzip, plain) is read whole', async () => {
  const [a, b, c, d] = [recordLines(3, 1), recordLines(4, 10), recordLines(2, 20), recordLines(3, 30)];
  const data = Buffer.concat([text(a), zstdFrame(text(b)), gzipMember(text(c)), text(d), zstdUnfinished([a])]);
  const r = await readFile(write('prec.log', data));
  assert.deepEqual(r.lines, [...a, ...b, ...c, ...d, ...a]);
  assert.deepEqual([r.warnings, r.bad], [[], []]);
  for (const size of [1, 3, 4096]) {
    const p = decodeInPieces(data, size);
    assert.deepEqual(p.lines, [...a, ...b, ...c, ...d, ...a], `pieces of ${size}`);
    assert.deepEqual(p.warnings, [], `pieces of ${size}`);
  }
});

test('a frame cut short by a crash, then plain records from a restart with compress = "no"', async () => {
  const [a, b] = [recordLines(4, 1), recordLines(3, 10)];
  const cut = zstdUnfinished([a.slice(0, 2), a.slice(2)]);
  const path = write('prec.log', Buffer.concat([cut, text(b)]));
  const r = await readFile(path);
  assert.deepEqual(r.lines, [...a, ...b]);
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
  // A frame whose last block ends inside a line (a batch compressed without a flush), cut there.
  const w = new ZstdWriter();
  const inside = Buffer.concat([w.flush(text(a.slice(0, 2))), w.flush(Buffer.from(a[2]!.slice(0, 40)))]);
  const r3 = await readFile(write('prec.log', Buffer.concat([inside, text(b)])));
  assert.deepEqual(r3.lines, [...a.slice(0, 2), ...b]);
  assert.deepEqual(r3.bad, []);
  // The same with gzip.
  const gz = gzipUnfinished(Buffer.from(`${a[0]}\n${a[1]!.slice(0, 30)}`));
  const r4 = await readFile(write('prec.log', Buffer.concat([gz, text(b)])));
  assert.deepEqual(r4.lines, [a[0], ...b]);
  assert.deepEqual(r4.bad, []);
  // And a plain line cut by the crash before a zstd frame is dropped, the rest kept.
  const r2 = await readFile(write('prec.log', Buffer.concat([text(a), Buffer.from(b[0]!.slice(0, 25)), zstdFrame(text(b.slice(1)))])));
  assert.deepEqual(r2.lines, [...a, ...b.slice(1)]);
});

test('concatenated gzip members are read in turn', async () => {
  const a = recordLines(5, 1);
  const b = recordLines(5, 40);
  const r = await readFile(write('prec.log.2.gz', Buffer.concat([gzipMember(text(a)), gzipMember(text(b))])));
  assert.deepEqual(r.lines, [...a, ...b]);
  assert.deepEqual(r.warnings, []);
});

test('a gzip member cut short (sync-flushed, no trailer) then a new member: both read, resumption reported', async () => {
  const a = recordLines(5, 1);
  const b = recordLines(4, 40);
  const cut = gzipUnfinished(text(a));
  const path = write('prec.log', Buffer.concat([cut, gzipMember(text(b))]));
  const r = await readFile(path);
  assert.deepEqual(r.lines, [...a, ...b]);
  assert.deepEqual(r.warnings, [`${path}: damaged gzip data at byte ${cut.length}, resumed at byte ${cut.length}`]);
  const end = await readFile(write('prec.log', cut));
  assert.deepEqual(end.lines, a);
  assert.deepEqual(end.warnings, []);
});

test('a gzipped zstd log and a zstd-compressed gzip log are unwrapped', async () => {
  const a = recordLines(6, 1);
  const b = recordLines(4, 30);
  const zst = Buffer.concat([zstdFrame(text(a)), zstdFrame(text(b))]);
  const r1 = await readFile(write('prec.log.2.gz', zlib.gzipSync(zst)));
  assert.deepEqual(r1.lines, [...a, ...b]);
  const r2 = await readFile(write('prec.log.2.zst', zstdFrame(Buffer.concat([gzipMember(text(a)), gzipMember(text(b))]))));
  assert.deepEqual(r2.lines, [...a, ...b]);
  // logrotate compressing a log that precd left with a cut-short frame.
  const cut = zstdUnfinished([a]);
  const path = write('prec.log.1.gz', zlib.gzipSync(Buffer.concat([cut, zstdFrame(text(b))])));
  const r3 = await readFile(path);
  assert.deepEqual(r3.lines, [...a, ...b]);
  assert.deepEqual(r3.warnings, [`${path} (inside gzip): damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
  assert.equal(r3.progress.at(-1)?.[0], r3.progress.at(-1)?.[1]);
});

test('a large zstd log streams across read chunks with every line intact', async () => {
  // Random argv so that the compressed log spans several read chunks.
  const lines = recordLines(40_000).map((l, i) =>
    i % 2 === 0 ? JSON.stringify({ ...JSON.parse(l), argv: ['id', randomBytes(24).toString('hex')] }) : l,
  );
  const w = new ZstdWriter();
  const parts: Buffer[] = [];
  for (let i = 0; i < lines.length; i += 997) parts.push(w.flush(text(lines.slice(i, i + 997))));
  parts.push(w.end());
  const data = Buffer.concat(parts);
  const path = write('prec.log', data);
  const r = await readFile(path);
  assert.equal(r.lines.length, lines.length);
  assert.deepEqual(r.lines, lines);
  assert.ok(r.progress.length > 1, 'progress is reported per chunk');
  assert.deepEqual(r.progress.at(-1), [data.length, data.length]);
});

test('readRecords skips garbage, invalid UTF-8 and non-records, and reports each (blank lines silently)', async () => {
  const good = recordLines(4);
  const missing = JSON.stringify(startRecord(9, { event_id: undefined }));
  const wrongType = JSON.stringify(startRecord(10, { uid: 'root' }));
  const data = Buffer.concat([
    Buffer.from(`${good[0]}\nnot json at all\n${good[1]}\n`),
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), // {"<ff fe>"}
    Buffer.from(`${good[2]}\n${missing}\n{"record_type":"banana"}\n[1,2]\n\n${wrongType}\n${good[3]}\n`),
  ]);
  const bad: [string, BadLineReason][] = [];
  const records = [];
  for await (const r of readRecords(write('prec.log', data), { onBadLine: (l, why) => bad.push([l, why]) })) records.push(r);
  assert.deepEqual(records, good.map((l) => JSON.parse(l)));
  assert.deepEqual(bad, [
    ['not json at all', 'not-a-record'],
    ['{"\udcff\udcfe"}', 'not-a-record'],
    [missing, 'not-a-record'],
    ['{"record_type":"banana"}', 'not-a-record'],
    ['[1,2]', 'not-a-record'],
    [wrongType, 'not-a-record'],
  ]);
});

test('a line longer than 16 MiB is skipped as it streams by, and reported', async () => {
  const good = recordLines(2);
  const long = Buffer.alloc(MAX_LINE_BYTES + 10, 0x41);
  const bad: [string, BadLineReason][] = [];
  const lines: string[] = [];
  const path = write('prec.log', Buffer.concat([Buffer.from(`${good[0]}\n`), long, Buffer.from(`\n${good[1]}\n`), long]));
  for await (const l of readLogLines(path, { onBadLine: (line, why) => bad.push([line, why]) })) lines.push(l);
  assert.deepEqual(lines, good);
  assert.deepEqual(bad, [
    ['A'.repeat(1024), 'too-long'],
    ['A'.repeat(1024), 'too-long'],
  ]);
});

test('a prefilter skips lines before they are parsed, without counting them as bad', async () => {
  const lines = recordLines(6);
  const bad: string[] = [];
  const seen: string[] = [];
  const records = [];
  for await (const r of readRecords(write('prec.log', Buffer.concat([text(lines), Buffer.from('junk\n')])), {
    onBadLine: (l) => bad.push(l),
    prefilter: (l) => {
      seen.push(l);
      return l.includes('"record_type":"end"') || l === 'junk';
    },
  })) {
    records.push(r);
  }
  assert.deepEqual(seen, [...lines, 'junk']);
  assert.deepEqual(records, lines.filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l)));
  assert.deepEqual(bad, ['junk']);
});

test('parseRecord checks the types of each record kind from the catalogue', () => {
  assert.deepEqual(parseRecord(JSON.stringify(startRecord(1))), startRecord(1));
  assert.deepEqual(parseRecord(JSON.stringify(endRecord(1))), endRecord(1));
  const loss = { timestamp: '2026-11-22T15:04:05.000000001+09:00', record_type: 'loss', lost_samples: 3, lost_samples_total: 7 };
  assert.deepEqual(parseRecord(JSON.stringify(loss)), loss);
  assert.equal(parseRecord(JSON.stringify({ ...loss, lost_samples_total: '7' })), undefined);
  const fail = {
    ...startRecord(2, { record_type: 'fail', exec_errno: 2, exec_error: 'no such file or directory' }),
    argv: undefined,
    argc: undefined,
  };
  // argv/argc of a failed exec are best effort.
  assert.ok(parseRecord(JSON.stringify(fail)));
  assert.equal(parseRecord(JSON.stringify({ ...fail, exec_errno: 'ENOENT' })), undefined);
  // Optional keys may be absent, but not of the wrong type when present.
  assert.ok(parseRecord(JSON.stringify(startRecord(3, { auid: undefined, tty: undefined, tty_nr: undefined }))));
  assert.equal(parseRecord(JSON.stringify(startRecord(3, { argv_truncated: 'yes' }))), undefined);
  assert.equal(parseRecord(JSON.stringify(startRecord(3, { argv: ['a', 1] }))), undefined);
  assert.equal(parseRecord(JSON.stringify(endRecord(4)).replace('"duration_ns":1004', '"duration_ns":"1004"')), undefined);
  assert.deepEqual(parseRecord(`\ufeff  ${JSON.stringify(endRecord(5))}\r`), endRecord(5));
  assert.equal(parseRecord('{"record_type":"start"'), undefined);
  assert.equal(parseRecord('null'), undefined);
  assert.equal(parseRecord(''), undefined);
});

test('discoverLogs lists rotated siblings oldest first, with the input last, and each reads whatever its compression', async () => {
  const dir = tempDir();
  const names = [
    'prec.log',
    'prec.log.1',
    'prec.log.2.gz',
    'prec.log.3.zst',
    'prec.log.10.gz',
    'prec.log-20261120.gz',
    'prec.log-20261121.zst',
    'prec.log-20261122',
    'prec.log.bak',
    'other.log.1',
    'prec.log.1.tmp',
  ];
  // Oldest to newest, each with its records, compressed as logrotate (and precd) would leave it;
  // `prec.log.2.gz` is a gzipped zstd log, as logrotate makes of precd's default output.
  const order = ['prec.log-20261120.gz', 'prec.log-20261121.zst', 'prec.log-20261122', 'prec.log.10.gz', 'prec.log.3.zst', 'prec.log.2.gz', 'prec.log.1', 'prec.log'];
  const content = (i: number): Buffer => {
    const lines = recordLines(4, 10 * i + 1);
    const name = order[i]!;
    if (name === 'prec.log.2.gz') return zlib.gzipSync(zstdFrame(text(lines)));
    if (name.endsWith('.gz')) return gzipMember(text(lines));
    if (name.endsWith('.zst') || name === 'prec.log') return zstdFrame(text(lines));
    return text(lines);
  };
  for (const n of names) writeFileSync(join(dir, n), order.includes(n) ? content(order.indexOf(n)) : 'x\n');
  mkdirSync(join(dir, 'prec.log.4'));
  // The dated files are older than the numbered ones.
  const old = new Date('2026-11-20T00:00:00Z');
  for (const n of names.filter((x) => x.startsWith('prec.log-'))) utimesSync(join(dir, n), old, old);
  const input = join(dir, 'prec.log');
  assert.deepEqual(await discoverLogs(input, false), [input]);
  assert.deepEqual(
    await discoverLogs(input, true),
    order.map((n) => join(dir, n)),
  );
  // Read in that order, the records come out oldest first, whatever each file's compression.
  const all: string[] = [];
  for (const file of await discoverLogs(input, true)) all.push(...(await readFile(file)).lines);
  assert.deepEqual(all, order.flatMap((_, i) => recordLines(4, 10 * i + 1)));
});

test('a missing or unreadable input is a LogError with a one-line message', async () => {
  const dir = tempDir();
  const missing = join(dir, 'prec.log');
  await assert.rejects(discoverLogs(missing, true), (err: unknown) => {
    assert.ok(err instanceof LogError);
    assert.equal(err.message, `cannot read ${missing}: no such file or directory`);
    return true;
  });
  await assert.rejects(async () => {
    for await (const _ of readLogLines(dir)) void _;
  }, new LogError(`cannot read ${dir}: is a directory`, dir, 'EISDIR'));
  // Root reads anything here, so the permission case is checked on the conversion itself.
  const denied = toLogError(Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' }), '/var/log/prec/prec.log');
  assert.equal(denied.message, 'cannot read /var/log/prec/prec.log: permission denied');
});
