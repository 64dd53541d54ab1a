// The table of running pids: bounded, and a pid gone from /proc is forgotten only when it is still
// gone a sweep later (its exit event may still be on its way through the ring buffer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunningPids } from '../../src/daemon/pids.js';

const start = (eventId: string) => ({ eventId, source: 'system' as const, monoNs: 0n });

test('a pid gone from /proc survives one sweep and is forgotten at the next', () => {
  const alive = new Set([1, 2]);
  const pids = new RunningPids(10, (pid) => alive.has(pid));
  pids.set(1, start('a'));
  pids.set(2, start('b'));
  alive.delete(2);
  assert.equal(pids.sweep(), 0);
  assert.equal(pids.get(2)?.eventId, 'b', 'its exit may still be in flight');
  assert.equal(pids.sweep(), 1);
  assert.equal(pids.get(2), undefined);
  assert.equal(pids.get(1)?.eventId, 'a');
});

test('an exit taken between two sweeps is not counted, and a reused pid starts its grace again', () => {
  const alive = new Set<number>();
  const pids = new RunningPids(10, (pid) => alive.has(pid));
  pids.set(3, start('x'));
  pids.set(4, start('y'));
  assert.equal(pids.sweep(), 0);
  assert.equal(pids.take(3)?.eventId, 'x');
  pids.set(4, start('z')); // pid 4 reused by a new program: not the start seen gone before
  assert.equal(pids.sweep(), 0);
  assert.equal(pids.get(4)?.eventId, 'z');
  assert.equal(pids.sweep(), 1);
  assert.equal(pids.size, 0);
});

test('full: the oldest entry gives way', () => {
  const pids = new RunningPids(2, () => true);
  pids.set(1, start('a'));
  pids.set(2, start('b'));
  pids.set(3, start('c'));
  assert.equal(pids.get(1), undefined);
  assert.equal(pids.size, 2);
});
