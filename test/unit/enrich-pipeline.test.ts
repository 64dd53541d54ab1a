import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordKeys, type RecordType } from '../../src/schema/index.js';
import type { ExecEvent, ExecFailEvent, ExitEvent } from '../../src/daemon/kernel/events.js';
import { Pipeline } from '../../src/daemon/pipeline.js';
import { MonoClock } from '../../src/daemon/clock.js';
import { EventIds } from '../../src/daemon/ids.js';
import { LossMonitor } from '../../src/daemon/loss.js';
import { completePath, exitStatusOf, resolveAttempted } from '../../src/daemon/records.js';

const nul = (args: string[]) => Buffer.from(args.map((a) => a + '\0').join(''));

function ctx(pid: number, over: Partial<ExecEvent> = {}) {
  return {
    monoNs: 1_000_000_000n, pid, tid: pid, ppid: 1, comm: 'true', cwd: '/tmp', tty: '', ttyNr: 0,
    parentComm: 'bash', parentExe: '/usr/bin/bash', parentTty: '', parentTtyNr: 0, cgroup: '/user.slice',
    uid: 0, gid: 0, euid: 0, egid: 0, auid: 4294967295, sessionId: 4294967295, ...over,
  };
}
function exec(pid: number, args: string[], over: Partial<ExecEvent> = {}): ExecEvent {
  return { kind: 'exec', exe: '/usr/bin/true', filename: '/usr/bin/true', args: nul(args), argc: args.length, argsTruncated: false, ...ctx(pid, over), ...over } as ExecEvent;
}
function exit(pid: number, exitCode: number, monoNs = 3_000_000_000n): ExitEvent {
  return { kind: 'exit', pid, exitCode, monoNs };
}
function fail(pid: number, filename: string, errno: number): ExecFailEvent {
  return { kind: 'fail', filename, args: nul([filename]), argc: 1, argsTruncated: false, errno, dirfd: -100, dirfdPath: '', ...ctx(pid) } as ExecFailEvent;
}

