// --since/--until on `prec hunt` and `prec verify` over fixture logs (verify's sealed by the Sealer
// precd runs), and the progress line of hunt and verify: on a terminal's stderr, never on a pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZERO_CHAIN } from '../../src/seal/chain.js';
import { ZERO_MAC } from '../../src/seal/record.js';
import { Sealer } from '../../src/seal/sealer.js';
import { at, end, line, prec, precOk, PREC_BIN, start, tempDir, writePlain, type Rec } from './prec-cli-fixtures.js';

// Fixture times are 2026-11-22T15:00:00+09:00 plus seconds.
const DAY = 86_400;

function cmds(name: string, from: number, count: number, step = 10): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < count; i++) {
    const s = start(from + i * step, { argv: ['/bin/echo', `${name}${i}`] });
    out.push(s, end(s, from + i * step + 1));
  }
  return out;
}

const RULE_ID = '4f2c6a57-0d1e-4b8e-9a51-7c1b7f0e2d11';

function ruleFile(dir: string): string {
  const path = join(dir, 'rule.yml');
  writeFileSync(
    path,
    [
      'title: Echo Of A Marker',
      `id: ${RULE_ID}`,
      'status: test',
      'level: high',
      'logsource: { category: process_creation, product: linux }',
      'detection:',
      '  sel:',
      '    CommandLine|contains: "evil"',
      '  condition: sel',
      '',
    ].join('\n'),
  );
  return path;
}

interface Hit {
  rule_id: string;
  row: { command: string };
}

