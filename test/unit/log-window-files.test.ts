// A time window over a rotated set (zstd with many frames, gzip members, plain lines; the current
// file with an unfinished frame): the records read through resolveInputsIn + windowRanges (files
// and frames outside the window skipped) and kept by the window are exactly those of a full read
// of every file kept by the window, for any window (fast-check). The set: test/helpers/rotated-set.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTimestampNs } from '../../src/schema/index.js';
import { readRecordsFrom, resolveInputsIn, windowRanges, type TimeRange } from '../../src/rows/index.js';
import type { LogRecord } from '../../src/schema/index.js';
import { BASE_MS, buildSet, FILE_S, FILES } from '../helpers/rotated-set.js';

async function records(files: readonly string[], ranges?: Map<string, { start: number; end?: number }>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const stats = { badLines: 0 };
  for await (const batch of readRecordsFrom(files, ranges ? { ranges } : {}, stats)) out.push(...batch);
  assert.equal(stats.badLines, 0);
  return out;
}

const inWindow = (w: TimeRange) => (rec: LogRecord): boolean => {
  const t = parseTimestampNs(rec.timestamp)!;
  return (w.since === undefined || t >= w.since) && (w.until === undefined || t <= w.until);
};

test('a window read with files and frames skipped keeps exactly the records of a full read in the window', async () => {
  const input = buildSet();
  const all = await records(await resolveInputsIn(input, true, {}, false));
  assert.ok(all.length > 1000);
  const ns = (s: number): bigint => BigInt(BASE_MS) * 1_000_000n + BigInt(Math.round(s * 1000)) * 1_000_000n;
  const span = FILES * FILE_S;
  const time = fc.option(fc.integer({ min: -3600, max: span + 3600 }), { nil: undefined });
  let skipped = 0;
  await fc.assert(
    fc.asyncProperty(time, time, fc.boolean(), async (a, b, keepEnds) => {
      const [lo, hi] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
      const w: TimeRange = { ...(lo !== undefined ? { since: ns(lo) } : {}), ...(hi !== undefined ? { until: ns(hi + 0.999) } : {}) };
      const files = await resolveInputsIn(input, true, w, keepEnds);
      const ranges = await windowRanges(files, w, keepEnds);
      if ([...ranges.values()].some((r) => r.start > 0 || r.end !== undefined)) skipped++;
      const got = (await records(files, ranges)).filter(inWindow(w));
      assert.deepEqual(got, all.filter(inWindow(w)));
    }),
    { numRuns: 60, seed: 19 },
  );
  // not vacuous: most windows skip frames
  assert.ok(skipped > 20, `frames skipped in only ${skipped} windows`);
});

test('a one-hour window reads a small part of the set', async () => {
  const input = buildSet();
  const ns = (s: number): bigint => BigInt(BASE_MS) * 1_000_000n + BigInt(s) * 1_000_000_000n;
  // hour 3 of file 3 (a zstd file): the files before and after are skipped, and most of its frames
  const w = { since: ns(3 * FILE_S + 2400), until: ns(3 * FILE_S + 6000) };
  const files = await resolveInputsIn(input, true, w, false);
  assert.deepEqual(files.map((f) => f.split('/').pop()), ['prec.log.5']);
  const ranges = await windowRanges(files, w, false);
  const r = ranges.get(files[0]!);
  assert.ok(r !== undefined && r.start > 0 && r.end !== undefined, JSON.stringify(r));
});
