// The log writer against the stock decompressors (`zstd -dc`, `gzip -dc`), real files, and a real
// full disk (a small tmpfs; root only).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogWriter, LogOpenError, type LogWriterOptions } from '../../src/daemon/writer.js';
import type { Compress } from '../../src/daemon/defaults.js';
import { fillDisk, smallDisk } from '../helpers/disk.js';

const FORMATS: readonly Compress[] = ['zstd', 'gz', 'no'];
const IS_ROOT = process.getuid?.() === 0;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'writer-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writer(
  path: string,
  compress: Compress,
  over: Partial<LogWriterOptions> = {},
): LogWriter & { reports: string[]; lossCalls: number[] } {
  const reports: string[] = [];
  const lossCalls: number[] = [];
  const w = new LogWriter({
    path,
    compress,
    level: compress === 'gz' ? 6 : 3,
    flushIntervalMs: 50,
    report: (m) => reports.push(m),
    lossRecord: (count) => {
      lossCalls.push(count);
      return JSON.stringify({ record_type: 'loss', lost_samples: count });
    },
    ...over,
  });
  w.open();
  return Object.assign(w, { reports, lossCalls });
}

/** Decodes bytes with the stock tool; tolerant (an unfinished frame yields what precedes the cut). */
function decode(bytes: Buffer, compress: Compress): { text: string; ok: boolean } {
  if (compress === 'no') return { text: bytes.toString('utf8'), ok: true };
  const r = spawnSync(compress === 'zstd' ? 'zstd' : 'gzip', ['-dc'], { input: bytes, maxBuffer: 1 << 30 });
  return { text: r.stdout.toString('utf8'), ok: r.status === 0 };
}

/** Complete lines of the decoded file or byte range. */
function lines(bytes: Buffer, compress: Compress): string[] {
  const all = decode(bytes, compress).text.split('\n');
  all.pop();
  return all;
}

function fileLines(path: string, compress: Compress): string[] {
  return lines(readFileSync(path), compress);
}

function rec(tag: string, i: number, pad = ''): string {
  return JSON.stringify({ record_type: 'start', tag, i, argv: ['sh', '-c', `echo ${tag} ${i}`], pad });
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const MAGIC: Record<Compress, Buffer | undefined> = {
  zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
  gz: Buffer.from([0x1f, 0x8b, 0x08]),
  no: undefined,
};

for (const compress of FORMATS) {
  test(`${compress}: the stock tool reads every record while the writer is still open, without an explicit flush`, async (t) => {
    const path = join(tempDir(t), 'log', 'prec.log');
    const w = writer(path, compress);
    t.after(() => w.close());
    const expected: string[] = [];
    for (let i = 0; i < 1000; i++) {
      expected.push(rec('open', i));
      w.write(expected[i]!);
    }
    // The flush timer alone must make them readable (a generous bound, not a speed assertion).
    await until('all records decodable', () => fileLines(path, compress).length === expected.length);
    assert.deepEqual(fileLines(path, compress), expected);
    if (compress !== 'no') assert.equal(decode(readFileSync(path), compress).ok, false, 'the frame is still open');
  });

  test(`${compress}: each open appends a new frame; every record of every frame decodes in order`, (t) => {
    const path = join(tempDir(t), 'prec.log');
    const expected: string[] = [];
    const starts: number[] = [];
    for (let round = 0; round < 3; round++) {
      starts.push(existsSync(path) ? statSync(path).size : 0);
      const w = writer(path, compress);
      for (let i = 0; i < 500; i++) {
        const line = rec(`round${round}`, i);
        expected.push(line);
        w.write(line);
      }
      w.close();
    }
    const bytes = readFileSync(path);
    assert.deepEqual(lines(bytes, compress), expected);
    assert.equal(decode(bytes, compress).ok, true, 'every frame was finished by close()');
    const magic = MAGIC[compress];
    if (magic) {
      for (const s of starts) assert.deepEqual(bytes.subarray(s, s + magic.length), magic, `a new frame starts at ${s}`);
    }
  });

  test(`${compress}: a large volume across many compressed batches round-trips exactly`, (t) => {
    const path = join(tempDir(t), 'prec.log');
    const w = writer(path, compress, { flushIntervalMs: 5000 });
    const expected: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const line = rec('bulk', i, i % 7 === 0 ? randomBytes(200).toString('base64') : 'x'.repeat(i % 300));
      expected.push(line);
      w.write(line);
      if (i % 9999 === 0) w.flush();
    }
    w.close();
    assert.deepEqual(fileLines(path, compress), expected);
    assert.equal(w.recordsWritten, expected.length);
  });

  test(`${compress}: reopen after a rename (logrotate) loses and duplicates nothing, both files decode`, (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'prec.log');
    const w = writer(path, compress, { flushIntervalMs: 5000 });
    const all: string[] = [];
    const put = (tag: string, n: number) => {
      for (let i = 0; i < n; i++) {
        all.push(rec(tag, i));
        w.write(all[all.length - 1]!);
      }
    };
    put('before', 300);
    w.flush();
    put('unflushed', 300);
    renameSync(path, `${path}.1`);
    // Records written between the rename and SIGHUP still go to the renamed file (same inode).
    put('between', 300);
    w.reopen();
    put('after', 300);
    w.close();
    const old = fileLines(`${path}.1`, compress);
    const cur = fileLines(path, compress);
    assert.deepEqual([...old, ...cur], all);
    assert.equal(old.length, 900);
    assert.equal(decode(readFileSync(`${path}.1`), compress).ok, true);
    assert.equal(decode(readFileSync(path), compress).ok, true);
    assert.equal(statSync(path).mode & 0o777, 0o640, 'the new file is created 0640');
  });

  test(`${compress}: a writer abandoned without close (kill -9) leaves a readable prefix and the next open appends a clean frame`, (t) => {
    const path = join(tempDir(t), 'prec.log');
    const first = writer(path, compress, { flushIntervalMs: 5000 });
    const a = Array.from({ length: 400 }, (_, i) => rec('killed', i));
    for (const l of a) first.write(l);
    first.flush(); // what a crash keeps: everything up to the last flush
    first.write(rec('never-flushed', 0));
    const second = writer(path, compress);
    const b = Array.from({ length: 400 }, (_, i) => rec('restarted', i));
    for (const l of b) second.write(l);
    second.close();
    // The next open ended the unfinished frame at its last flush point (issue 20): the whole log
    // decodes with the strict stock decoder, the unflushed record is gone, nothing flushed is lost.
    const all = decode(readFileSync(path), compress);
    assert.equal(all.ok, true, 'the whole log decodes');
    assert.deepEqual(all.text.split('\n').slice(0, -1), [...a, ...b]);
  });
}

