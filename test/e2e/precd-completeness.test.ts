// Short-lived completeness: the programs a webshell runs live for a millisecond. 10,000 execs from
// two parallel workers, each with a unique argv marker, must all show up with a start and an end
// carrying the right argv and exit status, and no loss record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Precd, marker } from '../helpers/precd.js';

const PER_WORKER = 5000;

/** A shell loop exec'ing /bin/true (even i) and /bin/false (odd i), each with argv `MARK-w-i`. */
function worker(mark: string, w: number): Promise<number | null> {
  const script = `i=0; while [ $i -lt ${PER_WORKER} ]; do if [ $((i % 2)) -eq 0 ]; then /bin/true ${mark}-${w}-$i; else /bin/false ${mark}-${w}-$i; fi; i=$((i+1)); done`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

test('10,000 short-lived execs from two parallel workers: every start and end, exact argv and status, no loss', async () => {
  const precd = await Precd.start({ config: { flush_interval_ms: 200 } });
  try {
    const m = marker();
    const codes = await Promise.all([worker(m, 0), worker(m, 1)]);
    assert.deepEqual(codes, [0, 0]); // both loops ran to their end
    const expected = 2 * PER_WORKER;
    const isMarked = (r: Record<string, unknown>) =>
      r.record_type === 'start' && Array.isArray(r.argv) && typeof r.argv[1] === 'string' && r.argv[1].startsWith(`${m}-`);
    const recs = await precd.waitForRecords((all) => {
      let starts = 0;
      const ids = new Set<unknown>();
      for (const r of all) if (isMarked(r)) { starts++; ids.add(r.event_id); }
      if (starts < expected) return false;
      let ends = 0;
      for (const r of all) if (r.record_type === 'end' && ids.has(r.event_id)) ends++;
      return ends >= expected;
    }, 90_000);

    assert.equal(recs.filter((r) => r.record_type === 'loss').length, 0, 'no loss record');
    const starts = recs.filter(isMarked);
    assert.equal(starts.length, expected);
    const endById = new Map(recs.filter((r) => r.record_type === 'end').map((r) => [r.event_id, r]));
    const seen = new Set<string>();
    for (const s of starts) {
      const argv = s.argv as string[];
      const tag = argv[1]!;
      assert.equal(argv.length, 2);
      assert.ok(!seen.has(tag), `marker ${tag} once`);
      seen.add(tag);
      const i = Number(tag.split('-').pop());
      const wantTrue = i % 2 === 0;
      assert.equal(argv[0], wantTrue ? '/bin/true' : '/bin/false');
      assert.equal(s.comm, wantTrue ? 'true' : 'false');
      const end = endById.get(s.event_id);
      assert.ok(end, `end of ${tag}`);
      assert.equal(end.exit_status, wantTrue ? 0 : 1, tag);
      assert.equal(end.pid, s.pid);
    }
    for (let w = 0; w < 2; w++) for (let i = 0; i < PER_WORKER; i++) assert.ok(seen.has(`${m}-${w}-${i}`));
  } finally {
    const r = await precd.stop();
    assert.equal(r.code, 0, precd.stderr);
    await precd.cleanup();
  }
});

// precd reads the ring buffer through a window that moves with the consumer (addon RingReader), not
// through libbpf's double mapping. Records of every size up to the 32 KiB argv limit, sent through
// a 1 MiB ring several times over, must straddle both the ring's end and the window's edges, and
// each must still arrive whole, in order, byte for byte.
test('records of varied sizes up to 32 KiB cross the ring end and the reader window intact', async () => {
  const precd = await Precd.start({ config: { ring_buffer_mb: 1, max_arg_length: 40000 } });
  try {
    const m = marker();
    const n = 300;
    const payload = (i: number) => {
      const len = 1 + ((i * 7919) % 30000);
      let s = '';
      while (s.length < len) s += `${i}:${s.length};`;
      return s.slice(0, len);
    };
    let total = 0;
    for (let i = 0; i < n; i++) {
      const arg = payload(i);
      total += arg.length;
      const r = spawnSync('/bin/true', [`${m}-${i}`, arg]);
      assert.equal(r.status, 0);
    }
    assert.ok(total > 3 * 1024 * 1024, 'the argv bytes go round the 1 MiB ring several times');
    const isMarked = (r: Record<string, unknown>) =>
      r.record_type === 'start' && Array.isArray(r.argv) && typeof r.argv[1] === 'string' && r.argv[1].startsWith(`${m}-`);
    const recs = await precd.waitForRecords((all) => all.filter(isMarked).length >= n, 60_000);
    assert.equal(recs.filter((r) => r.record_type === 'loss').length, 0, 'no loss record');
    const starts = recs.filter(isMarked);
    assert.deepEqual(
      starts.map((r) => (r.argv as string[])[1]),
      Array.from({ length: n }, (_, i) => `${m}-${i}`),
      'every record once, in exec order',
    );
    for (const r of starts) {
      const i = Number((r.argv as string[])[1]!.split('-').pop());
      assert.deepEqual(r.argv, ['/bin/true', `${m}-${i}`, payload(i)], `argv of exec ${i}`);
      assert.equal(r.argv_truncated, undefined);
    }
  } finally {
    await precd.cleanup();
  }
});
