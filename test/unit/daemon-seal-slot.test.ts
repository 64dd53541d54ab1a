// The seal slot's contract (src/daemon/seal.ts): every line that reaches the file passes the slot,
// in file order, loss records included; lines a write error discarded are reported as discarded,
// and lines the stage adds when a file closes land in that file. A stage that keeps the lines it saw
// up to each committed() must therefore hold exactly the file's lines.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogWriter } from '../../src/daemon/writer.js';
import type { LineOut, SealStage } from '../../src/daemon/seal.js';
import type { Compress } from '../../src/daemon/defaults.js';
import { fillDisk, smallDisk } from '../helpers/disk.js';

const IS_ROOT = process.getuid?.() === 0;

/**
 * Keeps what it passed on, and the batch bytes it was handed (taking): lines and bytes since the
 * last commit are dropped when the writer discards them.
 */
class RecordingStage implements SealStage {
  readonly committedLines: string[] = [];
  private passed: string[] = [];
  readonly committedBytes: Buffer[] = [];
  private passedBytes: Buffer[] = [];
  closings = 0;

  line(line: string, out: LineOut): void {
    this.passed.push(line);
    out.write(line);
  }
  opened(): void {}
  tick(): void {}
  closing(out: LineOut): void {
    this.line(JSON.stringify({ record_type: 'closing', n: ++this.closings }), out);
  }
  committed(): void {
    this.committedLines.push(...this.passed);
    this.passed = [];
    this.committedBytes.push(...this.passedBytes);
    this.passedBytes = [];
  }
  discarded(): void {
    this.passed = [];
    this.passedBytes = [];
  }
  taking(bytes: Buffer): void {
    this.passedBytes.push(Buffer.from(bytes)); // a copy: the view is the writer's reused buffer
  }
  /** The bytes handed over, as text: what a stage hashing them saw. */
  get committedText(): string {
    return Buffer.concat(this.committedBytes).toString('utf8');
  }
}

const asText = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'seal-slot-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Decoded lines of the file, or of bytes [from, to) of it: an unfinished frame is decoded on its own. */
function fileLines(path: string, compress: Compress, from = 0, to?: number): string[] {
  const bytes = readFileSync(path).subarray(from, to);
  const text = compress === 'no' ? bytes.toString('utf8') : spawnSync('zstd', ['-dc'], { input: bytes, maxBuffer: 1 << 30 }).stdout.toString('utf8');
  const all = text.split('\n');
  all.pop();
  return all;
}

function rec(tag: string, i: number, pad = ''): string {
  return JSON.stringify({ record_type: 'start', tag, i, pad });
}

function sealedWriter(path: string, compress: Compress, stage: SealStage, over: { retryIntervalMs?: number } = {}): LogWriter {
  const w = new LogWriter({
    path,
    compress,
    level: 3,
    flushIntervalMs: 5000,
    report: () => {},
    lossRecord: (count) => JSON.stringify({ record_type: 'loss', lost_samples: count }),
    seal: stage,
    ...over,
  });
  w.open();
  return w;
}

test('zstd: the slot sees every line of both files in file order, and its closing lines end each file', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'prec.log');
  const stage = new RecordingStage();
  const w = sealedWriter(path, 'zstd', stage);
  const a = Array.from({ length: 300 }, (_, i) => rec('a', i));
  const b = Array.from({ length: 300 }, (_, i) => rec('b', i));
  for (const l of a) w.write(l);
  renameSync(path, `${path}.1`);
  w.reopen();
  for (const l of b) w.write(l);
  w.close();
  const rotated = fileLines(`${path}.1`, 'zstd');
  const current = fileLines(path, 'zstd');
  assert.deepEqual(rotated, [...a, JSON.stringify({ record_type: 'closing', n: 1 })]);
  assert.deepEqual(current, [...b, JSON.stringify({ record_type: 'closing', n: 2 })]);
  assert.deepEqual(stage.committedLines, [...rotated, ...current]);
  assert.equal(stage.committedText, asText([...rotated, ...current]), 'taking() got exactly the bytes of every line, once');
});

for (const compress of ['zstd', 'no'] as const) {
  test(`${compress}: after a full disk the slot holds exactly the file's lines: no lost line, the loss record where it was written`, { skip: !IS_ROOT && 'needs root for mount' }, (t) => {
    const mnt = smallDisk(t, '64k');
    const path = join(mnt, 'prec.log');
    const stage = new RecordingStage();
    const w = sealedWriter(path, compress, stage, { retryIntervalMs: 3_600_000 });
    t.after(() => w.close());
    const before = Array.from({ length: 5 }, (_, i) => rec('before', i));
    for (const l of before) w.write(l);
    w.flush();
    const filler = fillDisk(mnt);
    for (let i = 0; i < 30; i++) w.write(rec('doomed', i, randomBytes(768).toString('base64')));
    w.flush();
    assert.equal(w.isFailing, true);
    for (let i = 0; i < 7; i++) w.write(rec('while-full', i));
    w.reopen(); // still full: the retry fails and nothing reaches the slot
    assert.equal(w.isFailing, true);
    unlinkSync(filler);
    w.reopen();
    assert.equal(w.isFailing, false);
    const after = Array.from({ length: 5 }, (_, i) => rec('after', i));
    for (const l of after) w.write(l);
    w.close();

    // The frame the error left unfinished was ended at its flush point when the log was reopened
    // (issue 20): the stock tool reads the file in one go.
    const lines = fileLines(path, compress);
    assert.deepEqual(lines, [
      ...before,
      JSON.stringify({ record_type: 'loss', lost_samples: 37 }),
      ...after,
      JSON.stringify({ record_type: 'closing', n: 1 }),
    ]);
    assert.deepEqual(stage.committedLines, lines);
    assert.equal(stage.committedText, asText(lines), 'taking() got exactly the bytes of the file, discarded batches rolled back');
  });
}
