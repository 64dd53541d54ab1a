// prec decompresses regular-file logs on a worker thread (src/log/worker.ts): what it prints must
// be exactly what the main-thread reader (PREC_NO_WORKER=1) prints, stdout and stderr, for every
// kind of log it reads: compressed, plain, damaged, with garbage, rotated sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { end, line, prec, start, tempDir, text, zstdFrames, zstdUnfinishedFrame, type Rec } from './prec-cli-fixtures.js';

function cmds(prefix: string, n: number, fromSec: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const s = start(fromSec + i * 0.001, { argv: [prefix, String(i)], user: i % 7 === 0 ? 'nginx' : 'root' });
    out.push(s, end(s, fromSec + i * 0.001 + 0.5, { exit_status: i % 3 }));
  }
  return out;
}

/** Runs prec with the worker (forced on small files) and without; both runs must agree. */
function sameBothWays(args: readonly string[]): string {
  const worker = prec(args, { env: { PREC_WORKER_MIN_BYTES: '0', PREC_NO_WORKER: '' } });
  const main = prec(args, { env: { PREC_NO_WORKER: '1' } });
  assert.equal(worker.stdout, main.stdout);
  assert.equal(worker.stderr, main.stderr);
  assert.equal(worker.status, main.status);
  return worker.stdout + worker.stderr;
}

const QUERIES: readonly (readonly string[])[] = [
  ['-o', 'json'],
  ['-q', 'user=nginx', '-o', 'json'],
  ['-f', 'command,exit_status,duration'],
];

function checkAll(path: string, extra: readonly string[] = []): string {
  let seen = '';
  for (const q of QUERIES) seen += sameBothWays(['-A', '-i', path, ...extra, ...q]);
  return seen;
}

test('a multi-frame zstd log (several MiB decoded) prints the same with and without the worker', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  // Big enough for many 1 MiB chunks to cross the thread boundary, and the in-flight limit to bite.
  writeFileSync(log, zstdFrames([cmds('a', 6000, 0), cmds('b', 6000, 100), cmds('c', 3, 200)]));
  const out = checkAll(log);
  assert.match(out, /"command":"a 5999"/);
  assert.match(out, /c 2/);
});

test('a gzip log and a plain log print the same with and without the worker', () => {
  const dir = tempDir();
  const gz = join(dir, 'prec.log.1.gz');
  writeFileSync(gz, gzipSync(text(cmds('gz', 3000, 0))));
  assert.match(checkAll(gz), /gz 2999/);
  const plain = join(dir, 'plain.log');
  writeFileSync(plain, text(cmds('plain', 50, 0)));
  assert.match(checkAll(plain), /plain 49/);
});

test('a zstd frame cut mid-frame then a new frame: same records and the same damage warning', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const crashed = await zstdUnfinishedFrame([cmds('crashed', 300, 0), cmds('flushed', 2, 100)]);
  writeFileSync(log, Buffer.concat([crashed, zstdFrames([cmds('restarted', 3, 1000)])]));
  const out = checkAll(log);
  assert.match(out, /damaged zstd frame/);
  assert.match(out, /restarted 2/);
});

test('garbage lines are skipped and counted the same with and without the worker', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  const recs = cmds('ok', 20, 0);
  const body = [line(recs[0]!), 'not json at all', '{"record_type":"start"}', ...recs.slice(1).map(line), '\xff\xfe garbage'].join('\n') + '\n';
  // latin1: '\xff\xfe' become those two bytes, a line that is not valid UTF-8.
  writeFileSync(log, Buffer.from(body, 'latin1'));
  const out = checkAll(log);
  assert.match(out, /skipped 3 lines that are not a valid record/);
  const zst = join(dir, 'garbage.zst');
  writeFileSync(zst, Buffer.concat([zstdFrames([recs.slice(0, 10)]), Buffer.from('garbage between frames\n'), zstdFrames([recs.slice(10)])]));
  checkAll(zst);
});

test('--all-logs over a rotated set (zstd, gzip, plain) prints the same with and without the worker', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(join(dir, 'prec.log.3.gz'), gzipSync(zstdFrames([cmds('three', 500, 0)])));
  writeFileSync(join(dir, 'prec.log.2.gz'), gzipSync(text(cmds('two', 500, 1000))));
  writeFileSync(join(dir, 'prec.log.1'), text(cmds('one', 500, 2000)));
  writeFileSync(log, zstdFrames([cmds('current', 500, 3000)]));
  const out = checkAll(log, ['-a']);
  for (const name of ['three', 'two', 'one', 'current']) assert.match(out, new RegExp(`${name} 499`));
});
