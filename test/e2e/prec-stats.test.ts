// prec stats over what the real precd recorded, and over fixture logs for windows and JSON shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Precd, marker, recordsFor } from '../helpers/precd.js';
import { end, fail, loss, prec, precOk, PREC_BIN, start, tempDir, writePlain, type Rec } from './prec-cli-fixtures.js';

test('prec stats counts the commands, failures and exit statuses precd recorded', async () => {
  const d = await Precd.start();
  try {
    const mark = marker();
    const script = `for i in 1 2 3; do /bin/true ${mark}; done; /bin/sh -c 'exit 7' ${mark}; /nonexistent/${mark} 2>/dev/null; exit 0`;
    const r = spawnSync('/bin/bash', ['-c', script]);
    assert.equal(r.status, 0);
    await d.waitForRecords((recs) => {
      const mine = recordsFor(recs, mark);
      return mine.ends.length >= 5 && mine.fails.length >= 1;
    });
    const args = ['stats', '-i', d.logPath, '-A', '-q', `argv~=${mark}`, '-q', 'comm!=node', '--since', '-10min'];
    const s = JSON.parse(precOk([...args, '-o', 'json'])) as {
      totals: Record<string, number>; top: Record<string, { value: string; count: number }[]>; hosts_seen: string[];
      histogram: { unit: string; buckets: { commands: number; failures: number }[] };
    };
    // bash, 3 x true, sh; the failed exec of /nonexistent
    assert.equal(s.totals.commands, 5);
    assert.equal(s.totals.failures, 1);
    assert.equal(s.totals.nonzero_exits, 1);
    assert.equal(s.totals.users, 1);
    assert.equal(s.totals.hosts, 1);
    assert.equal(s.hosts_seen.length, 1);
    assert.deepEqual(s.top.comm!.slice(0, 1), [{ value: 'true', count: 3 }]);
    assert.deepEqual(s.top.exit_status, [{ value: '7', count: 1 }]);
    assert.deepEqual(s.top.user, [{ value: 'root', count: 6 }]);
    assert.equal(s.histogram.unit, 'hour');
    assert.equal(s.histogram.buckets.reduce((n, b) => n + b.commands, 0), 5);
    assert.equal(s.histogram.buckets.reduce((n, b) => n + b.failures, 0), 1);
    const text = precOk(args);
    assert.match(text, /^Commands +5$/m);
    assert.match(text, /^Failures +1 /m);
    assert.match(text, /^Top command names \(comm\)\n +3 {2}true$/m);
    assert.match(text, /^Commands per hour \(local time, UTC[+-]\d\d:\d\d\)$/m);
    // A window before the run selects nothing.
    assert.match(precOk([...args.slice(0, -2), '--until', '-1h']), /^Commands +0$/m);
  } finally {
    await d.cleanup();
  }
});

test('prec stats: losses in the window count whatever the query; -o json and errors', () => {
  const dir = tempDir();
  const recs: Rec[] = [];
  for (let i = 0; i < 4; i++) {
    const s = start(i * 60, { argv: ['id'], user: i < 3 ? 'alice' : 'bob' });
    recs.push(s, end(s, i * 60 + 1, { exit_status: i === 0 ? 1 : 0 }));
  }
  recs.push(fail(30), loss(40, 5, 5), loss(500, 7, 12));
  const log = writePlain(join(dir, 'prec.log'), recs);
  const s = JSON.parse(precOk(['stats', '-i', log, '-q', 'user=alice', '--until', '2026-11-22T15:05:00+09:00', '-o', 'json'])) as { totals: Record<string, number>; first: string; last: string };
  assert.deepEqual(s.totals, { commands: 3, failures: 1, nonzero_exits: 1, losses: 5, users: 1, hosts: 1 });
  assert.equal(s.first, '2026-11-22T15:00:00.000000000+09:00');
  assert.equal(s.last, '2026-11-22T15:02:00.000000000+09:00');
  const bad = prec(['stats', '-i', log, '-o', 'csv']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'prec: prec stats -o expects text or json, got "csv"\n');
  const badTime = prec(['stats', '-i', log, '--since', 'lastweek']);
  assert.equal(badTime.status, 1);
  assert.match(badTime.stderr, /^prec: bad --since: expected a date/);
});

test('prec stats shows the progress line on a terminal stderr, cleared at the end, never on a pipe', () => {
  const dir = tempDir();
  const recs: Rec[] = [];
  for (let i = 0; i < 20_000; i++) recs.push(start(i % 3000, { argv: ['p'] }));
  const log = writePlain(join(dir, 'prec.log'), recs);
  const env = { ...process.env, PREC_PROGRESS_AFTER_MS: '0' };
  const tty = spawnSync('script', ['-qec', `"${process.execPath}" "${PREC_BIN}" stats -A -i "${log}" > /dev/null`, '/dev/null'], { encoding: 'utf8', env });
  assert.equal(tty.status, 0);
  assert.match(tty.stdout, /prec: counting: \d+\.\d MiB of \d+\.\d MiB \(\d+%\)/);
  assert.ok(tty.stdout.endsWith('\r\x1b[K'), JSON.stringify(tty.stdout.slice(-40)));
  const piped = prec(['stats', '-A', '-i', log], { env });
  assert.equal(piped.status, 0);
  assert.equal(piped.stderr, '');
});
