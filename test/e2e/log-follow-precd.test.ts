// prec -F on what the real precd writes, rotated twice by the real logrotate (the shipped rules)
// between two looks of the follower: the file precd wrote to only in between is printed too.
// The follower is stopped (SIGSTOP) during both rotations, so they fall between two of its looks
// whatever the machine's speed; waits below only guard against a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Precd, REPO_ROOT, marker, readLogRecords, sleep, type Rec } from '../helpers/precd.js';

const PREC_BIN = join(REPO_ROOT, 'bin', 'prec.js');
const noLogrotate = spawnSync('sh', ['-c', 'command -v logrotate']).status !== 0 ? 'needs logrotate (Debian package logrotate)' : undefined;

test('precd rotated twice by logrotate while prec -F is stopped: every marker printed once, in order', { skip: noLogrotate }, async (t) => {
  const p = await Precd.start();
  t.after(() => p.cleanup());
  const conf = readFileSync(join(REPO_ROOT, 'logrotate', 'prec'), 'utf8')
    .replaceAll('/var/log/prec/prec.log', p.logPath)
    .replaceAll('/run/precd.lock', p.lockPath)
    .replaceAll('precd.service', `prec-test-absent-${process.pid}.service`);
  const confPath = join(p.dir, 'logrotate.conf');
  writeFileSync(confPath, conf, { mode: 0o644 });
  const rotate = (): void => {
    const lr = spawnSync('logrotate', ['-f', '-s', join(p.dir, 'logrotate.state'), confPath], { encoding: 'utf8' });
    assert.equal(lr.status, 0, `logrotate: ${lr.stdout}${lr.stderr}`);
  };

  const tag = marker('twice');
  const f = spawn(process.execPath, [PREC_BIN, '-F', '-A', '-i', p.logPath, '-q', `argv~=${tag}-`, '-f', 'command'], {
    env: { ...process.env, PREC_POLL_MS: '5000' },
  });
  let out = '';
  let err = '';
  f.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  f.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<number | null>((resolve) => f.on('close', (code) => resolve(code)));
  t.after(() => {
    if (f.exitCode === null && f.signalCode === null) f.kill('SIGKILL');
  });
  const printed = (): string[] => out.split('\n').filter(Boolean);
  const waitPrinted = async (n: number): Promise<string[]> => {
    const until = Date.now() + 30_000;
    while (printed().length < n) {
      assert.ok(Date.now() < until, `waited for ${n} rows, got:\n${out}\nstderr: ${err}`);
      await sleep(25);
    }
    return printed();
  };
  /** Runs a marked program and waits until precd has written it to the current log. */
  const mark = async (name: string): Promise<void> => {
    assert.equal(spawnSync('/bin/true', [`${tag}-${name}`]).status, 0);
    const has = (recs: Rec[]): boolean => recs.some((r) => Array.isArray(r.argv) && (r.argv as string[])[1] === `${tag}-${name}`);
    await p.waitForRecords(has, 30_000);
  };

  // prec -F has started following (it prints only what comes after it started).
  await sleep(800);
  await mark('a1');
  await waitPrinted(1);
  f.kill('SIGSTOP');
  try {
    await mark('a2');
    rotate();
    await mark('b1');
    await mark('b2');
    rotate();
    await mark('c1');
    // precd wrote to three files meanwhile: prec.log.2, prec.log.1 and prec.log.
    assert.equal(readLogRecords(`${p.logPath}.1`).filter((r) => String((r.argv as string[] | undefined)?.[1]).startsWith(`${tag}-b`)).length, 2);
  } finally {
    f.kill('SIGCONT');
  }
  const want = ['a1', 'a2', 'b1', 'b2', 'c1'].map((m) => `/bin/true ${tag}-${m}`);
  assert.deepEqual(await waitPrinted(5), want);
  await mark('c2');
  assert.deepEqual(await waitPrinted(6), [...want, `/bin/true ${tag}-c2`]);
  f.kill('SIGINT');
  assert.equal(await closed, 0);
  assert.equal(printed().length, 6);
  assert.equal(err, '');
});