test('the log directory is created 0750 and the file 0640 whatever the umask; an existing directory is left alone', (t) => {
  const dir = tempDir(t);
  const old = process.umask(0o077);
  try {
    const path = join(dir, 'a', 'b', 'prec.log');
    const w = writer(path, 'zstd');
    w.write(rec('perm', 0));
    w.close();
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o750);
    assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o777, 0o750);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    process.umask(0);
    const path2 = join(dir, 'c', 'prec.log');
    writer(path2, 'gz').close();
    assert.equal(statSync(join(dir, 'c')).mode & 0o777, 0o750);
    assert.equal(statSync(path2).mode & 0o777, 0o640);
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(dir).mode & 0o777, 0o700, 'the pre-existing parent keeps its mode');
});

test('close finishes the frame and is idempotent; writes after close are ignored', (t) => {
  const path = join(tempDir(t), 'prec.log');
  const w = writer(path, 'zstd');
  w.write(rec('c', 1));
  w.close();
  w.close();
  w.write(rec('c', 2));
  w.flush();
  const r = spawnSync('zstd', ['-t', path]);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.deepEqual(fileLines(path, 'zstd'), [rec('c', 1)]);
});

test('reopen and close without records write no empty frames', (t) => {
  const path = join(tempDir(t), 'prec.log');
  const w = writer(path, 'zstd');
  w.reopen();
  w.close();
  assert.equal(statSync(path).size, 0);
});

test('open() where the log directory is a regular file says "not a directory" and names the directory', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(
    () => writer(join(dir, 'file', 'prec.log'), 'zstd'),
    (e: unknown) => e instanceof LogOpenError && e.message === `cannot create log directory ${join(dir, 'file')}: not a directory (ENOTDIR)`,
  );
  assert.throws(
    () => writer(join(dir, 'file', 'a', 'b', 'prec.log'), 'zstd'),
    (e: unknown) => e instanceof LogOpenError && e.message === `cannot create log directory ${join(dir, 'file', 'a', 'b')}: not a directory (ENOTDIR)`,
  );
});

test('open() creates every missing directory level of log_path', (t) => {
  const dir = tempDir(t);
  const w = writer(join(dir, 'a', 'b', 'c', 'prec.log'), 'no');
  w.close();
  for (const d of ['a', 'a/b', 'a/b/c']) assert.equal(statSync(join(dir, d)).mode & 0o777, 0o750, d);
});

