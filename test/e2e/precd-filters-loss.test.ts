// precd's filter rules (first match wins, filter_default, user_only), the pairing rule (an end is
// written exactly when its start was), fail records under filters, and forced kernel-side loss: a
// 1 MiB ring buffer and a burst of execs while precd is stopped with SIGSTOP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Precd, marker, recordsFor, run, sleep, type Rec } from '../helpers/precd.js';

/** Every end in the log has its start in the log (an end is written only when its start was). */
function assertEndsPaired(recs: Rec[]): void {
  const startIds = new Set(recs.filter((r) => r.record_type === 'start').map((r) => r.event_id));
  for (const r of recs) if (r.record_type === 'end') assert.ok(startIds.has(r.event_id), `end ${r.event_id} has its start`);
}

const hasToken = (recs: Rec[], token: string) =>
  recs.some((r) => Array.isArray(r.argv) && (r.argv as string[]).some((a) => a.includes(token)));

test('rules: first match wins, filter_default deny drops the rest, fails are filtered, ends follow their starts', async () => {
  const m = marker();
  const other = marker('unmatched');
  const work = mkdtempSync(join(tmpdir(), 'precd-filter-'));
  const precd = await Precd.start({ config: { filter_default: 'deny', filter: [`-argv~=${m}-drop`, `+argv~=${m}`] } });
  try {
    run('/bin/true', [`${m}-keep`]);
    run('/bin/true', [`${m}-drop`]);
    run('/bin/true', [other]);
    spawnSync(join(work, `missing-${m}-fail`), []);
    spawnSync(join(work, `missing-${other}`), []);
    const recs = await precd.waitForRecords((all) => {
      const r = recordsFor(all, `${m}-`);
      return r.starts.length >= 1 && r.ends.length >= 1 && r.fails.length >= 1;
    });
    // give a dropped record every chance to show up before checking it did not
    run('/bin/true', [`${m}-sentinel`]);
    const final = await precd.waitForRecords((all) => recordsFor(all, `${m}-sentinel`).ends.length >= 1);
    const keep = recordsFor(final, `${m}-keep`);
    assert.equal(keep.starts.length, 1);
    assert.equal(keep.ends.length, 1);
    assert.equal(hasToken(final, `${m}-drop`), false, 'the first matching rule (-) wins over the later +');
    assert.equal(hasToken(final, other), false, 'filter_default deny drops records no rule matches');
    assert.equal(recordsFor(final, `${m}-fail`).fails.length, 1, 'a fail record matching + is kept');
    assert.ok(recs.length <= final.length);
    assert.equal(final.filter((r) => r.record_type === 'end').length, final.filter((r) => r.record_type === 'start').length);
    assertEndsPaired(final);
  } finally {
    await precd.cleanup();
  }
});

test('rule order reversed: the earlier + keeps what a later - would drop', async () => {
  const m = marker();
  const precd = await Precd.start({ config: { filter: [`+argv~=${m}`, `-argv~=${m}-drop`], filter_default: 'deny' } });
  try {
    run('/bin/true', [`${m}-drop`]);
    const recs = await precd.waitForRecords((all) => recordsFor(all, `${m}-drop`).ends.length >= 1);
    assert.equal(recordsFor(recs, `${m}-drop`).starts.length, 1);
  } finally {
    await precd.cleanup();
  }
});

