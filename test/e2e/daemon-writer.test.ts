// The real precd writing its log: rotation under an exec storm, kill -9 and restart, a full disk
// (small tmpfs), and a second instance. Logs are read back with the stock zstd tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  symlinkSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Precd, REPO_ROOT, marker, readLogRecords, run, runPrecdSync, sleep, type Rec } from '../helpers/precd.js';
import { fillDisk, smallDisk } from '../helpers/disk.js';

/** Runs `/bin/true MARK-i` for i in 0..n-1, one after the other, from a shell loop. */
function storm(mark: string, n: number, pad = ''): Promise<number> {
  const child = spawn('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/true ${mark}-$i ${pad}; i=$((i+1)); done`], {
    stdio: 'ignore',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/** Marker number -> start records carrying it. */
function markerCounts(recs: Rec[], mark: string): Map<number, number> {
  const counts = new Map<number, number>();
  const re = new RegExp(`^${mark}-(\\d+)$`);
  for (const r of recs) {
    if (r.record_type !== 'start' || !Array.isArray(r.argv)) continue;
    const m = re.exec(String((r.argv as string[])[1] ?? ''));
    if (m) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  return counts;
}

/** Text decoded by `zstd -dc` from bytes (tolerant: stops at a cut frame); `ok` when it all decoded. */
function zstdDecode(bytes: Buffer): { records: Rec[]; ok: boolean } {
  const r = spawnSync('zstd', ['-dc'], { input: bytes, maxBuffer: 1 << 30 });
  const lines = r.stdout.toString('utf8').split('\n');
  lines.pop();
  return { records: lines.filter((l) => l).map((l) => JSON.parse(l) as Rec), ok: r.status === 0 };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}


test('rotation during an exec storm: rename + SIGHUP twice, every marker exactly once across the files', async (t) => {
  const precd = await Precd.start();
  t.after(() => precd.cleanup());
  const m = marker('rot');
  const n = 4000;
  const stormDone = storm(m, n);
  const log = precd.logPath;
  const files = [`${log}.2`, `${log}.1`, log];

  await until('first markers logged', () => markerCounts(readLogRecords(log), m).size >= 200);
  renameSync(log, `${log}.2`);
  process.kill(precd.pid, 'SIGHUP');
  await until('markers in the new file', () => existsSync(log) && markerCounts(readLogRecords(log), m).size >= 200);
  renameSync(log, `${log}.1`);
  process.kill(precd.pid, 'SIGHUP');
  assert.equal(await stormDone, 0);

  const all = () => files.flatMap((f) => readLogRecords(f));
  await until('every marker logged', () => markerCounts(all(), m).size === n);
  assert.deepEqual(await precd.stop(), { code: 0, signal: null });

  const recs = all();
  const counts = markerCounts(recs, m);
  for (let i = 0; i < n; i++) assert.equal(counts.get(i), 1, `marker ${i} appears exactly once`);
  for (const f of files) {
    assert.ok(markerCounts(readLogRecords(f), m).size > 0, `${f} holds part of the storm`);
    const r = spawnSync('zstd', ['-t', f]);
    assert.equal(r.status, 0, `${f}: every frame finished: ${r.stderr}`);
    assert.equal(statSync(f).mode & 0o777, 0o640);
  }
  // Each start of the storm has exactly one end, in whichever file it landed.
  const ids = new Set(recs.filter((r) => r.record_type === 'start' && markerCounts([r], m).size === 1).map((r) => r.event_id));
  const ends = recs.filter((r) => r.record_type === 'end' && ids.has(r.event_id));
  assert.equal(ends.length, n);
  assert.equal(new Set(ends.map((r) => r.event_id)).size, n);
  assert.equal(recs.filter((r) => r.record_type === 'loss').length, 0, 'no loss during the test');
  assert.match(precd.stderr, /stopped/);
});

test('kill -9 during a storm: the log reads back up to the last flush, and a restarted precd ends the cut frame and appends', async (t) => {
  const first = await Precd.start();
  t.after(() => first.cleanup());
  const log = first.logPath;
  const m = marker('kill');
  const stormDone = storm(m, 3000);
  await until('markers logged', () => markerCounts(readLogRecords(log), m).size >= 300);
  process.kill(first.pid, 'SIGKILL');
  assert.deepEqual(await first.exited, { code: null, signal: 'SIGKILL' });
  await stormDone;

  const killed = zstdDecode(readFileSync(log));
  assert.equal(killed.ok, false, 'the frame of the killed precd is unfinished');
  const seen = markerCounts(killed.records, m);
  const k = seen.size;
  assert.ok(k >= 300);
  for (let i = 0; i < k; i++) assert.equal(seen.get(i), 1, `flushed marker ${i} is readable exactly once`);

  // Restart on the same log and lock: the kernel released the dead precd's flock.
  const second = await Precd.start({ config: { log_path: log, lock_path: first.lockPath } });
  t.after(() => second.cleanup());
  const m2 = marker('restart');
  assert.equal(await storm(m2, 100), 0);
  await until('the restarted precd logged the new markers', () => markerCounts(readLogRecords(log), m2).size === 100);
  assert.deepEqual(await second.stop(), { code: 0, signal: null });

  // The restarted precd ended the cut frame at its last flush point before appending (issue 20):
  // the stock tool reads the whole log, every flushed marker once, then the new ones.
  const whole = zstdDecode(readFileSync(log));
  assert.equal(whole.ok, true, 'zstd -dc reads the whole log after the restart');
  assert.equal(spawnSync('zstd', ['-tq', log]).status, 0, 'zstd -t passes');
  assert.deepEqual(markerCounts(whole.records, m), seen, 'every flushed marker exactly once, nothing lost');
  const counts = markerCounts(whole.records, m2);
  for (let i = 0; i < 100; i++) assert.equal(counts.get(i), 1);

  // prec itself reads across the cut frame (it resyncs at the next frame) and sees both parts.
  const prec = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'prec.js'), '-i', log, '-A', '-n', '0', '-o', 'json', '-f', 'argv'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  assert.equal(prec.status, 0, prec.stderr);
  const rows = prec.stdout.split('\n').filter((l) => l).map((l) => ({ record_type: 'start', ...JSON.parse(l) }) as Rec);
  // Every flushed marker exactly once. prec may also return complete lines of the block the kill
  // cut short (SPEC 8: every complete record before the cut), which a strict zstd decoder refuses:
  // those too exactly once, and only markers of that storm's first, unbroken run.
  const precCounts = markerCounts(rows, m);
  for (let i = 0; i < k; i++) assert.equal(precCounts.get(i), 1, `flushed marker ${i} read by prec exactly once`);
  for (const [i, n] of precCounts) {
    assert.equal(n, 1, `marker ${i} read by prec exactly once`);
    assert.ok(i < precCounts.size, `marker ${i}: prec's markers are one run from 0, with no gap`);
  }
  assert.equal(markerCounts(rows, m2).size, 100);
});

test('disk full: precd keeps running, reports on stderr, writes a loss record with the count and resumes', async (t) => {
  const mnt = smallDisk(t, '256k');
  const log = join(mnt, 'log', 'prec.log');
  const precd = await Precd.start({ config: { log_path: log, compress: 'no' } });
  t.after(() => precd.cleanup());
  const m = marker('disk');
  run('/bin/true', [`${m}-before`]);
  await until('the first marker', () => readLogRecords(log).some((r) => (r.argv as string[] | undefined)?.[1] === `${m}-before`));

  const filler = fillDisk(mnt);
  const n = 300;
  assert.equal(await storm(`${m}-full`, n, 'x'.repeat(1500)), 0);
  await precd.waitForStderr(/cannot write log .*prec\.log: no space left on device \(ENOSPC\)/, 30_000);
  await sleep(1500); // a retry period passes with the disk still full
  assert.equal(precd.running, true, 'precd does not exit on write errors');

  unlinkSync(filler);
  await precd.waitForStderr(/log .*prec\.log is writable again; wrote a loss record for \d+ records/, 30_000);
  run('/bin/true', [`${m}-after`]);
  await until('the marker after recovery', () => readLogRecords(log).some((r) => (r.argv as string[] | undefined)?.[1] === `${m}-after`));
  assert.deepEqual(await precd.stop(), { code: 0, signal: null });

  assert.equal(precd.stderr.match(/cannot write log/g)?.length, 1, 'reported once for the episode');
  const reported = Number(/wrote a loss record for (\d+) records/.exec(precd.stderr)![1]);
  const recs = readLogRecords(log); // compress = "no": every line must be a whole JSON record
  const idx = (pred: (r: Rec) => boolean) => recs.findIndex(pred);
  const iBefore = idx((r) => (r.argv as string[] | undefined)?.[1] === `${m}-before`);
  const iLoss = idx((r) => r.record_type === 'loss' && r.lost_samples === reported);
  const iAfter = idx((r) => (r.argv as string[] | undefined)?.[1] === `${m}-after`);
  assert.ok(iBefore >= 0 && iLoss > iBefore && iAfter > iLoss, `before < loss(${reported}) < after: ${iBefore} ${iLoss} ${iAfter}`);
  const loss = recs[iLoss]!;
  assert.ok((loss.lost_samples_total as number) >= reported);
  const written = markerCounts(recs, `${m}-full`).size;
  assert.ok(written + reported >= n, `every storm record is written or counted: ${written} + ${reported} >= ${n}`);
  assert.ok(written < n, 'the storm really hit the full disk');
});

test('a second precd refuses to start and names the running pid', async (t) => {
  const precd = await Precd.start();
  t.after(() => precd.cleanup());
  const r = runPrecdSync(['-c', precd.configPath]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^precd: another precd is already running \\(pid ${precd.pid}, lock ${precd.lockPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)\n$`));
  assert.equal(readFileSync(precd.lockPath, 'utf8').trim(), String(precd.pid));
  assert.equal(precd.running, true);
  const m = marker('still');
  run('/bin/true', [m]);
  await precd.waitForRecords((recs) => recs.some((x) => (x.argv as string[] | undefined)?.[1] === m)); // the first one still logs
});

test('a log directory that cannot be created stops precd at once with one clear line, before loading BPF', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'precd-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'afile'), 'x');
  const cases: [string, string][] = [
    // /proc refuses mkdir with ENOENT: node's recursive mkdir retried that forever (100% CPU, never ready).
    ['/proc/1/nope/prec.log', 'cannot create log directory /proc/1/nope: no such file or directory (ENOENT)'],
    // a parent that is a regular file: "not a directory", not the misleading EEXIST.
    [join(dir, 'afile', 'sub', 'prec.log'), `cannot create log directory ${join(dir, 'afile', 'sub')}: not a directory (ENOTDIR)`],
    [join(dir, 'afile', 'prec.log'), `cannot create log directory ${join(dir, 'afile')}: not a directory (ENOTDIR)`],
  ];
  for (const [logPath, message] of cases) {
    const conf = join(dir, 'precd.conf');
    writeFileSync(conf, `log_path = ${JSON.stringify(logPath)}\nlock_path = ${JSON.stringify(join(dir, 'precd.lock'))}\n`);
    const r = runPrecdSync(['-c', conf], 20_000);
    assert.equal(r.signal, null, `precd did not exit for ${logPath} (killed by the test timeout)`);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `precd: ${message}\n`);
  }
});

test('a log or lock that is a link, a fifo, a directory or another user\'s file stops precd at once with one clear line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'precd-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'target'), 'precious\n');
  symlinkSync(join(dir, 'target'), join(dir, 'link.log'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.log'));
  spawnSync('mkfifo', [join(dir, 'fifo.log')]);
  mkdirSync(join(dir, 'dir.log'));
  writeFileSync(join(dir, 'theirs.log'), '');
  chmodSync(join(dir, 'theirs.log'), 0o666);
  chownSync(join(dir, 'theirs.log'), 65534, 65534);
  mkdirSync(join(dir, 'open'));
  chmodSync(join(dir, 'open'), 0o777);
  const lock = join(dir, 'precd.lock');
  const cases: [string, string, string][] = [
    [join(dir, 'link.log'), lock, `log ${join(dir, 'link.log')} is a symbolic link; refusing it`],
    [join(dir, 'dangling.log'), lock, `log ${join(dir, 'dangling.log')} is a symbolic link; refusing it`],
    [join(dir, 'fifo.log'), lock, `log ${join(dir, 'fifo.log')} is a fifo, not a regular file; refusing it`],
    [join(dir, 'dir.log'), lock, `log ${join(dir, 'dir.log')} is a directory; refusing it`],
    [join(dir, 'theirs.log'), lock, `log ${join(dir, 'theirs.log')} is owned by uid 65534, not by root; refusing it`],
    [join(dir, 'open', 'prec.log'), lock, `log directory ${join(dir, 'open')} is writable by others and not sticky and owned by root; refusing it`],
    [join(dir, 'ok.log'), join(dir, 'link.log'), `lock ${join(dir, 'link.log')} is a symbolic link; refusing it`],
  ];
  for (const [logPath, lockPath, message] of cases) {
    const conf = join(dir, 'precd.conf');
    writeFileSync(conf, `log_path = ${JSON.stringify(logPath)}\nlock_path = ${JSON.stringify(lockPath)}\n`);
    const r = runPrecdSync(['-c', conf], 20_000);
    assert.equal(r.signal, null, `precd did not exit for ${logPath}`);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `precd: ${message}\n`);
  }
  assert.equal(readFileSync(join(dir, 'target'), 'utf8'), 'precious\n');
  assert.equal(statSync(join(dir, 'theirs.log')).size, 0);
  assert.equal(existsSync(join(dir, 'nowhere')), false);
});

/** What the stock tool decodes of a log (tolerant: stops at a cut frame); `ok` when it all decoded. */
function stockDecode(compress: 'zstd' | 'gz', path: string): { records: Rec[]; ok: boolean } {
  const r = spawnSync(compress === 'zstd' ? 'zstdcat' : 'zcat', [path], { maxBuffer: 1 << 30 });
  const lines = r.stdout.toString('utf8').split('\n');
  lines.pop();
  return { records: lines.filter((l) => l).map((l) => JSON.parse(l) as Rec), ok: r.status === 0 };
}

for (const compress of ['zstd', 'gz'] as const) {
  test(`${compress}: kill -9 at random points under a storm, 10 times: stock tools read every flushed record after the restarts`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'precd-kill-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = { log_path: join(dir, 'prec.log'), lock_path: join(dir, 'precd.lock'), compress };
    const flushed = new Map<string, number>(); // storm marker -> markers the stock tool read after its kill
    for (let round = 0; round < 10; round++) {
      const precd = await Precd.start({ config });
      t.after(() => precd.cleanup());
      const m = marker(`k${round}x`);
      const stormDone = storm(m, 400);
      await sleep(Math.floor(Math.random() * 1500));
      process.kill(precd.pid, 'SIGKILL');
      await precd.exited;
      await stormDone;
      const seen = markerCounts(stockDecode(compress, config.log_path).records, m);
      for (const [i, n] of seen) assert.equal(n, 1, `round ${round}: marker ${i} once`);
      flushed.set(m, seen.size);
    }
    const last = await Precd.start({ config });
    t.after(() => last.cleanup());
    assert.deepEqual(await last.stop(), { code: 0, signal: null });
    const test = spawnSync(compress === 'zstd' ? 'zstd' : 'gzip', ['-t', config.log_path], { encoding: 'utf8' });
    assert.equal(test.status, 0, test.stderr);
    const all = stockDecode(compress, config.log_path);
    assert.equal(all.ok, true);
    for (const [m, k] of flushed) {
      const counts = markerCounts(all.records, m);
      for (let i = 0; i < k; i++) assert.equal(counts.get(i), 1, `${m}: flushed marker ${i} read back once`);
      for (const [i, n] of counts) assert.equal(n, 1, `${m}: marker ${i} once`);
    }
  });
}
