// prec reading what precd and logrotate leave on disk: plain, gzip and multi-frame zstd logs found by
// content, frames cut at the end or in the middle, rotated sets with -a, and lines that are not
// records (garbage, invalid UTF-8), counted on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { end, line, prec, precOk, start, tempDir, text, writeGzip, writePlain, writeZstd, zstdFrames, zstdUnfinishedFrame, PREC_BIN, type Rec } from './prec-cli-fixtures.js';

function cmds(prefix: string, n: number, fromSec: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const s = start(fromSec + i, { argv: [prefix, String(i)] });
    out.push(s, end(s, fromSec + i + 0.5, { exit_status: i % 3 }));
  }
  return out;
}
const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

test('gzip and multi-frame zstd logs are read by content, whatever their name', () => {
  const dir = tempDir();
  const recs = cmds('gz', 4, 0);
  const gz = writeGzip(join(dir, 'looks-plain.log'), recs);
  assert.equal(precOk(['-i', gz, '-f', 'command']), names('gz', 4).join('\n') + '\n');
  const zst = writeZstd(join(dir, 'prec.log.gz'), [cmds('a', 3, 0), cmds('b', 2, 10), cmds('c', 1, 20)]);
  assert.equal(precOk(['-i', zst, '-f', 'command,exit_status']), 'a 0  0\na 1  1\na 2  2\nb 0  0\nb 1  1\nc 0  0\n');
  // logrotate gzipping a zstd log: unwrapped twice
  const both = join(dir, 'prec.log.2.gz');
  writeFileSync(both, gzipSync(zstdFrames([cmds('twice', 2, 0)])));
  assert.equal(precOk(['-i', both, '-f', 'command']), 'twice 0\ntwice 1\n');
});

test('a zstd frame cut at the end yields every complete record before it', () => {
  const dir = tempDir();
  const whole = zstdFrames([cmds('first', 2, 0), cmds('cut', 200, 10)]);
  const log = join(dir, 'prec.log');
  writeFileSync(log, whole.subarray(0, whole.length - 40));
  const r = prec(['-i', log, '-f', 'command']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 2), ['first 0', 'first 1']);
  // every printed row is a complete, in-order one of the cut frame
  assert.deepEqual(lines.slice(2), names('cut', lines.length - 2));
  assert.ok(lines.length > 2);
});

test('a frame cut in the middle (kill -9, then restart) yields its records, a warning, then the next frame', async () => {
  const dir = tempDir();
  const crashed = await zstdUnfinishedFrame([cmds('crashed', 3, 0), cmds('flushed', 2, 100)]);
  const after = zstdFrames([cmds('restarted', 3, 1000)]);
  const log = join(dir, 'prec.log');
  writeFileSync(log, Buffer.concat([crashed, after]));
  const r = prec(['-i', log, '-f', 'command']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [...names('crashed', 3), ...names('flushed', 2), ...names('restarted', 3)].join('\n') + '\n');
  assert.match(r.stderr, /^prec: .*prec\.log.*\n$/);
  // the unfinished frame alone, as precd leaves it while still running: every flushed record
  writeFileSync(log, crashed);
  assert.equal(precOk(['-i', log, '-f', 'command']), [...names('crashed', 3), ...names('flushed', 2)].join('\n') + '\n');
});

test('-a reads rotated siblings oldest first: numbered, compressed or not, then the log', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeZstd(join(dir, 'prec.log.3.gz'), [cmds('three', 1, 0)]); // zstd content despite the name
  writeGzip(join(dir, 'prec.log.2.gz'), cmds('two', 1, 10));
  writePlain(join(dir, 'prec.log.1'), cmds('one', 1, 20));
  writeZstd(log, [cmds('current', 1, 30)]);
  writePlain(join(dir, 'other.log.1'), cmds('unrelated', 1, 40));
  assert.equal(precOk(['-i', log, '-a', '-f', 'command']), 'three 0\ntwo 0\none 0\ncurrent 0\n');
  assert.equal(precOk(['-i', log, '-f', 'command']), 'current 0\n');
  // -n counts over all files
  assert.equal(precOk(['-i', log, '--all-logs', '-n', '2', '-f', 'command']), 'one 0\ncurrent 0\n');
});

test('-a with dated siblings (dateext)', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeGzip(join(dir, 'prec.log-20261120.gz'), cmds('d20', 1, 0));
  writePlain(join(dir, 'prec.log-20261121'), cmds('d21', 1, 10));
  writePlain(log, cmds('now', 1, 20));
  for (const [f, day] of [['prec.log-20261120.gz', 20], ['prec.log-20261121', 21]] as const) {
    const t = new Date(Date.UTC(2026, 10, day));
    utimesSync(join(dir, f), t, t);
  }
  assert.equal(precOk(['-i', log, '-a', '-f', 'command']), 'd20 0\nd21 0\nnow 0\n');
});

test('a start in one file and its end in the next merge across files with -a', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const s = start(0, { argv: ['spans'] });
  writePlain(join(dir, 'prec.log.1'), [s]);
  writePlain(log, [end(s, 7200, { exit_status: 5 })]);
  assert.equal(precOk(['-i', log, '-a', '-f', 'command,exit_status,duration']), 'spans  5  0000-00-00 02:00:00\n');
  assert.equal(precOk(['-i', join(dir, 'prec.log.1'), '-f', 'command,exit_status']), 'spans  -\n');
  assert.equal(precOk(['-i', log, '-f', 'command']), '');
});

test('garbage and invalid UTF-8 lines are skipped and counted; valid records around them are kept', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const good = cmds('good', 2, 0);
  const parts = [
    Buffer.from(line(good[0]!) + '\n'),
    Buffer.from('garbage line\n'),
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), // {"\xff\xfe"}
    Buffer.from('{"record_type":"nonsense"}\n'),
    Buffer.from(text(good.slice(1))),
  ];
  writeFileSync(log, Buffer.concat(parts));
  const r = prec(['-i', log, '-f', 'command,exit_status']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'good 0  0\ngood 1  1\n');
  assert.equal(r.stderr, 'prec: skipped 3 lines that are not a valid record\n');
});

test('an empty log prints nothing and succeeds in every format', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, '');
  assert.equal(precOk(['-i', log]), '');
  assert.equal(precOk(['-i', log, '-o', 'json']), '');
  assert.equal(precOk(['-i', log, '-o', 'csv']), 'timestamp,user,group,command\n');
});

test('progress shows on a terminal stderr, is cleared at the end, and never shows when stderr is not a terminal', () => {
  const dir = tempDir();
  const log = writeZstd(join(dir, 'prec.log'), [cmds('p', 3000, 0), cmds('q', 3000, 10_000)]);
  const env = { ...process.env, PREC_PROGRESS_AFTER_MS: '0' };
  // `script` gives prec a terminal on stderr; stdout goes to /dev/null so only stderr is captured.
  const tty = spawnSync('script', ['-qec', `"${process.execPath}" "${PREC_BIN}" -A -i "${log}" > /dev/null`, '/dev/null'], { encoding: 'utf8', env });
  assert.equal(tty.status, 0);
  assert.match(tty.stdout, /prec: reading logs: \d+\.\d MiB of \d+\.\d MiB \(\d+%\)/);
  assert.ok(tty.stdout.endsWith('\r\x1b[K'), JSON.stringify(tty.stdout.slice(-40)));
  const piped = prec(['-A', '-i', log], { env });
  assert.equal(piped.status, 0);
  assert.equal(piped.stderr, '');
});