for (const compress of ['zstd', 'no'] as const) {
  test(`${compress}: on a full disk errors are reported once, records counted, and writing resumes with a loss record first`, { skip: !IS_ROOT && 'needs root for mount' }, (t) => {
    const mnt = smallDisk(t, '64k');
    const path = join(mnt, 'log', 'prec.log');
    // Retries are driven by hand (reopen) so that the byte ranges below are exact.
    const w = writer(path, compress, { flushIntervalMs: 5000, retryIntervalMs: 3_600_000 });
    t.after(() => w.close());
    const before = Array.from({ length: 5 }, (_, i) => rec('before', i));
    for (const l of before) w.write(l);
    w.flush();
    const goodSize = statSync(path).size;
    const filler = fillDisk(mnt);

    // Incompressible padding: more than the page slack tmpfs may still have for the log file.
    for (let i = 0; i < 30; i++) w.write(rec('doomed', i, randomBytes(768).toString('base64')));
    w.flush();
    assert.equal(w.isFailing, true);
    assert.equal(w.reports.length, 1);
    assert.match(w.reports[0]!, /^cannot write log .*prec\.log: no space left on device \(ENOSPC\); counting the records/);
    for (let i = 0; i < 7; i++) w.write(rec('while-full', i));
    w.flush();
    w.reopen(); // a retry (SIGHUP) while the disk is still full fails quietly
    assert.equal(w.isFailing, true);
    assert.deepEqual(w.lossCalls, []);
    assert.equal(w.reports.length, 1, 'one report per episode, not per record or retry');
    assert.equal(w.lostRecords, 37);
    // Cut back to the last flush point; the retry's open then ended the zstd frame there with an
    // empty last block (3 bytes, issue 20), so stock tools read the file even if precd stops now.
    assert.equal(statSync(path).size, goodSize + (compress === 'zstd' ? 3 : 0), 'the partial write was cut back to the last flush point');

    unlinkSync(filler);
    w.reopen();
    assert.equal(w.isFailing, false);
    assert.equal(w.lostRecords, 0);
    assert.equal(w.reports.length, 2);
    assert.match(w.reports[1]!, /writable again; wrote a loss record for 37 records/);
    assert.deepEqual(w.lossCalls, [37], 'one loss line, built once');
    const after = Array.from({ length: 5 }, (_, i) => rec('after', i));
    for (const l of after) w.write(l);
    w.close();

    // Reopening ended the frame the error cut at its flush point (issue 20): one strict decode.
    const all = decode(readFileSync(path), compress);
    assert.equal(all.ok, true);
    const allLines = all.text.split('\n').slice(0, -1);
    assert.deepEqual(allLines.slice(0, before.length), before);
    assert.deepEqual(JSON.parse(allLines[before.length]!), { record_type: 'loss', lost_samples: 37 });
    assert.deepEqual(allLines.slice(before.length + 1), after);
  });
}

test('writing is retried periodically after an error and resumes on its own', { skip: !IS_ROOT && 'needs root for mount' }, async (t) => {
  const mnt = smallDisk(t, '64k');
  const path = join(mnt, 'prec.log');
  const w = writer(path, 'no', { flushIntervalMs: 20, retryIntervalMs: 30 });
  t.after(() => w.close());
  // The log is still empty (no page of its own), so a retry cannot succeed while the disk is full.
  const filler = fillDisk(mnt);
  for (let i = 0; i < 20; i++) w.write(rec('doomed', i, randomBytes(768).toString('base64')));
  await until('the error is reported', () => w.reports.length === 1);
  // Several retry periods pass while the disk is still full: still one report.
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(w.reports.length, 1);
  assert.deepEqual(w.lossCalls, [], 'no loss line is built while the disk is still full');
  assert.equal(w.lostRecords, 20);
  unlinkSync(filler);
  await until('writing resumes', () => w.reports.length === 2);
  assert.deepEqual(w.lossCalls, [20]);
  assert.equal(w.lostRecords, 0);
  w.write(rec('after', 0));
  w.close();
  assert.deepEqual(readdirSync(mnt).sort(), ['prec.log'], 'no probe file is left behind');
  const got = fileLines(path, 'no');
  assert.deepEqual(JSON.parse(got[0]!), { record_type: 'loss', lost_samples: 20 });
  assert.deepEqual(got.slice(1), [rec('after', 0)]);
});

test('closing while the disk is still full says how many records were not written', { skip: !IS_ROOT && 'needs root for mount' }, (t) => {
  const mnt = smallDisk(t, '64k');
  const w = writer(join(mnt, 'prec.log'), 'zstd', { flushIntervalMs: 5000, retryIntervalMs: 3_600_000 });
  fillDisk(mnt);
  for (let i = 0; i < 20; i++) w.write(rec('doomed', i, randomBytes(768).toString('base64')));
  w.flush();
  w.write(rec('late', 0));
  w.close();
  assert.equal(w.reports.length, 2);
  assert.match(w.reports[1]!, /^closing with 21 records that could not be written to .*prec\.log$/);
  assert.deepEqual(w.lossCalls, []);
});
