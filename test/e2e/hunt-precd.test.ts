// `prec hunt` over what the real precd recorded on the real kernel: harmless commands that real
// rules (SigmaHQ's and prec's own) are written for are reported with the rule id; near misses are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { Precd, marker } from '../helpers/precd.js';
import { prec, precOk } from './prec-cli-fixtures.js';

const BASE64_DECODE = 'e2072cab-8c9a-459b-b63c-40ae79e27031'; // SigmaHQ: Decode Base64 Encoded Text
const SETUID_SEARCH = 'ec7566b8-a506-505b-9213-b6f8b1f95c6e'; // prec: Search For Setuid Or Setgid Files
const FROM_DEV_SHM = '05a4478e-5746-59ad-a0fd-d5bc8ad16e92'; // prec: Program Run From /dev/shm/

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
    ].join('; ');
    assert.equal(spawnSync('/bin/sh', ['-c', script, mark]).status, 0);
    await d.waitForRecords((recs) => recs.some((r) => r.exe === shm && r.record_type === 'start') &&
      recs.filter((r) => r.record_type === 'start' && String(r.parent_cmdline).includes(mark)).length >= 6);
    const q = ['-q', `parent_cmdline~=${mark} || argv~=${mark}`, '-q', 'comm!=node'];
    const hits = precOk(['hunt', '-i', d.logPath, ...q, '-o', 'json']).trimEnd().split('\n').map((l) => JSON.parse(l) as Hit);
    const of = (id: string): Hit[] => hits.filter((h) => h.rule_id === id);
    assert.deepEqual(of(BASE64_DECODE).map((h) => h.row.command), ['base64 -d']);
    assert.deepEqual(of(SETUID_SEARCH).map((h) => h.row.command), ['find / -maxdepth 0 -perm -4000']);
    assert.deepEqual(of(FROM_DEV_SHM).map((h) => h.row.exe), [shm]);
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
