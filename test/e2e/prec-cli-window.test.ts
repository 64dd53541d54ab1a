// prec --since / --until over fixture logs: rows by their start time, every view, local time, caret
// errors, and rotated files wholly outside the window not read at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { end, fail, line, loss, prec, precOk, PREC_BIN, start, tempDir, writeGzip, writePlain, writeZstd, type Rec } from './prec-cli-fixtures.js';

// Fixture times are 2026-11-22T15:00:SS+09:00 for second SS.
const T = (sec: number): string => `2026-11-22T15:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}+09:00`;

function cmds(name: string, from: number, count: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < count; i++) {
    const s = start(from + i * 10, { argv: [`${name}${i}`] });
    out.push(s, end(s, from + i * 10 + 1));
  }
  return out;
}

test('--since and --until select rows by start time in list, tree, json and with a query', () => {
  const dir = tempDir();
  const log = writePlain(join(dir, 'prec.log'), [...cmds('a', 0, 6), fail(25), loss(26, 3, 3)]);
  const win = ['--since', T(10), '--until', T(30)];
  assert.equal(precOk(['-i', log, ...win, '-f', 'command']), 'a1\na2\na3\n./nothere\n-\n');
  assert.equal(precOk(['-i', log, '--since', T(40), '-f', 'command']), 'a4\na5\n');
  assert.equal(precOk(['-i', log, '--until', T(9), '-f', 'command']), 'a0\n');
  assert.equal(precOk(['-i', log, ...win, '-q', 'record_type=command', '-f', 'command']), 'a1\na2\na3\n');
  const json = precOk(['-i', log, ...win, '-q', 'record_type=command', '-o', 'json', '-f', 'command']);
  assert.equal(json, '{"command":"a1"}\n{"command":"a2"}\n{"command":"a3"}\n');
  assert.equal(precOk(['-i', log, ...win, '--tree', '-q', 'record_type=command', '-f', 'command']).split('\n').filter(Boolean).length, 3);
  // -n counts inside the window
  assert.equal(precOk(['-i', log, ...win, '-n', '1', '-q', 'record_type=command', '-f', 'command']), 'a3\n');
});

test('local forms are read in the local time zone; relative forms from now', () => {
  const dir = tempDir();
  const log = writePlain(join(dir, 'prec.log'), cmds('a', 0, 6));
  const env = { TZ: 'Asia/Tokyo' };
  assert.equal(precOk(['-i', log, '--since', '2026-11-22 15:00:20', '--until', '2026-11-22 15:00:30', '-f', 'command'], { env }), 'a2\na3\n');
  assert.equal(precOk(['-i', log, '--since', '2026-11-22 15:01', '-f', 'command'], { env }), '');
  assert.equal(precOk(['-i', log, '--since', '2026-11-22', '--until', '2026-11-22 15:00:05', '-f', 'command'], { env }), 'a0\n');
  assert.equal(precOk(['-i', log, '--since', '-1h', '-f', 'command']), '');
  assert.equal(precOk(['-i', log, '--until', '1 hour ago', '-f', 'command']).split('\n').length, 7);
});

test('a bad time is one error with a caret, exit 1', () => {
  const dir = tempDir();
  const log = writePlain(join(dir, 'prec.log'), cmds('a', 0, 1));
  const r = prec(['-i', log, '--since', '-2 fortnights']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^prec: bad --since: unknown time unit "fortnights" .*\(column 4\)\n {2}-2 fortnights\n {5}\^\n$/);
  const u = prec(['-i', log, '--until', '2026-11-2x']);
  assert.equal(u.status, 1);
  assert.match(u.stderr, /^prec: bad --until: expected a date .*\(column 10\)\n {2}2026-11-2x\n {11}\^\n$/);
  const empty = prec(['-i', log, '--since', 'today', '--until', 'yesterday']);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /^prec: --since today is after --until yesterday/);
});

