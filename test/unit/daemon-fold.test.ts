// PATH folding (SPEC 6, src/daemon/fold.ts) through the real pipeline: which failed execs are held,
// folded into the next attempt's exec_tried, or written on their own, and when. Time is an injected
// clock and an injected scheduler: no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecEvent, ExecFailEvent, ExitEvent } from '../../src/daemon/kernel/events.js';
import { Pipeline } from '../../src/daemon/pipeline.js';
import { MonoClock } from '../../src/daemon/clock.js';
import { EventIds } from '../../src/daemon/ids.js';
import { HOLD_NS, MAX_TRIED } from '../../src/daemon/fold.js';

const ENOENT = 2;
const EACCES = 13;
const ENOTDIR = 20;
const ENOEXEC = 8;
const E2BIG = 7;
const MS = 1_000_000n;
const T0 = 5_000_000_000n;

const nul = (args: string[]) => Buffer.from(args.map((a) => a + '\0').join(''));

function task(pid: number, tid: number, monoNs: bigint) {
  return {
    monoNs, pid, tid, ppid: 1, comm: 'sh', cwd: '/tmp', tty: '', ttyNr: 0, parentComm: 'bash', parentExe: '/usr/bin/bash',
    parentTty: '', parentTtyNr: 0, cgroup: '/', uid: 0, gid: 0, euid: 0, egid: 0, auid: 4294967295, sessionId: 4294967295,
  };
}

function fail(filename: string, args: string[], o: { pid?: number; tid?: number; at?: bigint; errno?: number } = {}): ExecFailEvent {
  const pid = o.pid ?? 100;
  return {
    kind: 'fail', ...task(pid, o.tid ?? pid, o.at ?? T0), filename, args: nul(args), argc: args.length, argsTruncated: false,
    errno: o.errno ?? ENOENT, dirfd: -100, dirfdPath: '', exeMemfd: false, exeDeleted: false,
  };
}

function exec(filename: string, args: string[], o: { pid?: number; tid?: number; at?: bigint } = {}): ExecEvent {
  const pid = o.pid ?? 100;
  return {
    kind: 'exec', ...task(pid, o.tid ?? pid, o.at ?? T0), exe: filename, filename, args: nul(args), argc: args.length,
    argsTruncated: false, exeMemfd: false, exeDeleted: false,
  };
}

function exit(pid: number, at: bigint): ExitEvent {
  return { kind: 'exit', pid, exitCode: 0, monoNs: at };
}

/** A pipeline whose fold runs on `clock.now` and whose timers fire only when the test says so. */
function setup() {
  const lines: string[] = [];
  const clock = { now: T0 };
  const timers: { fn: () => void; ms: number; due: bigint }[] = [];
  const p = new Pipeline({
    limits: { maxArgs: 128, maxArgLength: 1024 },
    filter: () => true,
    sink: { write: (l) => lines.push(l) },
    clock: new MonoClock(() => 0n, () => Date.UTC(2026, 10, 22, 6, 4, 5)),
    ids: new EventIds(new Date(2026, 10, 22, 15, 4, 5)),
    fold: { now: () => clock.now, schedule: (fn, ms) => timers.push({ fn, ms, due: clock.now + BigInt(ms) * MS }) },
  });
  /** Moves the clock and fires the timers that are due by then. */
  const advance = (ns: bigint) => {
    clock.now += ns;
    for (let t = timers[0]; t !== undefined && t.due <= clock.now; t = timers[0]) {
      timers.shift();
      t.fn();
    }
  };
  const recs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { p, recs, timers, clock, advance };
}

const seq = (r: Record<string, unknown>) => Number(String(r.event_id).split('-')[1]);
const ID = ['id', '-u'];
const PATHS = ['/usr/local/sbin/id', '/usr/local/bin/id', '/usr/sbin/id'];

test('a PATH search that finds the program: one start carrying exec_tried, no fail records', () => {
  const { p, recs } = setup();
  PATHS.forEach((f, i) => p.handle(fail(f, ID, { at: T0 + BigInt(i) * 10_000n })));
  assert.deepEqual(recs(), [], 'the failures are held');
  p.handle(exec('/usr/bin/id', ID, { at: T0 + 40_000n }));
  const r = recs();
  assert.equal(r.length, 1);
  assert.equal(r[0]!.record_type, 'start');
  assert.deepEqual(r[0]!.exec_tried, PATHS);
  assert.equal(r[0]!.event_id, '20261122150405-1');
  assert.equal(p.fold.size, 0);
  // exec_tried sits where the catalogue puts it: right after exe (and its flags)
  const keys = Object.keys(r[0]!);
  assert.equal(keys[keys.indexOf('exe') + 1], 'exec_tried');
});

