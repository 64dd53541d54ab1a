// Following a log written by ANOTHER process, as precd writes it: flushed zstd blocks, gzip sync
// flushes, plain lines, a stream appended byte by byte, rotation (rename + new file, with
// logrotate's `create` making the new file before the writer reopens) and truncation.
// Timeouts below only guard against a hang; nothing is asserted about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { followRecords, type FollowOptions } from '../../src/log/index.js';
import { startRecord, tempDir, ZstdWriter } from '../unit/log-fixtures.js';

const FIXTURES = new URL('../unit/log-fixtures.js', import.meta.url).href;
const GUARD_MS = 30_000;

// The writer: one command per stdin line, `ok` on stdout when done. It keeps one compressed
// stream per open of the file, like precd.
const WRITER = `
import { closeSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import zlib from 'node:zlib';
const [path, mode, fixtures] = process.argv.slice(2);
const fx = await import(fixtures);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function encoder() {
  if (mode === 'zstd') {
    const w = new fx.ZstdWriter();
    return { chunk: async (b) => w.flush(b), end: async () => w.end() };
  }
  if (mode === 'gzip') {
    const z = zlib.createGzip();
    const out = [];
    z.on('data', (d) => out.push(d));
    const take = () => Buffer.concat(out.splice(0));
    return {
      chunk: async (b) => { z.write(b); await new Promise((r) => z.flush(zlib.constants.Z_SYNC_FLUSH, r)); return take(); },
      end: async () => { z.end(); await new Promise((r) => z.on('end', r)); return take(); },
    };
  }
  return { chunk: async (b) => b, end: async () => Buffer.alloc(0) };
}
let fd = openSync(path, 'a');
let enc = encoder();
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, a, b, how] = line.split(' ');
  if (cmd === 'write') {
    for (let seq = Number(a); seq < Number(a) + Number(b); seq++) {
      const bytes = await enc.chunk(Buffer.from(JSON.stringify(fx.startRecord(seq)) + '\\n'));
      if (how === 'bytewise') {
        for (let i = 0; i < bytes.length; i++) { writeSync(fd, bytes, i, 1); await sleep(0); }
      } else {
        writeSync(fd, bytes);
        await sleep(2);
      }
    }
  } else if (cmd === 'rename-create') {
    renameSync(path, path + '.1');
    closeSync(openSync(path, 'a'));
  } else if (cmd === 'reopen') {
    writeSync(fd, await enc.end());
    closeSync(fd);
    fd = openSync(path, 'a');
    enc = encoder();
  } else if (cmd === 'truncate') {
    ftruncateSync(fd, 0);
    enc = encoder();
  }
  process.stdout.write('ok\\n');
}
`;

class Writer {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly replies: (() => void)[] = [];

  constructor(path: string, mode: 'zstd' | 'gzip' | 'plain') {
    const script = join(tempDir('prec-writer-'), 'writer.mjs');
    writeFileSync(script, WRITER);
    this.child = spawn(process.execPath, [script, path, mode, FIXTURES], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout }).on('line', () => this.replies.shift()?.());
  }

  /** Sends a command and resolves when the writer has carried it out. */
  do(command: string): Promise<void> {
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.child.stdin.write(`${command}\n`);
    });
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

interface Followed {
  seqs: number[];
  /** Number of records yielded when onCaughtUp was called. */
  caughtUpAt: number;
  warnings: string[];
  bad: string[];
}

/**
 * Follows `path` until `want` records came, running `script` (the writer's side) once caught up,
 * and `onRecord` after each record. Aborts on the guard timeout so a hang fails the test.
 */