test('-a with a window reads only the rotated files that may hold it', () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  // The last two files end with a line that is not a record: reading one shows as a skipped line.
  const day = 86_400;
  writeZstd(join(dir, 'prec.log.3.gz'), [cmds('d0-', 0, 2)]);
  writeGzip(join(dir, 'prec.log.2.gz'), cmds('d1-', day, 2));
  writePlain(join(dir, 'prec.log.1'), cmds('d2-', 2 * day, 2));
  appendFileSync(join(dir, 'prec.log.1'), 'garbage 2\n');
  writePlain(log, cmds('d3-', 3 * day, 2));
  appendFileSync(log, 'garbage 3\n');
  const dayOf = (n: number): string => `2026-11-${22 + n}T15:00:00+09:00`;
  const one = prec(['-i', log, '-a', '--since', dayOf(2), '--until', `2026-11-24T15:00:30+09:00`, '-f', 'command']);
  assert.equal(one.stdout, 'd2-0\nd2-1\n');
  assert.equal(one.stderr, 'prec: skipped 1 line that is not a valid record\n', 'only prec.log.1 read');
  const ends = prec(['-i', log, '-a', '--since', dayOf(2), '--until', `2026-11-24T15:00:30+09:00`, '-f', 'command,exit_status']);
  assert.equal(ends.stdout, 'd2-0  0\nd2-1  0\n');
  assert.equal(ends.stderr, 'prec: skipped 2 lines that are not a valid record\n', 'prec.log.1 and, for the ends, the log after it');
  const all = prec(['-i', log, '-a', '-f', 'command']);
  assert.equal(all.stdout.split('\n').length, 9);
  assert.match(all.stderr, /skipped 2 lines/);
});

test('-F with --since and --until: history and live rows inside the window only', async () => {
  const dir = tempDir();
  const log = writePlain(join(dir, 'prec.log'), cmds('h', 0, 4));
  const f = spawn(process.execPath, [PREC_BIN, '-F', '-n', '10', '-i', log, '--since', T(15), '--until', T(45), '-f', 'command'], { env: { ...process.env, PREC_POLL_MS: '50' } });
  let out = '';
  f.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const closed = new Promise<number | null>((r) => f.on('close', (code) => r(code)));
  const waitFor = async (text: string): Promise<void> => {
    for (let i = 0; i < 800 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 25));
  };
  try {
    await waitFor('h3\n');
    await new Promise((r) => setTimeout(r, 300));
    // After the window, then inside it: only the second one shows.
    appendFileSync(log, [start(50, { argv: ['late'] }), start(40, { argv: ['inside'] })].map((r) => line(r) + '\n').join(''));
    await waitFor('inside\n');
  } finally {
    f.kill('SIGINT');
  }
  assert.equal(await closed, 0);
  assert.equal(out, 'h2\nh3\ninside\n');
});

test('a window over rotated zstd, gzip and plain files (files and frames outside it skipped) prints what one plain file of them all prints', async () => {
  const { buildSet, BASE_MS, FILE_S } = await import('../helpers/rotated-set.js');
  const { discoverLogs, readLogLines } = await import('../../src/log/index.js');
  const { writeFileSync } = await import('node:fs');
  const input = buildSet();
  // The same records in one plain file: nothing there is skipped.
  const lines: string[] = [];
  for (const f of await discoverLogs(input, true)) for await (const l of readLogLines(f)) lines.push(l);
  const plain = join(tempDir(), 'all.log');
  writeFileSync(plain, lines.map((l) => `${l}\n`).join(''));
  const at = (s: number): string => new Date(BASE_MS + s * 1000).toISOString();
  const windows = [
    [at(3 * FILE_S + 2400), at(3 * FILE_S + 6000)],
    [at(FILE_S - 30), at(FILE_S + 90)],
    [at(5 * FILE_S + 100), at(7 * FILE_S + 1)],
    [at(8 * FILE_S + 600), at(9 * FILE_S)],
  ];
  let rows = 0;
  for (const [since, until] of windows) {
    for (const extra of [[], ['-f', 'all', '-o', 'json'], ['-q', 'record_type=command && argv~=u1'], ['--tree']]) {
      const win = ['-A', '--since', since!, '--until', until!, ...extra];
      const want = precOk(['-i', plain, ...win]);
      assert.equal(precOk(['-a', '-i', input, ...win]), want, `${win.join(' ')}`);
      rows += want.split('\n').length - 1;
    }
    const stats = ['stats', '-A', '--since', since!, '--until', until!, '-o', 'json'];
    assert.equal(precOk([...stats, '-a', '-i', input]), precOk([...stats, '-i', plain]));
  }
  assert.ok(rows > 100);
});