test('prec hunt --since/--until: hits by start time, rotated files wholly outside not read, caret errors', () => {
  const dir = tempDir();
  const rules = ruleFile(dir);
  const log = join(dir, 'prec.log');
  writePlain(join(dir, 'prec.log.1'), cmds('evil-old', 0, 2));
  appendFileSync(join(dir, 'prec.log.1'), 'garbage\n');
  writePlain(log, [...cmds('first', DAY, 1), ...cmds('evil', DAY + 100, 6), ...cmds('fine', DAY + 105, 6)]);
  const hunt = (...args: string[]): Hit[] =>
    precOk(['hunt', '-i', log, '--rules', rules, '-o', 'json', ...args]).trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Hit);
  const commands = (hits: Hit[]): string[] => hits.map((h) => h.row.command);
  const since = at(DAY + 110);
  const until = at(DAY + 130);
  assert.deepEqual(commands(hunt('--since', since, '--until', until)), ['/bin/echo evil1', '/bin/echo evil2', '/bin/echo evil3']);
  assert.deepEqual(commands(hunt('--since', at(DAY + 140))), ['/bin/echo evil4', '/bin/echo evil5']);
  assert.ok(hunt().every((h) => h.rule_id === RULE_ID));
  // A query and the window together.
  assert.deepEqual(commands(hunt('--until', until, '-q', 'argv~=evil2')), ['/bin/echo evil2']);
  // Text and --tree keep the window.
  const text = precOk(['hunt', '-i', log, '--rules', rules, '--since', since, '--until', until]);
  assert.match(text, /hits 3 /);
  assert.doesNotMatch(text, /evil0|evil4/);
  const tree = precOk(['hunt', '-i', log, '--rules', rules, '--since', since, '--until', until, '--tree']);
  assert.equal(tree.match(/evil\d/g)?.length, 3, tree);
  // -a: the rotated file (a day earlier, ending with a line that is not a record) is read only when the window reaches it.
  const all = prec(['hunt', '-a', '-i', log, '--rules', rules, '-o', 'json']);
  assert.equal(all.stdout.trimEnd().split('\n').length, 8);
  assert.equal(all.stderr, 'prec: skipped 1 line that is not a valid record\n');
  const windowed = prec(['hunt', '-a', '-i', log, '--rules', rules, '-o', 'json', '--since', at(DAY + 61)]);
  assert.equal(windowed.stdout.trimEnd().split('\n').length, 6);
  assert.equal(windowed.stderr, '', 'prec.log.1 not read');
  // Bad times: one error with a caret, exit 1.
  const bad = prec(['hunt', '-i', log, '--rules', rules, '--until', '2026-11-2x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^prec: bad --until: expected a date .*\(column 10\)\n {2}2026-11-2x\n {11}\^\n$/);
  const rel = prec(['hunt', '-i', log, '--rules', rules, '--since', '-2 fortnights']);
  assert.equal(rel.status, 1);
  assert.match(rel.stderr, /^prec: bad --since: unknown time unit "fortnights"/);
});

/** Three daily files as precd writes them with a key: an opening seal, records, a closing seal each. */
function sealedLogs(dir: string, key?: Buffer): string {
  let now = 0;
  const sealer = new Sealer({
    state: key && { epoch: 0, key, sealSeq: 0, chain: ZERO_CHAIN, mac: ZERO_MAC },
    persist: () => {},
    now: () => at(now),
    report: () => {},
  });
  const names = ['prec.log.2', 'prec.log.1', 'prec.log'];
  for (const [day, name] of names.entries()) {
    const lines: string[] = [];
    const out = { write: (l: string): number => lines.push(l) };
    now = day * DAY;
    sealer.opened(out);
    sealer.committed();
    for (const r of cmds(`d${day}-`, day * DAY, 4, 60)) sealer.line(line(r), out);
    now = day * DAY + 240;
    sealer.closing(out);
    sealer.committed();
    writeFileSync(join(dir, name), lines.map((l) => `${l}\n`).join(''));
  }
  return join(dir, 'prec.log');
}

interface VerifyJson {
  verdict: string;
  window?: { since?: string; until?: string; skipped: string[] };
  files: { file: string; verdict: string; verified: number; window?: { records: number; verified: number; from?: string; to?: string } }[];
}

test('prec verify --since/--until: only the files that may hold the window, each verified whole, the window counted', () => {
  const dir = tempDir();
  const key = randomBytes(32);
  const log = sealedLogs(dir, key);
  const args = ['verify', '-a', '-i', log, '--key', key.toString('hex')];
  // Two minutes of day 1: its file only (a file is kept within 60 s of the window, as for the list).
  const day1 = ['--since', at(DAY + 120), '--until', at(DAY + 181)];
  const r = prec([...args, ...day1, '-o', 'json'], { env: { TZ: 'Asia/Tokyo' } });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as VerifyJson;
  assert.equal(j.verdict, 'PASS');
  assert.deepEqual(j.files.map((f) => f.file), [join(dir, 'prec.log.1')]);
  assert.deepEqual(j.window?.skipped, [join(dir, 'prec.log.2'), log]);
  assert.deepEqual([j.window?.since, j.window?.until], [at(DAY + 120), at(DAY + 181)], 'the window in local time');
  // Every record of the file verified; of them, the window's: 2 starts and 2 ends (15:02:00 .. 15:03:01).
  assert.equal(j.files[0]!.verified, 8);
  assert.deepEqual(j.files[0]!.window, { records: 4, verified: 4, from: at(DAY + 120), to: at(DAY + 181) });
  const text = prec([...args, ...day1]);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /prec\.log\.1: PASS: 8 records verified/);
  assert.match(text.stdout, /\n {2}in the window: 4 of 4 records verified 2026-11-23T15:02:00\.000000000\+09:00 \.\. 2026-11-23T15:03:01\.000000000\+09:00\n/);
  assert.match(text.stdout, /\nwindow: .* \.\. .*: files verified whole; not read \(wholly outside it\): .*prec\.log\.2, .*prec\.log\n/);
  assert.match(text.stdout, /\nPASS\n$/);
  // Tampering in a file the window leaves out is not looked at; in the window's file it fails.
  const older = join(dir, 'prec.log.2');
  writeFileSync(older, readFileSync(older, 'utf8').replace('d0-1', 'd0-X'));
  assert.equal(prec([...args, ...day1]).status, 0);
  assert.equal(prec(args).status, 1, 'without a window the older file is read and fails');
  const mid = join(dir, 'prec.log.1');
  writeFileSync(mid, readFileSync(mid, 'utf8').replace('d1-3', 'd1-X'));
  const failed = prec([...args, ...day1, '-o', 'json']);
  assert.equal(failed.status, 1);
  const fj = JSON.parse(failed.stdout) as VerifyJson;
  assert.equal(fj.files[0]!.verdict, 'FAIL');
  assert.deepEqual(fj.files[0]!.window, { records: 4, verified: 0 }, 'no seal verified what the window holds');
});