function setup(filter: (r: Record<string, unknown>) => boolean = () => true) {
  const lines: string[] = [];
  const p = new Pipeline({
    limits: { maxArgs: 128, maxArgLength: 1024 },
    filter,
    sink: { write: (l) => lines.push(l) },
    clock: new MonoClock(() => 0n, () => Date.UTC(2026, 10, 22, 6, 4, 5)),
    ids: new EventIds(new Date(2026, 10, 22, 15, 4, 5)),
  });
  return { p, recs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function assertKeyOrder(r: Record<string, unknown>) {
  const all = recordKeys(r.record_type as RecordType);
  const keys = Object.keys(r);
  assert.deepEqual(keys, all.filter((k) => keys.includes(k)), `key order of ${r.record_type}`);
  for (const k of keys) assert.notEqual(r[k], null);
}

test('start then exit gives start and end with the same event_id, key order of the catalogue', () => {
  const { p, recs } = setup();
  p.handle(exec(100, ['true', 'x'], { auid: 1000, sessionId: 7, tty: 'pts/1', ttyNr: 34817 }));
  p.handle(exit(100, 3 << 8));
  const [s, e] = recs();
  assert.equal(s!.record_type, 'start');
  assert.equal(s!.event_id, '20261122150405-1');
  assert.equal(s!.auid, 1000);
  assert.equal(s!.tty, '/dev/pts/1');
  assert.equal(s!.source, 'user');
  assert.equal(e!.record_type, 'end');
  assert.equal(e!.event_id, s!.event_id);
  assert.equal(e!.exit_status, 3);
  assert.equal(e!.duration_ns, 2_000_000_000);
  assert.equal(e!.signal, undefined);
  assertKeyOrder(s!);
  assertKeyOrder(e!);
});

test('unset auid/session_id and absent tty are omitted, not null', () => {
  const { p, recs } = setup();
  p.handle(exec(100, ['true']));
  const [s] = recs();
  for (const k of ['auid', 'session_id', 'tty', 'tty_nr', 'parent_tty', 'parent_tty_nr', 'argv_truncated', 'argv_raw', 'container_id']) {
    assert.equal(k in s!, false, k);
  }
  assert.equal(s!.source, 'system');
});

test('a killed program ends with 128+signal and the signal name', () => {
  const { p, recs } = setup();
  p.handle(exec(100, ['sleep', '9']));
  p.handle(exit(100, 9));
  assert.equal(recs()[1]!.exit_status, 137);
  assert.equal(recs()[1]!.signal, 'SIGKILL');
  assert.deepEqual(exitStatusOf(0x86), { exitStatus: 134, signal: 'SIGABRT' }); // core dump bit
});

test('a second exec of the same pid writes an exec_replaced end without exit_status, then the next start', () => {
  const { p, recs } = setup();
  p.handle(exec(100, ['sh', '-c', 'exec sleep 0']));
  p.handle(exec(100, ['sleep', '0'], { monoNs: 1_500_000_000n }));
  p.handle(exit(100, 0));
  const r = recs();
  assert.deepEqual(r.map((x) => x.record_type), ['start', 'end', 'start', 'end']);
  assert.equal(r[1]!.exec_replaced, true);
  assert.equal('exit_status' in r[1]!, false);
  assert.equal(r[1]!.event_id, r[0]!.event_id);
  assert.equal(r[1]!.duration_ns, 500_000_000);
  assert.equal(r[3]!.event_id, r[2]!.event_id);
  assert.notEqual(r[2]!.event_id, r[0]!.event_id);
  assertKeyOrder(r[1]!);
});

test('a filtered-out start leaves no end, and event ids stay consecutive in written order', () => {
  const { p, recs } = setup((r) => !(r.argv as string[]).includes('drop'));
  p.handle(exec(100, ['a']));
  p.handle(exec(101, ['drop']));
  p.handle(exec(102, ['b']));
  p.handle(exit(101, 0));
  p.handle(exit(100, 0));
  const r = recs();
  assert.deepEqual(r.map((x) => [x.record_type, x.event_id]), [
    ['start', '20261122150405-1'],
    ['start', '20261122150405-2'],
    ['end', '20261122150405-1'],
  ]);
});

test('an exit of a pid never started (before precd) writes nothing', () => {
  const { p, recs } = setup();
  p.handle(exit(555, 0));
  assert.equal(recs().length, 0);
});

test('fail records carry the absolute attempted path, errno and its text, and take an event id', () => {
  const { p, recs } = setup();
  p.handle(fail(100, './nope', 2));
  p.fold.flush(); // an ENOENT failure is held for PATH folding (daemon-fold.test.ts) until then
  const [f] = recs();
  assert.equal(f!.exe, '/tmp/nope');
  assert.equal(f!.exec_errno, 2);
  assert.equal(f!.exec_error, 'no such file or directory');
  assert.equal(f!.event_id, '20261122150405-1');
  assertKeyOrder(f!);
  assert.equal(resolveAttempted('/abs/x', '/tmp', -100, 1), '/abs/x');
  assert.equal(resolveAttempted('../x', '/tmp/a', -100, 1), '/tmp/x');
});

test('a path the kernel cut is completed from /proc only when the link ends with its tail, else stays marked "…/"', () => {
  const cwd = process.cwd();
  const tail = cwd.split('/').slice(-1)[0]!;
  assert.equal(completePath(`…/${tail}`, `/proc/${process.pid}/cwd`), cwd);
  assert.equal(completePath('…/not-this-one', `/proc/${process.pid}/cwd`), '…/not-this-one');
  assert.equal(completePath('…/a/b', '/proc/0/cwd'), '…/a/b'); // no such process
  assert.equal(completePath('/a/b', `/proc/${process.pid}/cwd`), '/a/b'); // not cut: unchanged
});

test('execveat: the kernel-resolved dirfd path is the base; an empty name is the fd itself; a cut base gives a cut result', () => {
  assert.equal(resolveAttempted('x', '/cwd', 3, 0, '/d'), '/d/x');
  assert.equal(resolveAttempted('sub/../x', '/cwd', 3, 0, '/d'), '/d/x');
  assert.equal(resolveAttempted('', '/cwd', 3, 0, '/d/file'), '/d/file');
  assert.equal(resolveAttempted('/abs', '/cwd', 3, 0, '/d'), '/abs');
  assert.equal(resolveAttempted('./x', '…/a/b', -100, 0), '…/a/b/x');
  assert.equal(resolveAttempted('x', '/cwd', 3, 0, '…/d'), '…/d/x');
  assert.equal(resolveAttempted('x', '/cwd', 3, 0), 'x'); // nothing known of the fd (pid 0 has no /proc entry)
});

test('timestamps are RFC3339 with nanoseconds in the local offset', () => {
  const { p, recs } = setup();
  p.handle(exec(100, ['a'], { monoNs: 123n }));
  assert.match(recs()[0]!.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d$/);
});

test('loss monitor writes a record per increase with the running total; ignore writes none; stop writes one', () => {
  let drops = 0;
  const lines: string[] = [];
  let stopped = 0;
  const m = new LossMonitor(() => drops, 'log', { write: (l) => lines.push(l) }, () => 'T');
  m.poll();
  drops = 5;
  m.poll();
  m.poll();
  drops = 7;
  m.poll();
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [
    { timestamp: 'T', record_type: 'loss', lost_samples: 5, lost_samples_total: 5 },
    { timestamp: 'T', record_type: 'loss', lost_samples: 2, lost_samples_total: 7 },
  ]);
  assert.deepEqual(JSON.parse(m.unwrittenLine(3)), { timestamp: 'T', record_type: 'loss', lost_samples: 3, lost_samples_total: 10 });
  const quiet: string[] = [];
  const q = new LossMonitor(() => drops, 'ignore', { write: (l) => quiet.push(l) }, () => 'T');
  q.poll();
  assert.equal(quiet.length, 0);
  const s = new LossMonitor(() => drops, 'stop', { write: (l) => quiet.push(l) }, () => 'T', () => stopped++);
  s.poll();
  drops = 9;
  s.poll();
  assert.equal(quiet.length, 1);
  assert.equal(stopped, 1);
});

test('the clock formats like formatTimestamp, across second boundaries and offsets', async () => {
  const { formatTimestamp } = await import('../../src/schema/index.js');
  const c = new MonoClock(() => 1_000n, () => 1_795_000_000_123);
  const offsetNs = c.epochNs(0n);
  for (const mono of [0n, 5n, 999_999_999n, 1_000_000_000n, 1_000_000_001n, 86_400_000_000_123n, 7n]) {
    const local = -new Date(Number((mono + offsetNs) / 1_000_000n)).getTimezoneOffset();
    assert.equal(c.format(mono), formatTimestamp(mono + offsetNs, local));
  }
});