async function follow(
  path: string,
  want: number,
  opts: FollowOptions,
  script: () => Promise<void>,
  onRecord: (seqs: number[]) => void = () => {},
): Promise<Followed> {
  const ac = new AbortController();
  const guard = setTimeout(() => ac.abort(), GUARD_MS);
  const r: Followed = { seqs: [], caughtUpAt: -1, warnings: [], bad: [] };
  let scripted: Promise<void> | undefined;
  try {
    for await (const rec of followRecords(path, {
      ...opts,
      signal: ac.signal,
      pollIntervalMs: 50,
      onWarning: (w) => r.warnings.push(w),
      onBadLine: (l) => r.bad.push(l),
      onCaughtUp: () => {
        r.caughtUpAt = r.seqs.length;
        scripted = script();
      },
    })) {
      r.seqs.push(Number(String((rec as { event_id: string }).event_id).split('-')[1]));
      onRecord(r.seqs);
      if (r.seqs.length === want) break;
    }
  } finally {
    clearTimeout(guard);
  }
  await scripted;
  return r;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

for (const mode of ['zstd', 'gzip', 'plain'] as const) {
  test(`${mode}: records flushed by another process appear in order; history is skipped without fromStart`, async () => {
    const path = join(tempDir(), 'prec.log');
    const w = new Writer(path, mode);
    try {
      await w.do('write 1 5');
      const r = await follow(path, 20, {}, () => w.do('write 6 20'));
      assert.equal(r.caughtUpAt, 0);
      assert.deepEqual(r.seqs, range(6, 20));
      assert.deepEqual([r.warnings, r.bad], [[], []]);
    } finally {
      w.stop();
    }
  });

  test(`${mode}: a stream appended byte by byte is read as it grows`, async () => {
    const path = join(tempDir(), 'prec.log');
    const w = new Writer(path, mode);
    try {
      await w.do('write 1 2');
      const r = await follow(path, 8, { fromStart: true }, () => w.do('write 3 6 bytewise'));
      assert.equal(r.caughtUpAt, 2);
      assert.deepEqual(r.seqs, range(1, 8));
      assert.deepEqual([r.warnings, r.bad], [[], []]);
    } finally {
      w.stop();
    }
  });

  test(`${mode}: rotation (rename, new file created before the writer reopens) loses and repeats nothing`, async () => {
    const path = join(tempDir(), 'prec.log');
    const w = new Writer(path, mode);
    try {
      await w.do('write 1 5');
      const r = await follow(path, 16, { fromStart: true }, async () => {
        await w.do('rename-create');
        // Still written to the old file, which is now prec.log.1, while prec.log is empty.
        await w.do('write 6 5');
        await w.do('reopen');
        await w.do('write 11 6');
      });
      assert.equal(r.caughtUpAt, 5);
      assert.deepEqual(r.seqs, range(1, 16));
      assert.deepEqual([r.warnings, r.bad], [[], []]);
    } finally {
      w.stop();
    }
  });
}

for (const mode of ['zstd', 'plain'] as const) {
  test(`${mode}: truncation in place restarts from the start, losing and repeating nothing`, async () => {
    const path = join(tempDir(), 'prec.log');
    const w = new Writer(path, mode);
    try {
      await w.do('write 1 6');
      let truncated: Promise<void> | undefined;
      const r = await follow(
        path,
        12,
        { fromStart: true },
        async () => {},
        (seqs) => {
          // Once everything before is read: truncate, then a shorter file than before.
          if (seqs.length === 6) truncated = w.do('truncate').then(() => w.do('write 7 1')).then(() => w.do('write 8 5'));
        },
      );
      await truncated;
      assert.deepEqual(r.seqs, range(1, 12));
      assert.deepEqual([r.warnings, r.bad], [[], []]);
    } finally {
      w.stop();
    }
  });
}

test('history ends at the size the file had when following started; a record half written then comes live', async () => {
  const path = join(tempDir(), 'prec.log');
  const lines = range(1, 5).map((seq) => JSON.stringify(startRecord(seq)));
  writeFileSync(path, `${lines.slice(0, 3).join('\n')}\n${lines[3]!.slice(0, 30)}`);
  const r = await follow(path, 5, { fromStart: true }, async () => {
    appendFileSync(path, `${lines[3]!.slice(30)}\n${lines[4]}\n`);
  });
  assert.equal(r.caughtUpAt, 3);
  assert.deepEqual(r.seqs, range(1, 5));
  assert.deepEqual([r.warnings, r.bad], [[], []]);
});

test('precd killed and restarted while followed: the cut frame is reported and the new one read', async () => {
  const path = join(tempDir(), 'prec.log');
  const text = (from: number, count: number): Buffer =>
    Buffer.from(range(from, count).map((seq) => `${JSON.stringify(startRecord(seq))}\n`).join(''));
  const killed = new ZstdWriter();
  const cut = Buffer.concat([killed.flush(text(1, 3)), killed.flush(text(4, 2))]);
  writeFileSync(path, cut);
  const r = await follow(path, 9, { fromStart: true }, async () => {
    const restarted = new ZstdWriter();
    appendFileSync(path, restarted.flush(text(6, 2)));
    appendFileSync(path, restarted.flush(text(8, 2)));
  });
  assert.equal(r.caughtUpAt, 5);
  assert.deepEqual(r.seqs, range(1, 9));
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
});

test('precd killed in the middle of writing a block, restarted: its new frame is read without waiting for more', async () => {
  const path = join(tempDir(), 'prec.log');
  const text = (from: number, count: number): Buffer =>
    Buffer.from(range(from, count).map((seq) => `${JSON.stringify(startRecord(seq))}\n`).join(''));
  const killed = new ZstdWriter();
  const whole = killed.flush(text(1, 3));
  const torn = killed.flush(text(4, 200));
  const restarted = new ZstdWriter().flush(text(100, 2));
  // The last block is torn; its declared size is more than the new frame that follows it.
  const cut = Buffer.concat([whole, torn.subarray(0, torn.length - restarted.length - 100)]);
  assert.ok(torn.length > restarted.length + 200);
  writeFileSync(path, cut);
  const r = await follow(path, 5, { fromStart: true }, async () => {
    appendFileSync(path, restarted);
  });
  assert.equal(r.caughtUpAt, 3);
  assert.deepEqual(r.seqs, [1, 2, 3, 100, 101]);
  assert.deepEqual(r.warnings, [`${path}: damaged zstd frame at byte 0, resumed at byte ${cut.length}`]);
});

test('following without history a plain log that precd now appends zstd frames to', async () => {
  const path = join(tempDir(), 'prec.log');
  const text = (from: number, count: number): Buffer =>
    Buffer.from(range(from, count).map((seq) => `${JSON.stringify(startRecord(seq))}\n`).join(''));
  const w = new ZstdWriter();
  writeFileSync(path, Buffer.concat([text(1, 3), w.flush(text(4, 3))]));
  const r = await follow(path, 4, {}, async () => {
    appendFileSync(path, w.flush(text(7, 2)));
    appendFileSync(path, Buffer.concat([w.end(), text(9, 2)]));
  });
  assert.equal(r.caughtUpAt, 0);
  assert.deepEqual(r.seqs, range(7, 4));
  assert.deepEqual([r.warnings, r.bad], [[], []]);
});

test('aborting the signal ends the iteration cleanly while it waits for data', async () => {
  const path = join(tempDir(), 'prec.log');
  writeFileSync(path, '');
  const ac = new AbortController();
  const seen: unknown[] = [];
  const guard = setTimeout(() => assert.fail('follow did not end after abort'), GUARD_MS);
  for await (const rec of followRecords(path, { signal: ac.signal, onCaughtUp: () => ac.abort() })) seen.push(rec);
  clearTimeout(guard);
  assert.deepEqual(seen, []);
});

test('following a missing file is a LogError naming it', async () => {
  const path = join(tempDir(), 'prec.log');
  await assert.rejects(async () => {
    for await (const _ of followRecords(path)) void _;
  }, { name: 'LogError', message: `cannot read ${path}: no such file or directory` });
});

/**
 * Two (or more) rotations between two looks at the path: the follower is a generator, so while
 * the test does not ask it for the next record it looks at nothing, and everything done meanwhile
 * falls between two of its looks, whatever its poll interval.
 */
class Paused {
  private readonly it: AsyncIterator<Record<string, unknown>>;
  readonly ac = new AbortController();
  readonly warnings: string[] = [];
  /** Resolves once the follower has read what the file held when it started. */
  readonly caughtUp: Promise<void>;
  private caught!: () => void;

  /** `pollIntervalMs` long: every look at the path is one the test asked for (inotify may wake it sooner). */
  constructor(path: string, pollIntervalMs = 60_000) {
    this.it = followRecords(path, {
      fromStart: true,
      signal: this.ac.signal,
      pollIntervalMs,
      onWarning: (w) => this.warnings.push(w),
      onBadLine: (l) => this.warnings.push(`bad line ${l}`),
      onCaughtUp: () => this.caught(),
    })[Symbol.asyncIterator]() as AsyncIterator<Record<string, unknown>>;
    this.caughtUp = new Promise((resolve) => (this.caught = resolve));
  }

  /** The next `n` records' sequence numbers. */
  async take(n: number): Promise<number[]> {
    const guard = setTimeout(() => this.ac.abort(), GUARD_MS);
    const seqs: number[] = [];
    try {
      while (seqs.length < n) {
        const r = await this.it.next();
        if (r.done) break;
        seqs.push(Number(String(r.value.event_id).split('-')[1]));
      }
    } finally {
      clearTimeout(guard);
    }
    return seqs;
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.it.return?.();
  }
}

const lines = (from: number, count: number): Buffer =>
  Buffer.from(range(from, count).map((seq) => `${JSON.stringify(startRecord(seq))}\n`).join(''));

test('two rotations between two looks at the path: the file current only in between is read, once, in order', async () => {
  const dir = tempDir();
  const path = join(dir, 'prec.log');
  // History: an older rotation, there before following began, is never read by the follower.
  writeFileSync(`${path}.1`, lines(1, 2));
  writeFileSync(path, lines(10, 3));
  const f = new Paused(path);
  try {
    assert.deepEqual(await f.take(3), range(10, 3));
    // Meanwhile: more in the followed file, then logrotate twice (numbered, with create) and
    // precd reopening each time, writing distinct records into each file.
    appendFileSync(path, lines(13, 2));
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, lines(20, 3));
    // delaycompress: the history file is compressed now (a new inode, its records old).
    writeFileSync(`${path}.3.gz`, gzipSync(readFileSync(`${path}.2`)));
    unlinkSync(`${path}.2`);
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, lines(30, 2));
    assert.deepEqual(await f.take(2 + 3 + 2), [...range(13, 2), ...range(20, 3), ...range(30, 2)]);
    // And on from there, with nothing read twice.
    appendFileSync(path, lines(32, 1));
    assert.deepEqual(await f.take(1), [32]);
    assert.deepEqual(f.warnings, []);
  } finally {
    await f.stop();
  }
});