test('prec verify --since/--until: the last file alone, an empty window, and bad times exit 2 with a caret', () => {
  const dir = tempDir();
  const log = sealedLogs(dir);
  const last = prec(['verify', '-a', '-i', log, '--since', at(2 * DAY + 61), '-o', 'json']);
  assert.equal(last.status, 0, last.stdout);
  const j = JSON.parse(last.stdout) as VerifyJson;
  assert.deepEqual(j.files.map((f) => f.file), [log]);
  assert.deepEqual(j.files[0]!.window, { records: 5, verified: 5, from: at(2 * DAY + 61), to: at(2 * DAY + 181) });
  assert.equal(j.window?.until, undefined);
  const none = prec(['verify', '-a', '-i', log, '--until', at(-DAY)]);
  assert.equal(none.status, 2);
  assert.match(none.stdout, /CANNOT VERIFY: no log file may hold records in the window\n$/);
  const bad = prec(['verify', '-i', log, '--since', '2026-11-2x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^prec: bad --since: expected a date .*\(column 10\)\n {2}2026-11-2x\n {11}\^\n$/);
});

/** Runs prec under `script` (a terminal on stderr; stdout to /dev/null): what the terminal showed. */
function onTerminal(args: string): { status: number | null; shown: string } {
  const env = { ...process.env, PREC_PROGRESS_AFTER_MS: '0' };
  const r = spawnSync('script', ['-qec', `"${process.execPath}" "${PREC_BIN}" ${args} > /dev/null`, '/dev/null'], { encoding: 'utf8', env });
  return { status: r.status, shown: r.stdout };
}

test('hunt and verify show the progress line on a terminal stderr, cleared at the end, never on a pipe', () => {
  const dir = tempDir();
  const rules = ruleFile(dir);
  const big: Rec[] = [];
  for (let i = 0; i < 20_000; i++) big.push(start(i % 3000, { argv: ['/bin/echo', i % 1000 === 0 ? 'evil' : 'p'] }));
  const log = writePlain(join(dir, 'big.log'), big);
  const env = { PREC_PROGRESS_AFTER_MS: '0' };
  const hunt = onTerminal(`hunt -i "${log}" --rules "${rules}"`);
  assert.equal(hunt.status, 0);
  assert.match(hunt.shown, /prec: hunting: \d+\.\d MiB of \d+\.\d MiB \(\d+%\)/);
  assert.ok(hunt.shown.endsWith('\r\x1b[K'), JSON.stringify(hunt.shown.slice(-40)));
  const piped = prec(['hunt', '-i', log, '--rules', rules], { env });
  assert.equal(piped.status, 0);
  assert.equal(piped.stderr, '');

  const sealedDir = tempDir();
  const sealed = sealedLogs(sealedDir);
  // A big sealed file: the three fixture files' lines, then many more under one closing seal.
  const sealer = new Sealer({ state: undefined, persist: () => {}, now: () => at(0), report: () => {} });
  const lines: string[] = [];
  const out = { write: (l: string): number => lines.push(l) };
  sealer.opened(out);
  for (const r of big) sealer.line(line(r), out);
  sealer.closing(out);
  writeFileSync(sealed, lines.map((l) => `${l}\n`).join(''));
  const verify = onTerminal(`verify -i "${sealed}"`);
  assert.equal(verify.status, 0, verify.shown);
  assert.match(verify.shown, /prec: verifying: \d+\.\d MiB of \d+\.\d MiB \(\d+%\)/);
  assert.ok(verify.shown.endsWith('\r\x1b[K'), JSON.stringify(verify.shown.slice(-40)));
  const vPiped = prec(['verify', '-i', sealed], { env });
  assert.equal(vPiped.status, 0);
  assert.equal(vPiped.stderr, '');
});
