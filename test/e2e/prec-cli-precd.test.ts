// prec reading what the real precd writes on the real kernel: list, tree and follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Precd, marker, recordsFor } from '../helpers/precd.js';
import { prec, precOk, PREC_BIN } from './prec-cli-fixtures.js';

test('prec lists, merges and trees what precd recorded', async () => {
  const d = await Precd.start();
  try {
    const mark = marker();
    const r = spawnSync('/bin/bash', ['-c', `/bin/true ${mark}-a; /bin/sh -c 'exit 3' ${mark}-b; /nonexistent/${mark}-c 2>/dev/null; exit 0`]);
    assert.equal(r.status, 0);
    await d.waitForRecords((recs) => {
      const mine = recordsFor(recs, mark);
      return mine.ends.length >= 2 && mine.fails.length >= 1;
    });
    // prec's own command line holds the marker too: leave node out.
    const args = ['-i', d.logPath, '-A', '-q', `argv~=${mark}`, '-q', 'comm!=node'];
    const out = precOk([...args, '-f', 'record_type,command,exit_status']);
    assert.deepEqual(out.trimEnd().split('\n'), [
      `command  /bin/bash -c '/bin/true ${mark}-a; /bin/sh -c '\\''exit 3'\\'' ${mark}-b; /nonexistent/${mark}-c 2>/dev/null; exit 0'  0`,
      `command  /bin/true ${mark}-a  0`,
      `command  /bin/sh -c 'exit 3' ${mark}-b  3`,
      `fail  /nonexistent/${mark}-c  -`,
    ]);
    const tree = precOk([...args, '-f', 'comm', '--tree', '-q', 'comm=sh']);
    assert.deepEqual(tree.trimEnd().split('\n').slice(-2), ['(ancestor) bash', '└─ sh']);
    const json = JSON.parse(precOk([...args, '-q', 'comm=true', '-o', 'json', '-f', 'uid,pid,argv,duration_ns'])) as Record<string, unknown>;
    assert.equal(json.uid, 0);
    assert.deepEqual(json.argv, ['/bin/true', `${mark}-a`]);
    assert.equal(typeof json.duration_ns, 'number');
  } finally {
    await d.cleanup();
  }
});

test("prec --tree draws sh -c 'exec env true' as an exec chain under the program it replaced", async () => {
  const d = await Precd.start();
  try {
    const mark = marker();
    // sh forks uname, then execs env, which execs true: one pid, three programs.
    const r = spawnSync('/bin/sh', ['-c', `uname ${mark} >/dev/null; exec env true ${mark}`, mark]);
    assert.equal(r.status, 0);
    await d.waitForRecords((recs) => recordsFor(recs, mark).ends.length >= 4);
    // The shell's and env's PATH search writes fail rows (ENOENT) for every directory before the
    // right one: leave them out.
    const args = ['-i', d.logPath, '-A', '-q', `argv~=${mark}`, '-q', 'comm!=node', '-q', 'record_type=command', '--tree'];
    assert.equal(precOk([...args, '-f', 'comm']), 'sh\n├─ uname\n└─ (exec) env\n   └─ (exec) true\n');
    const table = precOk([...args, '-f', 'comm', '-o', 'table']).split('\n').filter((l) => l.startsWith('│'));
    assert.deepEqual(table.map((l) => l.slice(1, -1).trim()), ['comm', 'sh', '├─ uname', '└─ (exec) env', '└─ (exec) true']);
    // A hit on the last program shows the programs it replaced as its ancestors.
    assert.equal(precOk([...args, '-q', 'comm=true', '-f', 'comm']), '(ancestor) sh\n└─ (exec) (ancestor) env\n   └─ (exec) true\n');
    // json keeps exactly the selected fields, rows in tree order; exec_replaced says why.
    const json = precOk([...args, '-o', 'json', '-f', 'comm,exec_replaced']).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(json, [
      { comm: 'sh', exec_replaced: true },
      { comm: 'uname', exec_replaced: null },
      { comm: 'env', exec_replaced: true },
      { comm: 'true', exec_replaced: null },
    ]);
  } finally {
    await d.cleanup();
  }
});

test('prec -F shows a command run after it started, finalized with its exit status', async () => {
  const d = await Precd.start();
  try {
    const mark = marker();
    const f = spawn(process.execPath, [PREC_BIN, '-F', '-i', d.logPath, '-A', '-q', `argv~=${mark}`, '-q', 'comm!=node', '-f', 'command,exit_status'], {
      env: { ...process.env, PREC_POLL_MS: '50' },
    });
    let out = '';
    f.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    await new Promise((r) => setTimeout(r, 1000));
    spawnSync('/bin/sh', ['-c', 'exit 5', mark]);
    const until = Date.now() + 20_000;
    while (out.split('\n').length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    f.kill('SIGINT');
    const code = await new Promise((r) => f.on('close', (c) => r(c))); // after all output was read
    assert.equal(code, 0);
    assert.equal(out, `/bin/sh -c 'exit 5' ${mark}  -\n/bin/sh -c 'exit 5' ${mark}  5\n`);
    assert.equal(prec(['-i', d.logPath, '-A', '-q', `argv~=${mark}`, '-q', 'comm=sh', '-f', 'exit_status']).stdout, '5\n');
  } finally {
    await d.cleanup();
  }
});

test('prec -q "user=nobody" (no -A) finds a service account\'s sh -c id and the id it ran', async () => {
  const d = await Precd.start();
  try {
    const mark = marker();
    const r = spawnSync('runuser', ['-u', 'nobody', '--', 'sh', '-c', 'id', mark], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await d.waitForRecords((recs) => recordsFor(recs, mark).ends.length >= 1);
    // A -q alone does not add source=user: these commands have no terminal and must show.
    const rows = precOk(['-i', d.logPath, '-q', 'user=nobody', '-o', 'json', '-f', 'pid,ppid,user,command'])
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; ppid: number; user: string; command: string });
    const sh = rows.find((row) => row.command === `sh -c id ${mark}`);
    assert.ok(sh, `sh -c id ${mark} among ${JSON.stringify(rows)}`);
    assert.equal(sh.user, 'nobody');
    // The shell forks id, or (a shell that execs its last command) becomes it: same pid then.
    const id = rows.find((row) => (row.ppid === sh.pid || row.pid === sh.pid) && row.command === 'id');
    assert.ok(id, `id run by that sh among ${JSON.stringify(rows)}`);
    assert.equal(id.user, 'nobody');
  } finally {
    await d.cleanup();
  }
});
