// priority_boost (SPEC 6): precd lowers the nice value of every one of its threads at start (the
// default 4, as auditd), leaves it alone with 0, and with every core held by a busy loop it still
// records every command of an exec burst. No timing is asserted: completeness is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, getPriority } from 'node:os';
import { Precd, marker, recordsFor, type Rec } from '../helpers/precd.js';

/** Nice value (field 19 of /proc/PID/task/TID/stat) of every thread of `pid`, by thread id. */
function threadNices(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile
    }
    // comm (field 2) may hold spaces and parentheses: fields 3.. follow the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(rest[19 - 3]));
  }
  return out;
}

// precd starts from the nice value of this test process (inherited).
const BASE = getPriority(0);

async function nicesOf(config: Record<string, unknown>): Promise<Map<number, number>> {
  const precd = await Precd.start({ config });
  try {
    return threadNices(precd.pid);
  } finally {
    const r = await precd.stop();
    assert.equal(r.code, 0, precd.stderr);
    await precd.cleanup();
  }
}

test('by default every thread of precd runs 4 nice levels below where it was started', async () => {
  const nices = await nicesOf({});
  // Node's own threads plus the addon's ring-buffer reader: several tasks, each boosted.
  assert.ok(nices.size >= 3, `threads of precd: ${JSON.stringify([...nices])}`);
  for (const [tid, nice] of nices) assert.equal(nice, Math.max(-20, BASE - 4), `nice of thread ${tid}: ${JSON.stringify([...nices])}`);
});

test('priority_boost = 20 goes as far as nice -20 and no further; 0 leaves every thread alone', async () => {
  for (const nice of (await nicesOf({ priority_boost: 20 })).values()) assert.equal(nice, -20);
  const unboosted = await nicesOf({ priority_boost: 0 });
  for (const [tid, nice] of unboosted) assert.equal(nice, BASE, `nice of thread ${tid}`);
});

/** A shell busy loop: one per core keeps every core saturated. */
function busyLoop(): ChildProcess {
  return spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
}

test('with a busy loop on every core, every command of an exec burst is recorded, none lost', async () => {
  const precd = await Precd.start({ config: { flush_interval_ms: 200 } });
  const loops = cpus().map(() => busyLoop());
  try {
    const m = marker();
    const COUNT = 2000;
    const script = `i=0; while [ $i -lt ${COUNT} ]; do /bin/true ${m}-$i; i=$((i+1)); done`;
    const code = await new Promise<number | null>((resolve) => spawn('sh', ['-c', script], { stdio: 'ignore' }).on('exit', resolve));
    assert.equal(code, 0);
    // The records of the burst's /bin/true commands (the shell running the loop holds the marker too).
    const burst = (all: Rec[]) => {
      const mine = recordsFor(all, m);
      const starts = mine.starts.filter((s) => (s.argv as string[])[0] === '/bin/true');
      const ids = new Set(starts.map((s) => s.event_id));
      return { starts, ends: mine.ends.filter((e) => ids.has(e.event_id)), fails: mine.fails };
    };
    const recs = await precd.waitForRecords((all) => {
      const mine = burst(all);
      return mine.starts.length >= COUNT && mine.ends.length >= COUNT;
    }, 120_000);
    const { starts, ends, fails } = burst(recs);
    assert.equal(recs.filter((r) => r.record_type === 'loss').length, 0, 'no loss record');
    assert.equal(fails.length, 0);
    assert.deepEqual(
      starts.map((s) => (s.argv as string[])[1]).sort(),
      Array.from({ length: COUNT }, (_, i) => `${m}-${i}`).sort(),
      'each command once',
    );
    assert.equal(ends.length, COUNT);
  } finally {
    for (const l of loops) l.kill('SIGKILL');
    const r = await precd.stop();
    assert.equal(r.code, 0, precd.stderr);
    await precd.cleanup();
  }
});
