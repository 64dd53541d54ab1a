// prec -F end to end: history (-n), provisional and finalized rows, end-only queries, a writer in
// another process appending and rotating the log, and quiet exits on SIGINT and a closed pipe.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { end, line, loss, start, tempDir, text, zstdFrames, PREC_BIN, type Rec } from './prec-cli-fixtures.js';

const POLL_ENV = { PREC_POLL_MS: '50' };
const followers: Follower[] = [];
// A failed test must not leave its follower running (it would keep the test process alive).
after(() => {
  for (const f of followers) if (f.proc.exitCode === null && f.proc.signalCode === null) f.proc.kill('SIGKILL');
});

class Follower {
  stdout = '';
  stderr = '';
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = POLL_ENV) {
    this.proc = spawn(process.execPath, [PREC_BIN, '-F', ...args], { env: { ...process.env, ...env } });
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    // 'close', not 'exit': only then has all of its output been read.
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve({ code, signal })));
    followers.push(this);
  }

  lines(): string[] {
    return this.stdout.split('\n').filter((l) => l !== '');
  }

  /** Waits (up to a generous limit, not a timing assertion) until `n` lines have been printed. */
  async waitLines(n: number, limitMs = 20_000): Promise<string[]> {
    const until = Date.now() + limitMs;
    while (this.lines().length < n) {
      if (Date.now() > until) throw new Error(`waited for ${n} lines, got:\n${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.lines();
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.kill('SIGINT');
    return this.exited;
  }
}

/** Lets the follower reach the end of the file before the test appends (it prints history then). */
async function ready(f: Follower, historyLines: number): Promise<void> {
  await f.waitLines(historyLines);
  // The history is printed when the follower has caught up; give its watcher a moment to be armed.
  await new Promise((r) => setTimeout(r, 300));
}

test('-n N prints N rows of history, then new starts at once, then exits 0 on SIGINT', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const recs: Rec[] = [];
  for (let i = 0; i < 5; i++) {
    const s = start(i, { argv: ['old', String(i)] });
    recs.push(s, end(s, i + 0.5));
  }
  writeFileSync(log, text(recs));
  const f = new Follower(['-i', log, '-n', '2', '-f', 'command']);
  await ready(f, 2);
  assert.deepEqual(f.lines(), ['old 3', 'old 4']);
  appendFileSync(log, line(start(10, { argv: ['new', 'one'] })) + '\n');
  assert.deepEqual(await f.waitLines(3), ['old 3', 'old 4', 'new one']);
  const { code } = await f.stop();
  assert.equal(code, 0);
  assert.equal(f.stderr, '');
});

test('without -n nothing of the history is printed', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, text([start(0, { argv: ['before'] })]));
  const f = new Follower(['-i', log, '-f', 'command']);
  await new Promise((r) => setTimeout(r, 800));
  appendFileSync(log, line(start(1, { argv: ['after'] })) + '\n');
  assert.deepEqual(await f.waitLines(1), ['after']);
  assert.equal((await f.stop()).code, 0);
});

test('rows print provisionally and again finalized when end values are shown', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const running = start(0, { argv: ['running'] });
  writeFileSync(log, text([running]));
  const f = new Follower(['-i', log, '-n', '5', '-f', 'command,exit_status,duration']);
  await ready(f, 1);
  assert.deepEqual(f.lines(), ['running  -  -']);
  const s = start(1, { argv: ['quick'] });
  appendFileSync(log, line(s) + '\n');
  await f.waitLines(2);
  appendFileSync(log, line(end(s, 3, { exit_status: 2 })) + '\n' + line(end(running, 5)) + '\n');
  assert.deepEqual(await f.waitLines(4), ['running  -  -', 'quick  -  -', 'quick  2  0000-00-00 00:00:02', 'running  0  0000-00-00 00:00:05']);
  assert.equal((await f.stop()).code, 0);
});

test('a row whose only matching condition is end-only waits for its end', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, '');
  const f = new Follower(['-i', log, '-q', 'exit_status!=0', '-f', 'command,exit_status']);
  await new Promise((r) => setTimeout(r, 800));
  const ok = start(1, { argv: ['ok'] });
  const bad = start(2, { argv: ['bad'] });
  appendFileSync(log, line(ok) + '\n' + line(bad) + '\n');
  appendFileSync(log, line(end(ok, 3)) + '\n' + line(end(bad, 4, { exit_status: 1 })) + '\n');
  const marker = start(5, { argv: ['marker'] });
  appendFileSync(log, line(marker) + '\n' + line(end(marker, 6, { exit_status: 9 })) + '\n');
  assert.deepEqual(await f.waitLines(2), ['bad  1', 'marker  9']);
  assert.equal((await f.stop()).code, 0);
});

test('history with an end-only query: the last N finished matches, then a history command ending live', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const recs: Rec[] = [];
  for (let i = 0; i < 6; i++) {
    const s = start(i, { argv: ['h', String(i)] });
    recs.push(s, end(s, i + 0.5, { exit_status: i % 2 }));
  }
  const longRunning = start(10, { argv: ['long'] });
  recs.push(longRunning);
  writeFileSync(log, text(recs));
  const f = new Follower(['-i', log, '-n', '2', '-q', 'exit_status!=0', '-f', 'command,exit_status']);
  await ready(f, 2);
  assert.deepEqual(f.lines(), ['h 3  1', 'h 5  1']);
  appendFileSync(log, line(end(longRunning, 20, { exit_status: 2 })) + '\n');
  assert.deepEqual(await f.waitLines(3), ['h 3  1', 'h 5  1', 'long  2']);
  assert.equal((await f.stop()).code, 0);
});

test('-a with -n takes history from the rotated logs too', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(join(dir, 'prec.log.1'), text([start(0, { argv: ['rotated', 'a'] }), start(1, { argv: ['rotated', 'b'] })]));
  writeFileSync(log, text([start(2, { argv: ['current'] })]));
  const f = new Follower(['-i', log, '-a', '-n', '2', '-f', 'command']);
  await ready(f, 2);
  assert.deepEqual(f.lines(), ['rotated b', 'current']);
  appendFileSync(log, line(start(3, { argv: ['live'] })) + '\n');
  assert.deepEqual(await f.waitLines(3), ['rotated b', 'current', 'live']);
  assert.equal((await f.stop()).code, 0);
});

test('follow output formats: json lines and csv with its header', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, '');
  const j = new Follower(['-i', log, '-o', 'json', '-f', 'pid,command']);
  const c = new Follower(['-i', log, '-o', 'csv', '-f', 'pid,command']);
  await new Promise((r) => setTimeout(r, 800));
  const s = start(1, { argv: ['=1+1'], pid: 4242 });
  appendFileSync(log, line(s) + '\n');
  assert.deepEqual(await j.waitLines(1), ['{"pid":4242,"command":"=1+1"}']);
  assert.deepEqual(await c.waitLines(2), ['pid,command', "4242,'=1+1"]);
  assert.equal((await j.stop()).code, 0);
  assert.equal((await c.stop()).code, 0);
});

test('loss rows the query hides: one stderr line for the history, then one per loss as it arrives', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, text([start(0, { argv: ['old'] }), loss(1, 5, 5), loss(2, 6, 11)]));
  const f = new Follower(['-i', log, '-n', '5', '-q', 'user=alice', '-f', 'command']);
  await ready(f, 1);
  const hint = "add '|| record_type=loss' to see them";
  assert.equal(f.stderr, `prec: 2 loss records (11 events dropped) in the logs read are not shown by the query; ${hint}\n`);
  appendFileSync(log, line(loss(3, 7, 18)) + '\n' + line(start(4, { argv: ['new'] })) + '\n');
  assert.deepEqual(await f.waitLines(2), ['old', 'new']);
  assert.equal((await f.stop()).code, 0);
  assert.equal(
    f.stderr,
    `prec: 2 loss records (11 events dropped) in the logs read are not shown by the query; ${hint}\n` +
      `prec: a loss record (7 events dropped) arrived that the query does not show; ${hint}\n`,
  );
  assert.ok(!f.stdout.includes('loss'));
});

test('a writer in another process appends and rotates: nothing lost, nothing repeated', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, '');
  const f = new Follower(['-i', log, '-A', '-f', 'command']);
  await new Promise((r) => setTimeout(r, 800));
  const recs: string[] = [];
  for (let i = 0; i < 300; i++) recs.push(line(start(i / 10, { argv: ['n', String(i)] })));
  const recFile = join(dir, 'records.json');
  writeFileSync(recFile, JSON.stringify(recs));
  const script = `
    const fs = require('node:fs');
    const recs = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
    const log = process.argv[2];
    (async () => {
      for (let i = 0; i < recs.length; i++) {
        if (i === 150) { fs.renameSync(log, log + '.1'); fs.writeFileSync(log, ''); }
        fs.appendFileSync(log, recs[i] + '\\n');
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 30));
      }
    })();`;
  const w = spawnSync(process.execPath, ['-e', script, recFile, log], { encoding: 'utf8' });
  assert.equal(w.status, 0, w.stderr);
  const got = await f.waitLines(300);
  assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => `n ${i}`));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(f.lines().length, 300);
  assert.equal((await f.stop()).code, 0);
});

test('a truncated log is followed from its new start', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, text([start(0, { argv: ['before', 'truncation'] }), start(1, { argv: ['padding', 'x'.repeat(200)] })]));
  const f = new Follower(['-i', log, '-n', '1', '-f', 'command']);
  await ready(f, 1);
  writeFileSync(log, ''); // copytruncate
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync(log, line(start(2, { argv: ['after'] })) + '\n');
  assert.deepEqual(await f.waitLines(2), [`padding ${'x'.repeat(200)}`, 'after']);
  assert.equal((await f.stop()).code, 0);
});

test('a zstd log gets new frames while followed', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, zstdFrames([[start(0, { argv: ['frame', '1'] })]]));
  const f = new Follower(['-i', log, '-n', '10', '-f', 'command']);
  await ready(f, 1);
  appendFileSync(log, zstdFrames([[start(1, { argv: ['frame', '2'] }), start(2, { argv: ['frame', '2b'] })]]));
  assert.deepEqual(await f.waitLines(3), ['frame 1', 'frame 2', 'frame 2b']);
  assert.equal((await f.stop()).code, 0);
});

test('follow into a closed pipe ends quietly with status 0 at the next write', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, text([start(0, { argv: ['one'] }), start(1, { argv: ['two'] })]));
  const statusFile = join(dir, 'status');
  const sh = spawn('bash', ['-c', `"${process.execPath}" "${PREC_BIN}" -F -n 2 -i "${log}" -f command | head -1; echo "\${PIPESTATUS[0]}" > "${statusFile}"`], {
    env: { ...process.env, ...POLL_ENV },
  });
  let out = '';
  sh.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<void>((resolve) => sh.on('close', () => resolve()));
  // head has printed its line and gone; the next row prec writes meets the closed pipe.
  const until = Date.now() + 20_000;
  while (out === '' && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 5; i++) appendFileSync(log, line(start(2 + i, { argv: ['more'] })) + '\n');
  await done;
  assert.equal(out, 'one\n');
  assert.equal(readFileSync(statusFile, 'utf8'), '0\n');
});

test('two rotations while prec -F is stopped: the file current only in between is printed, every marker once, in order', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const marker = (sec: number, name: string): string => line(start(sec, { argv: ['marker', name] })) + '\n';
  writeFileSync(`${log}.1`, marker(0, 'history'));
  writeFileSync(log, marker(1, 'a1'));
  // A long poll interval, and the follower stopped (SIGSTOP) while the log is rotated twice:
  // both rotations fall between two of its looks at the path, whatever the machine's speed.
  const f = new Follower(['-i', log, '-n', '10', '-f', 'command'], { PREC_POLL_MS: '5000' });
  await ready(f, 1);
  f.proc.kill('SIGSTOP');
  try {
    appendFileSync(log, marker(2, 'a2'));
    // logrotate (numbered, create) and precd reopening, twice; each file gets its own markers.
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, marker(3, 'b1') + marker(4, 'b2'));
    renameSync(`${log}.2`, `${log}.3`);
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, marker(5, 'c1'));
  } finally {
    f.proc.kill('SIGCONT');
  }
  const want = ['a1', 'a2', 'b1', 'b2', 'c1'].map((m) => `marker ${m}`);
  assert.deepEqual(await f.waitLines(5), want);
  appendFileSync(log, marker(6, 'c2'));
  assert.deepEqual(await f.waitLines(6), [...want, 'marker c2']);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(f.lines().length, 6);
  assert.equal((await f.stop()).code, 0);
  assert.equal(f.stderr, '');
});
