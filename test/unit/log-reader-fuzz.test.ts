// Fuzzing the log reader `prec` reads with (rows/ readRecordsFrom, over log/ readRecordBatches) on
// random damage to a real log file (fast-check, bounded runs): small logs made with the codecs'
// encoders (zstd frames with flushed blocks, gzip members, plain lines, and all three in one file),
// then one byte range flipped, the file truncated, or bytes inserted. Whatever the damage: no
// exception escapes, every record of the frames, members and lines that end before the first
// damaged byte comes back first and in order, and in a plain log damage inside one line costs that
// line only, counted as a bad line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readRecordsFrom, type ReadStats } from '../../src/rows/index.js';
import { readRecordBatches } from '../../src/log/index.js';
import { gzipMember, recordLines, tempDir, text, ZstdWriter } from './log-fixtures.js';

/** A log as units (a frame, a member or a plain line) with the record lines each holds. */
interface Unit {
  bytes: Buffer;
  lines: string[];
}

function zstdUnit(lines: string[]): Unit {
  // As precd writes: a block flushed per line, then the frame ended.
  const w = new ZstdWriter(3, true);
  return { bytes: Buffer.concat([...lines.map((l) => w.flush(text([l]))), w.end()]), lines };
}
const gzipUnit = (lines: string[]): Unit => ({ bytes: gzipMember(text(lines)), lines });
const plainUnits = (lines: string[]): Unit[] => lines.map((l) => ({ bytes: text([l]), lines: [l] }));

const groups = (from: number) => [0, 1, 2, 3].map((g) => recordLines(4, from + g * 4));
const LOGS: Record<string, Unit[]> = {
  plain: plainUnits(recordLines(16, 1)),
  zstd: groups(100).map(zstdUnit),
  gzip: groups(200).map(gzipUnit),
  mixed: [...plainUnits(recordLines(3, 300)), zstdUnit(recordLines(4, 310)), gzipUnit(recordLines(4, 320)), ...plainUnits(recordLines(3, 330)), zstdUnit(recordLines(3, 340))],
};

type Damage =
  | { kind: 'flip'; at: number; bytes: Uint8Array }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

/** The damaged bytes and the offset of the first byte that differs from the original. */
function apply(data: Buffer, d: Damage): { bytes: Buffer; at: number } {
  const at = d.at % (data.length + 1);
  if (d.kind === 'truncate') return { bytes: data.subarray(0, at), at };
  if (d.kind === 'insert') return { bytes: Buffer.concat([data.subarray(0, at), Buffer.from(d.bytes), data.subarray(at)]), at };
  const copy = Buffer.from(data);
  d.bytes.forEach((b, i) => {
    if (at + i < copy.length) copy[at + i] = b;
  });
  const first = copy.findIndex((b, i) => b !== data[i]);
  return { bytes: copy, at: first < 0 ? copy.length : first };
}

/** record_type:event_id of a record line. */
const key = (r: { record_type: unknown; event_id?: unknown }) => `${String(r.record_type)}:${String(r.event_id)}`;

/** Lines of the units that end at or before `at`: untouched by damage there. */
function intactBefore(units: Unit[], at: number): string[] {
  const out: string[] = [];
  let end = 0;
  for (const u of units) {
    end += u.bytes.length;
    if (end > at) break;
    out.push(...u.lines.map((l) => key(JSON.parse(l) as { record_type: unknown; event_id: unknown })));
  }
  return out;
}

const dir = tempDir('prec-reader-fuzz-');
let n = 0;

async function readAll(bytes: Buffer, worker: boolean): Promise<{ keys: string[]; bad: number; warnings: string[] }> {
  const path = join(dir, `log-${n++}`);
  writeFileSync(path, bytes);
  const stats: ReadStats = { badLines: 0 };
  const warnings: string[] = [];
  const keys: string[] = [];
  const batches = worker
    ? readRecordBatches(path, { onWarning: (w) => warnings.push(w), onBadLine: () => stats.badLines++, workerMinBytes: 0 })
    : readRecordsFrom([path], { onWarning: (w) => warnings.push(w) }, stats);
  for await (const batch of batches) for (const r of batch) keys.push(key(r));
  return { keys, bad: stats.badLines, warnings };
}

async function property(name: string, d: Damage, worker: boolean): Promise<void> {
  const units = LOGS[name]!;
  const original = Buffer.concat(units.map((u) => u.bytes));
  const { bytes, at } = apply(original, d);
  const { keys, bad, warnings } = await readAll(bytes, worker);
  const intact = intactBefore(units, at);
  assert.deepEqual(keys.slice(0, intact.length), intact, `records before byte ${at} of ${name}`);
  for (const w of warnings) assert.doesNotMatch(w, /\n/);
  // Plain: a flip inside one line that leaves the newlines alone costs that line at most, as a bad line.
  if (name === 'plain' && d.kind === 'flip') {
    const changed = original.subarray(at, at + d.bytes.length);
    const newlines = (b: Buffer) => b.filter((c) => c === 0x0a).length;
    if (newlines(changed) === 0 && newlines(bytes.subarray(at, at + d.bytes.length)) === 0) {
      const total = units.length;
      assert.ok(bad <= 1, `bad lines: ${bad}`);
      assert.equal(keys.length + bad, total, `records ${keys.length} + bad lines ${bad}`);
    }
  }
}

test('the reader prec -a uses: random damage never throws, keeps what precedes it, counts a damaged line', { timeout: 300_000 }, async () => {
  // Undamaged, every log reads whole.
  for (const [name, units] of Object.entries(LOGS)) {
    const all = await readAll(Buffer.concat(units.map((u) => u.bytes)), false);
    assert.deepEqual(all, { keys: intactBefore(units, Infinity), bad: 0, warnings: [] }, name);
  }
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(LOGS)), damage, (name, d) => property(name, d, false)),
    { numRuns: 1500 },
  );
});

test('the same on the worker-thread reader (big files, prefiltered queries)', { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(LOGS)), damage, (name, d) => property(name, d, true)),
    { numRuns: 60 },
  );
});