test('three rotations between two looks, the files in between compressed by logrotate meanwhile: each read once, oldest first', async () => {
  const dir = tempDir();
  const path = join(dir, 'prec.log');
  writeFileSync(`${path}.1.gz`, gzipSync(lines(1, 2)));
  const w = new ZstdWriter();
  writeFileSync(path, w.flush(lines(10, 2)));
  const f = new Paused(path);
  try {
    assert.deepEqual(await f.take(2), range(10, 2));
    appendFileSync(path, w.end(lines(12, 1)));
    // logrotate with compress (no delaycompress): each rotated file is compressed at once, its
    // original removed; the followed file (still open in the follower) included.
    const rotate = (): void => {
      for (let n = 3; n >= 1; n--) {
        if (existsSync(`${path}.${n}.gz`)) renameSync(`${path}.${n}.gz`, `${path}.${n + 1}.gz`);
      }
      writeFileSync(`${path}.1.gz`, gzipSync(readFileSync(path)));
      unlinkSync(path);
    };
    rotate();
    writeFileSync(path, new ZstdWriter().end(lines(20, 2)));
    rotate();
    writeFileSync(path, lines(30, 2));
    rotate();
    writeFileSync(path, new ZstdWriter().flush(lines(40, 2)));
    assert.deepEqual(await f.take(1 + 2 + 2 + 2), [12, ...range(20, 2), ...range(30, 2), ...range(40, 2)]);
    assert.deepEqual(f.warnings, []);
  } finally {
    await f.stop();
  }
});