test('a PATH search where every attempt fails: one fail record, for the last attempt, written after the hold', () => {
  const { p, recs, advance } = setup();
  p.handle(fail('/usr/local/bin/nosuch', ['nosuch']));
  p.handle(fail('/usr/bin/nosuch', ['nosuch'], { errno: EACCES, at: T0 + 1000n }));
  p.handle(fail('/bin/nosuch', ['nosuch'], { errno: ENOTDIR, at: T0 + 2000n }));
  advance(HOLD_NS - 1n);
  assert.deepEqual(recs(), [], 'still held just before the hold time');
  advance(1n);
  const r = recs();
  assert.equal(r.length, 1);
  assert.equal(r[0]!.record_type, 'fail');
  assert.equal(r[0]!.exe, '/bin/nosuch');
  assert.equal(r[0]!.exec_errno, ENOTDIR);
  assert.deepEqual(r[0]!.exec_tried, ['/usr/local/bin/nosuch', '/usr/bin/nosuch']);
});

test('a lone failed exec is written as before, once the hold time has passed, without exec_tried', () => {
  const { p, recs, advance, timers } = setup();
  p.handle(fail('/opt/missing', ['missing', 'x']));
  assert.equal(timers.length, 1);
  assert.equal(timers[0]!.ms, 1000);
  advance(999n * MS);
  assert.equal(recs().length, 0);
  advance(1n * MS);
  const [f] = recs();
  assert.equal(f!.record_type, 'fail');
  assert.equal(f!.exe, '/opt/missing');
  assert.equal('exec_tried' in f!, false);
  assert.equal(timers.length, 0, 'nothing left to wait for');
});

test('the timer is re-armed for the next held failure, which is released one hold after it was held', () => {
  const { p, recs, advance, timers } = setup();
  p.handle(fail('/a/one', ['one'], { pid: 1 }));
  advance(400n * MS);
  p.handle(fail('/a/two', ['two'], { pid: 2 }));
  assert.equal(timers.length, 1, 'one timer at a time');
  advance(600n * MS);
  assert.deepEqual(recs().map((r) => r.exe), ['/a/one']);
  assert.equal(timers.length, 1);
  assert.equal(timers[0]!.ms, 400);
  advance(399n * MS);
  assert.equal(recs().length, 1);
  advance(1n * MS);
  assert.deepEqual(recs().map((r) => r.exe), ['/a/one', '/a/two']);
});

test('not folded: another argv, another file name, another thread, or an attempt more than a second later', () => {
  const cases: [string, ExecEvent][] = [
    ['another argv', exec('/usr/bin/id', ['id', '-g'])],
    ['another file name', exec('/usr/bin/idx', ID)],
    ['another thread', exec('/usr/bin/id', ID, { tid: 101 })],
    ['too late', exec('/usr/bin/id', ID, { at: T0 + HOLD_NS + 1n })],
  ];
  for (const [what, next] of cases) {
    const { p, recs } = setup();
    p.handle(fail('/usr/local/bin/id', ID));
    p.handle(next);
    const r = recs();
    assert.deepEqual(r.map((x) => x.record_type), ['fail', 'start'], what);
    assert.equal('exec_tried' in r[1]!, false, what);
    assert.ok(seq(r[0]!) < seq(r[1]!), `${what}: the failure is written first, with the lower event_id`);
  }
});

test('a directory listed twice in PATH is tried twice in one search: both attempts fold', () => {
  const { p, recs } = setup();
  p.handle(fail('/root/bin/env', ['env']));
  p.handle(fail('/root/bin/env', ['env'], { at: T0 + 1000n }));
  p.handle(exec('/usr/bin/env', ['env'], { at: T0 + 2000n }));
  const r = recs();
  assert.equal(r.length, 1);
  assert.deepEqual(r[0]!.exec_tried, ['/root/bin/env', '/root/bin/env']);
});

test('a search is bounded: at most MAX_TRIED paths, all within a second of its first attempt', () => {
  const { p, recs } = setup();
  for (let i = 0; i < MAX_TRIED + 1; i++) p.handle(fail(`/d${i}/x`, ['x'], { at: T0 + BigInt(i) * 1000n }));
  p.fold.flush();
  const r = recs();
  assert.deepEqual(r.map((x) => (x.exec_tried as string[] | undefined)?.length ?? 0), [MAX_TRIED - 1, 0]);
  assert.deepEqual(r.map((x) => x.exe), [`/d${MAX_TRIED - 1}/x`, `/d${MAX_TRIED}/x`]);
  // a program retrying every 0.4 s: each attempt is near the one before, but a search lasts 1 s at most
  const b = setup();
  for (let i = 0; i < 4; i++) b.p.handle(fail(`/d${i % 2}/x`, ['x'], { at: T0 + BigInt(i) * 400n * MS }));
  b.p.fold.flush();
  assert.deepEqual(b.recs().map((x) => (x.exec_tried as string[] | undefined)?.length ?? 0), [2, 0]);
});

