// The Verifier with a time window (`prec verify --since/--until`): per file, the record lines stamped
// inside the window and how many of them a verified seal covers, with their range; lines of an
// unsealed tail or after a problem are counted, never as verified. The chain is checked as without.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sealer } from '../../src/seal/sealer.js';
import { Verifier } from '../../src/seal/verify.js';

const ts = (s: number): string => `2026-12-07T10:00:${String(s).padStart(2, '0')}.000000000+00:00`;
const record = (s: number): string => JSON.stringify({ timestamp: ts(s), event_id: `20261207100000-${s}`, argv: ['echo', `n${s}`], record_type: 'start' });

/** Seconds 0..9 sealed after 4 and after 9, then 10..11 unsealed. */
function file(): string[] {
  const s = new Sealer({ state: undefined, persist: () => {}, now: () => ts(0), report: () => {} });
  const lines: string[] = [];
  const out = { write: (l: string): number => lines.push(l) };
  s.opened(out);
  s.committed();
  for (let i = 0; i < 12; i++) {
    s.line(record(i), out);
    if (i === 4 || i === 9) {
      s.tick(out);
      s.committed();
    }
  }
  return lines;
}

const between = (a: number, b: number) => (t: string): boolean => t >= ts(a) && t <= ts(b);

function verify(lines: readonly string[], inWindow?: (t: string) => boolean) {
  const v = new Verifier(undefined, inWindow);
  v.beginFile('f');
  for (const l of lines) v.line(l);
  return v.endFile();
}

test('window counts: records inside it, those covered by a verified seal, their range', () => {
  const lines = file();
  assert.equal(verify(lines).window, undefined, 'no window: no window report');
  const r = verify(lines, between(3, 10));
  assert.equal(r.verdict, 'PASS');
  assert.equal(r.verified, 10);
  assert.equal(r.unsealedTail, 2);
  // 3..10 is 8 records; 10 is in the unsealed tail.
  assert.deepEqual(r.window, { records: 8, verified: 7, from: ts(3), to: ts(9) });
  assert.deepEqual(verify(lines, between(20, 30)).window, { records: 0, verified: 0, from: undefined, to: undefined });
});

test('a changed line: the window lines its seal covers are not verified', () => {
  const lines = file();
  const i = lines.findIndex((l) => l.includes('"n7"'));
  lines[i] = lines[i]!.replace('"n7"', '"nX"');
  const r = verify(lines, between(3, 8));
  assert.equal(r.verdict, 'FAIL');
  assert.equal(r.problem?.kind, 'changed');
  // 3 and 4 under the first seal verified; 5..8 under the broken one not.
  assert.deepEqual(r.window, { records: 6, verified: 2, from: ts(3), to: ts(4) });
});
