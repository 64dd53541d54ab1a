// prec verify --server's comparison (src/cli/verify-server.ts compareSeals): local seals (file order,
// with file and line) against the server's copy (time order), on hand-made seal lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSeals, LocalSeals, type ShippedSeal } from '../../src/cli/verify-server.js';
import { sealLine } from '../../src/seal/record.js';

const hex = (n: number) => n.toString(16).padStart(64, '0');
const seal = (seq: number, file?: string, line?: number): ShippedSeal => ({
  seal_seq: seq, timestamp: `2026-12-07T10:00:${String(seq).padStart(2, '0')}.000000000+00:00`, epoch: seq - 1, records: seq, chain: hex(seq),
  ...(file ? { file, line } : {}),
});
const server = (seqs: number[]) => seqs.map((s) => seal(s));
const local = (files: [string, number[]][]) => files.flatMap(([f, seqs]) => seqs.map((s, i) => seal(s, f, 10 * (i + 1))));

test('every server seal in the local range matched: no problem; older server seals and unshipped local ones are notes', () => {
  const r = compareSeals(local([['a.1', [3, 4]], ['a', [5, 6]]]), server([1, 2, 3, 4, 5]));
  assert.deepEqual(r.problems, []);
  assert.deepEqual([r.compared, r.matched], [3, 3]);
  assert.deepEqual(r.notes, [
    'local seal(s) #6 not on the server (not shipped yet, or prec-ship was not running)',
    '2 server seal(s) older than the first local seal not compared (rotated away)',
  ]);
});

test('seals only the server has: after the last local one (truncated), between local ones (deleted)', () => {
  const cut = compareSeals(local([['a.1', [1, 2]], ['a', [3]]]), server([1, 2, 3, 4, 5]));
  assert.equal(cut.problems.length, 1);
  assert.deepEqual({ ...cut.problems[0]!, text: undefined }, { kind: 'truncated', file: 'a', line: 10, text: undefined });
  assert.match(cut.problems[0]!.text, /ends at a line 10 \(seal #3\); the server has seal\(s\) #4\.\.#5 after it/);
  const gap = compareSeals(local([['a.2', [1, 2]], ['a', [5, 6]]]), server([1, 2, 3, 4, 5, 6]));
  assert.equal(gap.problems.length, 1);
  assert.equal(gap.problems[0]!.kind, 'deleted');
  assert.deepEqual([gap.problems[0]!.file, gap.problems[0]!.line], ['a.2', 20]);
  assert.match(gap.problems[0]!.text, /seal\(s\) #3\.\.#4 .* after a\.2 line 20 \(seal #2\)/);
});

test('a seal that differs in chain, records, epoch or MAC: the first is reported at its local line, the later ones counted', () => {
  for (const key of ['chain', 'records', 'epoch', 'mac'] as const) {
    const mine = local([['a', [1, 2, 3]]]).map((s) => (s.seal_seq >= 2 ? { ...s, [key]: key === 'chain' || key === 'mac' ? hex(99) : 99 } : s));
    const r = compareSeals(mine, server([1, 2, 3]));
    assert.equal(r.problems.length, 1, key);
    assert.equal(r.problems[0]!.kind, 'differs');
    assert.deepEqual([r.problems[0]!.file, r.problems[0]!.line], ['a', 20]);
    assert.match(r.problems[0]!.text, new RegExp(`seal #2 .* in ${key}: .*; 1 later seal\\(s\\) differ too: #3`));
    assert.equal(r.matched, 1);
  }
});

test('a seal_seq the server has from another chain (other timestamp) is not taken for the local one', () => {
  const other = { ...seal(2), timestamp: '2026-12-07T09:00:00.000000000+00:00' };
  const r = compareSeals(local([['a', [1, 2]]]), [other, ...server([1, 2])]);
  assert.deepEqual(r.problems, []);
  assert.equal(r.matched, 2);
});

test('LocalSeals takes the seal lines as read, with file and line; other lines are ignored', () => {
  const l = new LocalSeals();
  l.add('f', 1, '{"timestamp":"t","record_type":"start","event_id":"x-1"}');
  l.add('f', 2, sealLine({ timestamp: 't', seal_seq: 7, epoch: 6, records: 1, chain: hex(1) }, undefined));
  assert.deepEqual(l.seals, [{ timestamp: 't', record_type: 'seal', seal_seq: 7, epoch: 6, records: 1, chain: hex(1), file: 'f', line: 2 }]);
});