test('user_only keeps only commands typed in an interactive shell; a rule can drop fail records', async () => {
  const m = marker();
  const precd = await Precd.start({ config: { user_only: true, filter: ['-record_type=fail'] } });
  try {
    run('/bin/true', [`${m}-system`]);
    const r = spawnSync('script', ['-qec', `/bin/true ${m}-user; /nonexistent-${m}-fail; /bin/true ${m}-user2`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, SHELL: '/bin/sh' },
      input: '',
    });
    assert.equal(typeof r.status, 'number');
    const recs = await precd.waitForRecords((all) => recordsFor(all, `${m}-user2`).starts.length >= 1 && recordsFor(all, `${m}-user`).ends.length >= 1);
    const user = recordsFor(recs, `${m}-user`).starts.filter((s) => (s.argv as string[])[1] === `${m}-user`);
    assert.equal(user.length, 1);
    assert.equal(user[0]!.source, 'user');
    assert.equal(hasToken(recs, `${m}-system`), false, 'a system command is dropped');
    assert.equal(recs.some((x) => x.record_type === 'fail'), false, '-record_type=fail drops fails');
    // Loss and seal records are never filtered (SPEC 3, 12) and carry no source.
    for (const x of recs) if (x.record_type !== 'loss' && x.record_type !== 'seal') assert.equal(x.source, 'user');
    assertEndsPaired(recs);
  } finally {
    await precd.cleanup();
  }
});

/** Runs `count` execs of /bin/true with a 4 KiB argument each (fills a 1 MiB ring quickly). */
function burst(m: string, count: number): Promise<number | null> {
  const pad = 'p'.repeat(4000);
  const script = `i=0; while [ $i -lt ${count} ]; do /bin/true ${m}-$i ${pad}; i=$((i+1)); done`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

test('forced loss: 1 MiB ring, precd stopped during a burst: loss records (never filtered) account for every missing exec', async () => {
  const m = marker();
  const EXECS = 3000;
  const precd = await Precd.start({ config: { ring_buffer_mb: 1, filter_default: 'deny', filter: [`+argv~=${m}`] } });
  try {
    process.kill(precd.pid, 'SIGSTOP');
    let code: number | null;
    try {
      code = await burst(m, EXECS);
    } finally {
      process.kill(precd.pid, 'SIGCONT');
    }
    assert.equal(code, 0);
    await precd.waitForRecords((all) => all.some((r) => r.record_type === 'loss'));
    await sleep(1500); // let the reader drain and the counter be read once more
    const stopped = await precd.stop();
    assert.equal(stopped.code, 0, precd.stderr);
    const recs = precd.records();
    const losses = recs.filter((r) => r.record_type === 'loss');
    assert.ok(losses.length >= 1);
    let running = 0;
    for (const l of losses) {
      assert.ok((l.lost_samples as number) > 0);
      running += l.lost_samples as number;
      assert.equal(l.lost_samples_total, running, 'lost_samples_total is the sum of lost_samples');
      assert.deepEqual(Object.keys(l), ['timestamp', 'record_type', 'lost_samples', 'lost_samples_total']);
    }
    const kernel = /kernel drops: (\d+)/.exec(precd.stderr);
    assert.ok(kernel, precd.stderr);
    assert.equal(running, Number(kernel[1]), "lost_samples_total equals the kernel's drop counter");
    const starts = recordsFor(recs, `${m}-`).starts.length;
    assert.ok(starts < EXECS, 'the burst overflowed the ring');
    assert.ok(starts + running >= EXECS, `starts ${starts} + lost ${running} >= ${EXECS}`);
    assertEndsPaired(recs);
  } finally {
    await precd.cleanup();
  }
});

test('lost_samples_action = "stop": one loss record, then precd exits non-zero', async () => {
  const m = marker();
  const precd = await Precd.start({ config: { ring_buffer_mb: 1, lost_samples_action: 'stop' } });
  try {
    process.kill(precd.pid, 'SIGSTOP');
    try {
      await burst(m, 1500);
    } finally {
      process.kill(precd.pid, 'SIGCONT');
    }
    const r = await precd.waitExit(20_000);
    assert.ok(r, 'precd exited by itself');
    assert.notEqual(r.code, 0);
    assert.match(precd.stderr, /lost_samples_action is "stop"/);
    assert.equal(precd.records().filter((x) => x.record_type === 'loss').length, 1);
  } finally {
    await precd.cleanup();
  }
});
