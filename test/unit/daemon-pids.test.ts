// RunningPids.sweep: a pid gone from /proc is forgotten only when it was gone at the previous sweep
// too, so an exit event still queued behind a loaded reader ends its start instead of finding nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunningPids } from '../../src/daemon/pids.js';

const start = (id: string) => ({ eventId: id, source: 'system' as const, monoNs: 0n });

test('a dead pid survives one sweep (its exit may be queued) and is forgotten at the next', () => {
  const alive = new Set([1, 2]);
  const pids = new RunningPids(100, (pid) => alive.has(pid));
  pids.set(1, start('a'));
  pids.set(2, start('b'));
  alive.delete(2);
  assert.equal(pids.sweep(), 0);
  assert.equal(pids.take(2)?.eventId, 'b', 'the queued exit still finds its start');
  pids.set(3, start('c'));
  assert.equal(pids.sweep(), 0);
  assert.equal(pids.sweep(), 1);
  assert.equal(pids.get(3), undefined);
  assert.equal(pids.get(1)?.eventId, 'a');
});

test('a pid reused by a new start between two sweeps is not forgotten for the old one', () => {
  const pids = new RunningPids(100, () => false);
  pids.set(7, start('old'));
  pids.sweep();
  pids.set(7, start('new'));
  assert.equal(pids.sweep(), 0);
  assert.equal(pids.get(7)?.eventId, 'new');
  assert.equal(pids.sweep(), 1);
});
