// PATH folding (SPEC 6) under the real precd: a shell's PATH search writes one record, for the
// attempt that ended it, with the paths tried before in exec_tried; a failed exec that is not part
// of a search is written as before; held failures are not lost at SIGHUP or SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Precd, marker, readLogRecords, recordsFor, type Rec } from '../helpers/precd.js';

let precd: Precd;
let work: string;

before(async () => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'precd-fold-')));
  chmodSync(work, 0o755);
  precd = await Precd.start();
});

after(async () => {
  await precd.stop();
  // event_ids strictly increase in the order written, held records included.
  const seqs = precd.records().filter((r) => r.record_type === 'start' || r.record_type === 'fail').map((r) => Number(String(r.event_id).split('-')[1]));
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `event_id ${seqs[i]} after ${seqs[i - 1]}`);
  await precd.cleanup();
});

/** `env -i PATH=… ARGS`: env finds ARGS[0] with execvp, which tries each PATH entry in order. */
function envWithPath(path: string, args: string[]) {
  return spawnSync('env', ['-i', `PATH=${path}`, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** The records of this type whose argv is exactly `argv` (env's own carries the marker too). */
const withArgv = (recs: Rec[], type: string, argv: string[]) =>
  recs.filter((r) => r.record_type === type && JSON.stringify(r.argv) === JSON.stringify(argv));

test('a PATH search that finds the program: one start with exec_tried, no fail records', async () => {
  const m = marker();
  // ENOENT, ENOTDIR (a file as a PATH entry) and EACCES (a file without x bits: even root gets it).
  const denied = mkdtempSync(join(work, 'denied-'));
  writeFileSync(join(denied, 'basename'), '#!/bin/sh\n', { mode: 0o644 });
  const r = envWithPath(`/nonexistent-${m}:/etc/passwd:${denied}:/usr/bin`, ['basename', m]);
  assert.equal(r.stdout.trim(), m, r.stderr);
  const all = await precd.waitForRecords((recs) => withArgv(recs, 'start', ['basename', m]).length > 0);
  const [s] = withArgv(all, 'start', ['basename', m]);
  assert.equal(s!.exe, realpathSync('/usr/bin/basename'));
  assert.deepEqual(s!.exec_tried, [`/nonexistent-${m}/basename`, '/etc/passwd/basename', join(denied, 'basename')]);
  assert.deepEqual(withArgv(all, 'fail', ['basename', m]), [], 'the attempts have no fail records of their own');
});

test('a PATH search where every attempt fails: one fail record for the last attempt, with exec_tried', async () => {
  const m = marker();
  const r = envWithPath(`/nonexistent1-${m}:/nonexistent2-${m}:/nonexistent3-${m}`, [`prog-${m}`, m]);
  assert.equal(r.status, 127);
  // env exits after its search: its end comes after everything the search wrote.
  const all = await precd.waitForRecords((recs) => recordsFor(recs, m).ends.length >= 1);
  const fails = withArgv(all, 'fail', [`prog-${m}`, m]);
  assert.equal(fails.length, 1, JSON.stringify(fails));
  assert.equal(fails[0]!.exe, `/nonexistent3-${m}/prog-${m}`);
  assert.equal(fails[0]!.exec_errno, 2);
  assert.deepEqual(fails[0]!.exec_tried, [`/nonexistent1-${m}/prog-${m}`, `/nonexistent2-${m}/prog-${m}`]);
  const env = recordsFor(all, m).starts.find((x) => x.comm === 'env')!;
  const end = all.find((x) => x.record_type === 'end' && x.event_id === env.event_id)!;
  assert.ok(all.indexOf(fails[0]!) < all.indexOf(end), 'the failure is written before the end of its process');
});

test('a lone failed exec of a missing program is still a fail record, without exec_tried', async () => {
  const m = marker();
  const missing = join(work, `missing-${m}`);
  assert.match(String(spawnSync(missing, [m]).error), /ENOENT/);
  const all = await precd.waitForRecords((recs) => recordsFor(recs, m).fails.length >= 1);
  const [f] = recordsFor(all, m).fails;
  assert.equal(f!.exe, missing);
  assert.equal('exec_tried' in f!, false);
});

test('a failure held over a SIGHUP (log rotation) is written, once, to the old or the new file', async () => {
  const m = marker();
  const missing = join(work, `hup-${m}`);
  spawnSync(missing, [m]);
  const rotated = `${precd.logPath}.1`;
  renameSync(precd.logPath, rotated);
  precd.child.kill('SIGHUP');
  const inBoth = () => [...readLogRecords(rotated), ...precd.records()];
  for (let i = 0; i < 400 && recordsFor(inBoth(), m).fails.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
  const fails = recordsFor(inBoth(), m).fails;
  assert.equal(fails.length, 1, JSON.stringify(fails));
  assert.equal(fails[0]!.exe, missing);
});

test('SIGTERM right after a failed exec: the held failure is in the log when precd has stopped', async () => {
  const m = marker();
  const missing = join(work, `term-${m}`);
  spawnSync(missing, [m]);
  const r = await precd.stop();
  assert.equal(r.code, 0, precd.stderr);
  const fails = recordsFor(precd.records(), m).fails;
  assert.equal(fails.length, 1, JSON.stringify(fails));
  assert.equal(fails[0]!.exe, missing);
});