test('a failure that is not part of a PATH search (E2BIG, ENOEXEC) is not held; as the last attempt it carries exec_tried', () => {
  const { p, recs } = setup();
  p.handle(fail('/usr/bin/big', ['big'], { errno: E2BIG }));
  assert.equal(recs().length, 1, 'written at once');
  p.handle(fail('/usr/local/bin/script', ['script']));
  p.handle(fail('/usr/bin/script', ['script'], { errno: ENOEXEC, at: T0 + 1000n }));
  const r = recs();
  assert.equal(r.length, 2);
  assert.equal(r[1]!.exe, '/usr/bin/script');
  assert.deepEqual(r[1]!.exec_tried, ['/usr/local/bin/script']);
});

test('the exit of the process releases its held failures before its end record', () => {
  const { p, recs } = setup();
  p.handle(exec('/bin/sh', ['sh', '-c', 'nosuch']));
  p.handle(fail('/usr/bin/nosuch', ['nosuch'], { at: T0 + 1000n }));
  p.handle(fail('/bin/nosuch', ['nosuch'], { at: T0 + 2000n }));
  p.handle(exit(100, T0 + 3000n));
  const r = recs();
  assert.deepEqual(r.map((x) => x.record_type), ['start', 'fail', 'end']);
  assert.deepEqual(r[1]!.exec_tried, ['/usr/bin/nosuch']);
});

test('an exit releases the failures of its own process only, in the order they were held', () => {
  const { p, recs } = setup();
  p.handle(fail('/a/x', ['x'], { pid: 1 }));
  p.handle(fail('/a/y', ['y'], { pid: 2, tid: 21 }));
  p.handle(fail('/a/z', ['z'], { pid: 2, tid: 22 }));
  p.handle(fail('/a/w', ['w'], { pid: 3 }));
  p.handle(exit(2, T0 + 1000n));
  assert.deepEqual(recs().map((x) => x.exe), ['/a/y', '/a/z']);
  assert.equal(p.fold.size, 2);
  p.handle(exit(2, T0 + 2000n));
  assert.equal(recs().length, 2);
});

test('an exec by one thread releases the failures another thread of the process held, first', () => {
  const { p, recs } = setup();
  p.handle(fail('/usr/local/bin/id', ID, { tid: 101 }));
  p.handle(fail('/usr/local/bin/true', ['true'], { tid: 102 }));
  p.handle(exec('/usr/bin/id', ID, { tid: 101, at: T0 + 1000n }));
  const r = recs();
  assert.deepEqual(r.map((x) => [x.record_type, x.exe]), [['fail', '/usr/local/bin/true'], ['start', '/usr/bin/id']]);
  assert.deepEqual(r[1]!.exec_tried, ['/usr/local/bin/id']);
});

test('a script found on PATH folds too: its start argv is INTERP SCRIPT ARGS', () => {
  const { p, recs } = setup();
  p.handle(fail('/usr/local/bin/tool', ['tool', '-v']));
  p.handle(exec('/usr/bin/tool', ['/bin/sh', '/usr/bin/tool', '-v'], { at: T0 + 1000n }));
  const r = recs();
  assert.equal(r.length, 1);
  assert.deepEqual(r[0]!.exec_tried, ['/usr/local/bin/tool']);
  // ... but not when the arguments after argv[0] differ
  const b = setup();
  b.p.handle(fail('/usr/local/bin/tool', ['tool', '-v']));
  b.p.handle(exec('/usr/bin/tool', ['/bin/sh', '/usr/bin/tool', '-x'], { at: T0 + 1000n }));
  assert.deepEqual(b.recs().map((x) => x.record_type), ['fail', 'start']);
});

test('flush (shutdown) writes every held failure, in the order they were held, with increasing event_ids', () => {
  const { p, recs } = setup();
  p.handle(fail('/a/x', ['x'], { pid: 1 }));
  p.handle(fail('/a/y', ['y'], { pid: 2 }));
  p.handle(exec('/bin/true', ['true'], { pid: 3 }));
  p.fold.flush();
  const r = recs();
  assert.deepEqual(r.map((x) => x.exe), ['/bin/true', '/a/x', '/a/y']);
  assert.ok(seq(r[0]!) < seq(r[1]!) && seq(r[1]!) < seq(r[2]!));
  assert.equal(p.fold.size, 0);
});

test('a filtered-out held failure is dropped when released, like any failure', () => {
  const lines: string[] = [];
  const p = new Pipeline({
    limits: { maxArgs: 128, maxArgLength: 1024 },
    filter: (r) => r.exe !== '/drop/me',
    sink: { write: (l) => lines.push(l) },
    fold: { now: () => T0, schedule: () => {} },
  });
  p.handle(fail('/drop/me', ['me']));
  p.handle(fail('/keep/it', ['it'], { pid: 2 }));
  p.fold.flush();
  assert.deepEqual(lines.map((l) => JSON.parse(l).exe), ['/keep/it']);
  assert.equal(p.stats.filtered, 1);
});
