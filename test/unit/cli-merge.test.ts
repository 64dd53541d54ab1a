import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionMerger, LastRows, OrderedMerger, scanLateEnds, type RowBag } from '../../src/rows/index.js';
import type { LogRecord } from '../../src/schema/index.js';

let n = 0;
function start(id: string, pid = 10, extra: Record<string, unknown> = {}): LogRecord {
  n++;
  return {
    timestamp: `2026-11-22T15:00:${String(n % 60).padStart(2, '0')}.000000001+09:00`,
    event_id: id, uid: 0, gid: 0, euid: 0, egid: 0, user: 'root', group: 'root', pid, ppid: 1, comm: 'x',
    exe: '/bin/x', cwd: '/', argv: ['x', id], argc: 2, cgroup: '/', source: 'user', record_type: 'start',
    parent_comm: 'sh', parent_exe: '/bin/sh', parent_cmdline: 'sh', ...extra,
  } as unknown as LogRecord;
}
function end(id: string, extra: Record<string, unknown> = {}): LogRecord {
  return {
    timestamp: '2026-11-22T15:01:00.5+09:00', event_id: id, pid: 10, source: 'user', record_type: 'end',
    duration_ns: 3_500_000_000, exit_status: 1, ...extra,
  } as unknown as LogRecord;
}
const loss = { timestamp: '2026-11-22T15:02:00.1+09:00', record_type: 'loss', lost_samples: 2, lost_samples_total: 5 } as LogRecord;

async function* gen(recs: LogRecord[]): AsyncGenerator<LogRecord[]> {
  for (let i = 0; i < recs.length; i += 7) yield recs.slice(i, i + 7);
}

function ordered(recs: LogRecord[], needEnd: boolean, window = 1000): RowBag[] {
  const m = new OrderedMerger(needEnd, window);
  const out: RowBag[] = [];
  for (const r of recs) out.push(...m.push(r));
  out.push(...m.flush());
  return out;
}

test('start and end merge into one command row with the end values', () => {
  const rows = ordered([start('e-1'), end('e-1', { signal: 'SIGKILL', exit_status: 137 })], true);
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.equal(r.record_type, 'command');
  assert.equal(r.timestamp, '2026-11-22T15:00:01.000000001+09:00'.replace(':01.', `:${String(n % 60).padStart(2, '0')}.`));
  assert.equal(r.end_timestamp, '2026-11-22T15:01:00.5+09:00');
  assert.equal(r.duration_ns, 3_500_000_000);
  assert.equal(r.exit_status, 137);
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.uid, 0);
});

test('exec_replaced is carried from the end; a start without end keeps end fields empty; an end alone is dropped', () => {
  const rows = ordered([start('e-1'), end('e-1', { exec_replaced: true, exit_status: undefined }), start('e-2'), end('e-9'), loss], true);
  assert.deepEqual(rows.map((r) => [r.event_id ?? null, r.record_type]), [['e-1', 'command'], ['e-2', 'command'], [null, 'loss']]);
  assert.equal(rows[0]!.exec_replaced, true);
  assert.equal('exit_status' in rows[0]!, false);
  assert.equal(rows[1]!.end_timestamp, undefined);
  assert.equal(rows[1]!.duration, undefined);
});

test('rows come out in start order even when ends arrive out of order', () => {
  const rows = ordered([start('a'), start('b'), loss, end('b'), start('c'), end('c'), end('a')], true);
  assert.deepEqual(rows.map((r) => r.event_id ?? 'loss'), ['a', 'b', 'loss', 'c']);
  assert.ok(rows.every((r) => r.record_type === 'loss' || r.duration_ns === 3_500_000_000));
});

test('without end values needed, rows are handed out at their start', () => {
  const m = new OrderedMerger(false);
  assert.equal(m.push(start('a')).length, 1);
  assert.equal(m.push(end('a')).length, 0);
});

test('the window bounds the queue; far ends are found by the separate pass', async () => {
  const recs: LogRecord[] = [start('long'), start('nofinish')];
  for (let i = 0; i < 50; i++) recs.push(start(`s${i}`), end(`s${i}`));
  recs.push(end('long', { exit_status: 7 }));
  const window = 10;
  const late = await scanLateEnds(gen(recs), window);
  assert.deepEqual([...late.keys()], ['long']);
  const m = new OrderedMerger(true, window);
  const out: RowBag[] = [];
  let maxQueued = 0;
  let seen = 0;
  for (const r of recs) {
    out.push(...m.push(r));
    while (m.overflowing()) out.push(...m.resolveHead(late.get(m.headEventId()!)));
    if (r.record_type !== 'end') seen++;
    maxQueued = Math.max(maxQueued, seen - out.length);
  }
  out.push(...m.flush());
  assert.ok(maxQueued <= window + 3, `queued ${maxQueued}`);
  assert.deepEqual(out.map((r) => r.event_id), ['long', 'nofinish', ...Array.from({ length: 50 }, (_, i) => `s${i}`)]);
  assert.equal(out[0]!.exit_status, 7);
  assert.equal(out[1]!.end_timestamp, undefined);
});

test('CompletionMerger holds only unfinished starts and LastRows keeps the N latest by log position', () => {
  const m = new CompletionMerger(true);
  const last = new LastRows(2);
  const recs = [start('a'), start('b'), start('c'), end('c'), end('a'), start('d')];
  for (const r of recs) {
    const done = m.push(r);
    if (done) last.add(done);
  }
  assert.deepEqual([...m.pending.keys()], ['b', 'd']);
  for (const r of m.drain()) last.add(r);
  assert.deepEqual(last.take().map((r) => r.row.event_id), ['c', 'd']);
});

test('LastRows trims in bulk yet returns exactly the last N in order', () => {
  const last = new LastRows(3);
  for (let i = 0; i < 5000; i++) last.add({ seq: i, row: { i }, final: true });
  assert.deepEqual(last.take().map((r) => r.seq), [4997, 4998, 4999]);
});
