// logrotate/prec, run by the real logrotate against a running precd in the middle of an exec storm:
// nothing is lost or duplicated across the rotation, the rotated file is not compressed again, the
// new file gets the declared owner and mode, and `prec -a` reads both files in time order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Precd, REPO_ROOT, marker, readLogRecords, sleep, type Rec } from '../helpers/precd.js';

const RULES_PATH = join(REPO_ROOT, 'logrotate', 'prec');
const rules = readFileSync(RULES_PATH, 'utf8');
const PREC_BIN = join(REPO_ROOT, 'bin', 'prec.js');

/** The directives of the (single) block, comments and scripts left out. */
function directives(text: string): string[] {
  const body = /\{([\s\S]*)\}/.exec(text)?.[1] ?? '';
  const noScripts = body.replace(/\n\s*(postrotate|prerotate|firstaction|lastaction)\b[\s\S]*?\n\s*endscript/g, '\n');
  return noScripts
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

test('the rules rotate daily, keep a long history, never re-compress, and create the log 0640 root root', () => {
  const d = directives(rules);
  assert.match(rules, /^\/var\/log\/prec\/prec\.log \{/m, 'rotates the default log_path');
  assert.ok(d.includes('daily'));
  const rotate = d.map((x) => /^rotate (\d+)$/.exec(x)).find(Boolean);
  assert.ok(rotate && Number(rotate[1]) >= 365, 'rotate keeps at least a year of daily files');
  assert.ok(d.includes('nocompress') && !d.includes('compress') && !d.includes('delaycompress'));
  assert.ok(d.includes('create 0640 root root'));
  assert.ok(!d.includes('copytruncate'), 'copytruncate loses what precd writes during the copy');
  assert.match(rules, /postrotate[\s\S]*kill -HUP[\s\S]*endscript/);
  assert.match(rules, /^# .*[Rr]etention/m, 'a comment explains the retention');
});

const noLogrotate = spawnSync('sh', ['-c', 'command -v logrotate']).status !== 0 ? 'needs logrotate (Debian package logrotate)' : undefined;

test('a forced rotation in the middle of an exec storm loses and duplicates nothing; prec -a reads it in order', { skip: noLogrotate }, async (t) => {
  const p = await Precd.start();
  t.after(() => p.cleanup());

  // The shipped rules with this precd's paths. Its systemd branch must not reach a precd.service
  // that may run on this host, so the unit name is one that does not exist.
  const conf = rules
    .replaceAll('/var/log/prec/prec.log', p.logPath)
    .replaceAll('/run/precd.lock', p.lockPath)
    .replaceAll('precd.service', `prec-test-absent-${process.pid}.service`);
  assert.notEqual(conf, rules);
  const confPath = join(p.dir, 'logrotate.conf');
  writeFileSync(confPath, conf, { mode: 0o644 });
  const statePath = join(p.dir, 'logrotate.state');

  // The storm: one short-lived program per iteration, each with a numbered marker, until told to stop.
  const tag = marker('rot');
  const stopFile = join(p.dir, 'stop-storm');
  const storm = spawn('sh', ['-c', `i=0; while [ ! -e "$1" ]; do i=$((i+1)); /bin/true "$2-$i"; done; echo $i`, 'storm', stopFile, tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stormOut = '';
  storm.stdout.setEncoding('utf8').on('data', (d: string) => (stormOut += d));
  // 'close', not 'exit': the storm's count arrives on stdout as it exits.
  const stormDone = new Promise<void>((resolve) => storm.on('close', () => resolve()));
  t.after(() => {
    if (storm.exitCode === null) storm.kill('SIGKILL');
  });

  const isMark = (r: Rec) => r.record_type === 'start' && Array.isArray(r.argv) && String((r.argv as string[])[1]).startsWith(`${tag}-`);
  const marksIn = (path: string) => readLogRecords(path).filter(isMark).length;

  await p.waitForRecords((recs) => recs.filter(isMark).length >= 1000, 60_000);
  const lr = spawnSync('logrotate', ['-f', '-s', statePath, confPath], { encoding: 'utf8' });
  assert.equal(lr.status, 0, `logrotate: ${lr.stdout}${lr.stderr}`);
  // The storm goes on into the new file before it is stopped.
  const deadline = Date.now() + 60_000;
  while (marksIn(p.logPath) < 1000) {
    assert.ok(p.running, `precd exited: ${p.stderr}`);
    assert.ok(Date.now() < deadline, `no markers in the new log after rotation: ${p.stderr}`);
    await sleep(50);
  }
  writeFileSync(stopFile, '');
  await stormDone;
  const count = Number(stormOut.trim());
  assert.ok(count >= 2000, `storm ran ${count} programs`);

  const rotated = `${p.logPath}.1`;
  // Every marker's start and end is written by now (or precd lost them: then this fails).
  const allIn = () => [...readLogRecords(rotated), ...readLogRecords(p.logPath)];
  const ends = () => {
    const recs = allIn();
    const ids = new Set(recs.filter(isMark).map((r) => r.event_id));
    return recs.filter((r) => r.record_type === 'end' && ids.has(r.event_id)).length;
  };
  const waitEnd = Date.now() + 60_000;
  while (ends() < count && Date.now() < waitEnd) await sleep(100);
  const stopped = await p.stop();
  assert.equal(stopped.code, 0, p.stderr);

  // The files: the rotated one as precd wrote it (zstd, not wrapped in gzip), nothing else made.
  const siblings = readdirSync(dirname(p.logPath)).sort();
  assert.deepEqual(siblings, [basename(p.logPath), basename(rotated)], 'one rotated file, no .gz');
  assert.equal(readFileSync(rotated).readUInt32LE(0), 0xfd2fb528, 'rotated file is precd zstd output, not recompressed');
  const st = statSync(p.logPath);
  assert.equal(st.mode & 0o777, 0o640, 'new log 0640');
  assert.equal(st.uid, 0);
  assert.equal(st.gid, 0);

  // Exactly once each, across both files, with one end each; and both files have some.
  const before = readLogRecords(rotated).filter(isMark);
  const after = readLogRecords(p.logPath).filter(isMark);
  assert.ok(before.length >= 1000 && after.length >= 1000, `${before.length} before, ${after.length} after rotation`);
  const seen = new Map<number, number>();
  for (const r of [...before, ...after]) {
    const n = Number((r.argv as string[])[1]!.slice(tag.length + 1));
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const missing: number[] = [];
  const twice: number[] = [];
  for (let i = 1; i <= count; i++) {
    if (!seen.has(i)) missing.push(i);
    else if (seen.get(i)! > 1) twice.push(i);
  }
  assert.deepEqual({ missing: missing.slice(0, 20), twice: twice.slice(0, 20) }, { missing: [], twice: [] });
  assert.equal(seen.size, count);
  assert.equal(ends(), count, 'one end record per marker');

  // prec -a: the rotated file then the new one, merged, in time (= storm) order.
  const r = spawnSync(
    process.execPath,
    [PREC_BIN, '-a', '-A', '-i', p.logPath, '-q', `argv~=${tag}-`, '-f', 'timestamp,command,exit_status', '--full-time', '-o', 'json', '-n', '0'],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { timestamp: string; command: string; exit_status: number });
  assert.deepEqual(
    rows.map((x) => x.command),
    Array.from({ length: count }, (_, i) => `/bin/true ${tag}-${i + 1}`),
    `prec -a lists every marker once, in order (stderr: ${r.stderr})`,
  );
  assert.ok(rows.every((x) => x.exit_status === 0), 'every row merged with its end');
  // One host clock offset throughout, so RFC3339 strings compare in time order.
  const times = rows.map((x) => x.timestamp);
  assert.deepEqual(times, [...times].sort(), 'timestamps never go back');
  assert.ok(existsSync(statePath), 'logrotate recorded its state');
});

test('postrotate never signals a pid left in a stale lock file (precd not running)', { skip: noLogrotate }, async (t) => {
  const script = /\n\s*postrotate\n([\s\S]*?)\n\s*endscript/.exec(rules)?.[1];
  assert.ok(script, 'a postrotate script');
  const dir = mkdtempSync(join(tmpdir(), 'prec-postrotate-'));
  // An unrelated process whose pid a stale lock file names: SIGHUP would kill it.
  const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => {
    victim.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const lock = join(dir, 'precd.lock');
  writeFileSync(lock, `${victim.pid}\n`);
  const r = spawnSync('sh', ['-c', script.replaceAll('/run/precd.lock', lock).replaceAll('precd.service', `prec-test-absent-${process.pid}.service`)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  await sleep(200);
  assert.equal(victim.exitCode, null, 'the process named by the stale lock is alive');
  assert.equal(victim.signalCode, null);
});