test('a followed file still empty when rotated twice, the history compressed meanwhile: only the new records are read', async () => {
  const dir = tempDir();
  const path = join(dir, 'prec.log');
  writeFileSync(`${path}.2.gz`, gzipSync(lines(1, 2)));
  writeFileSync(`${path}.1`, lines(5, 2));
  writeFileSync(path, '');
  const f = new Paused(path);
  try {
    const next = f.take(3);
    await f.caughtUp;
    // logrotate (compress, delaycompress) twice while the follower waits: the history file
    // prec.log.1 is compressed into prec.log.2.gz (a new inode), the empty followed file rotated
    // with it, then the file in between.
    renameSync(`${path}.2.gz`, `${path}.3.gz`);
    writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
    unlinkSync(`${path}.1`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, lines(20, 2));
    renameSync(`${path}.3.gz`, `${path}.4.gz`);
    renameSync(`${path}.2.gz`, `${path}.3.gz`);
    writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
    unlinkSync(`${path}.1`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, lines(30, 1));
    assert.deepEqual(await next, [20, 21, 30]);
    assert.deepEqual(f.warnings, []);
  } finally {
    await f.stop();
  }
});

test('two rotations, the newest file still empty (precd not reopened yet): the file in between is read once precd moved on', async () => {
  const dir = tempDir();
  const path = join(dir, 'prec.log');
  writeFileSync(path, lines(10, 2));
  // Polling: nothing notifies the follower of writes to the new file.
  const f = new Paused(path, 50);
  try {
    assert.deepEqual(await f.take(2), range(10, 2));
    renameSync(path, `${path}.1`);
    writeFileSync(path, lines(20, 1));
    // logrotate again, its `create` making an empty file precd has not reopened yet: precd
    // still writes to the file now called prec.log.1.
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, '');
    appendFileSync(`${path}.1`, lines(21, 1));
    const next = f.take(4);
    // Whenever the follower looks meanwhile, it must not take prec.log.1 as finished yet.
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(`${path}.1`, lines(22, 1));
    appendFileSync(path, lines(30, 1));
    assert.deepEqual(await next, [20, 21, 22, 30]);
    assert.deepEqual(f.warnings, []);
  } finally {
    await f.stop();
  }
});
