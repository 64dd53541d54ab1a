// `prec hunt` over what the real precd recorded on the real kernel: harmless commands that real
// rules (SigmaHQ's and prec's own) are written for are reported with the rule id; near misses are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { Precd, marker } from '../helpers/precd.js';
import { prec, precOk, PREC_BIN } from './prec-cli-fixtures.js';

const BASE64_DECODE = 'e2072cab-8c9a-459b-b63c-40ae79e27031'; // SigmaHQ: Decode Base64 Encoded Text
const SETUID_SEARCH = 'ec7566b8-a506-505b-9213-b6f8b1f95c6e'; // prec: Search For Setuid Or Setgid Files
const FROM_DEV_SHM = '05a4478e-5746-59ad-a0fd-d5bc8ad16e92'; // prec: Program Run From /dev/shm/
const ARGV0_MISMATCH = '89c222c9-e07f-5b23-b56f-74577e0dea69'; // prec: Program Whose argv[0] Differs From Its Executable

interface Hit {
  rule_id: string;
  level: string;
  title: string;
  tags: string[];
  row: { command: string; exe: string; parent_cmdline: string };
}

test('prec hunt reports real commands with the ids of the rules they trigger, and not the near misses', async () => {
  const d = await Precd.start();
  const mark = marker();
  const shm = `/dev/shm/prec-${mark}`;
  try {
    copyFileSync('/bin/true', shm);
    spawnSync('/bin/chmod', ['755', shm]);
    const script = [
      'echo eA== | base64 -d >/dev/null', // hit
      'echo x | base64 >/dev/null', // near miss: encodes
      'find / -maxdepth 0 -perm -4000 >/dev/null', // hit
      'find / -maxdepth 0 -perm -644 >/dev/null', // near miss: not a setuid mode
      `${shm} ${mark}`, // hit
      `/bin/true ${mark}`, // near miss
      `bash -c 'exec -a fakename-${mark} /bin/sleep 0'`, // hit: argv[0] is not sleep
      `/bin/sleep 0`, // near miss: /bin/sleep runs /usr/bin/sleep, the same basename
    ].join('; ');
    assert.equal(spawnSync('/bin/sh', ['-c', script, mark]).status, 0);
    await d.waitForRecords((recs) => recs.some((r) => r.exe === shm && r.record_type === 'start') &&
      recs.filter((r) => r.record_type === 'start' && String(r.parent_cmdline).includes(mark)).length >= 8);
    const q = ['-q', `parent_cmdline~=${mark} || argv~=${mark}`, '-q', 'comm!=node'];
    const json = precOk(['hunt', '-i', d.logPath, ...q, '-o', 'json']);
    const hits = json.trimEnd().split('\n').map((l) => JSON.parse(l) as Hit);
    const of = (id: string): Hit[] => hits.filter((h) => h.rule_id === id);
    assert.deepEqual(of(BASE64_DECODE).map((h) => h.row.command), ['base64 -d']);
    assert.deepEqual(of(SETUID_SEARCH).map((h) => h.row.command), ['find / -maxdepth 0 -perm -4000']);
    assert.deepEqual(of(FROM_DEV_SHM).map((h) => h.row.exe), [shm]);
    assert.deepEqual(of(ARGV0_MISMATCH).map((h) => [h.row.command, h.row.exe]), [[`fakename-${mark} 0`, '/usr/bin/sleep']]);
    // The same hits with the prefilter off: it only saves work.
    const slow = prec(['hunt', '-i', d.logPath, ...q, '-o', 'json'], { env: { PREC_NO_PREFILTER: '1' } });
    assert.equal(slow.stdout, json);
    assert.equal(of(BASE64_DECODE)[0]!.level, 'low');
    assert.ok(of(SETUID_SEARCH)[0]!.tags.includes('attack.t1083'));
    // Text: grouped by rule, most severe first (high before medium before low).
    const text = precOk(['hunt', '-i', d.logPath, ...q]);
    const order = [FROM_DEV_SHM, SETUID_SEARCH, BASE64_DECODE].map((id) => text.indexOf(`rule ${id}`));
    assert.ok(order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, text);
    // A bad rule file: one line naming it, exit status 1.
    const bad = prec(['hunt', '-i', d.logPath, '--rules', '/nonexistent-rules.yml']);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, 'prec: bad rule /nonexistent-rules.yml: no such file or directory\n');
  } finally {
    rmSync(shm, { force: true });
    await d.cleanup();
  }
});

/** `prec hunt -F` running while commands happen; it prints nothing until a hit. */
class HuntFollower {
  stdout = '';
  stderr = '';
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [PREC_BIN, 'hunt', '-F', ...args], { env: { ...process.env, PREC_POLL_MS: '50' } });
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.proc.on('close', (code) => resolve(code)));
  }

  hits(): Hit[] {
    return this.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Hit);
  }
}

/** Runs `script` until `seen` holds for the follower's hits (a generous limit, not a timing assertion). */
async function runUntil(f: HuntFollower, script: () => string, seen: (hits: Hit[]) => boolean): Promise<void> {
  const until = Date.now() + 60_000;
  while (!seen(f.hits())) {
    if (Date.now() > until) throw new Error(`no hit after 60 s:\n${f.stdout}\nstderr: ${f.stderr}`);
    assert.equal(spawnSync('/bin/sh', ['-c', script()]).status, 0);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('prec hunt -F prints a hit when its record arrives, and nothing for a near miss', async () => {
  const d = await Precd.start();
  const mark = marker();
  const f = new HuntFollower(['-i', d.logPath, '-q', `argv~=${mark}`, '-o', 'json']);
  try {
    // The follower may not be watching yet when the first commands run: run the hit until one is
    // printed. From then on it reads every record, so a near miss between two hits must be seen
    // and not reported.
    let n = 0;
    const hit = (): string => `echo eA== | base64 -d ${mark}-${++n} >/dev/null 2>&1; true`;
    await runUntil(f, hit, (hits) => hits.length > 0);
    const before = f.hits().length;
    assert.equal(spawnSync('/bin/sh', ['-c', `echo x | base64 ${mark}-near >/dev/null 2>&1; true`]).status, 0);
    await runUntil(f, hit, (hits) => hits.length > before);
    const hits = f.hits();
    assert.ok(hits.every((h) => h.rule_id === BASE64_DECODE && /^base64 -d /.test(h.row.command)), f.stdout);
    assert.ok(!f.stdout.includes(`${mark}-near`), f.stdout);
    f.proc.kill('SIGINT');
    assert.equal(await f.exited, 0);
    assert.equal(f.stderr, '');
  } finally {
    if (f.proc.exitCode === null && f.proc.signalCode === null) f.proc.kill('SIGKILL');
    await d.cleanup();
  }
});
