// Damaged logs, whatever the damage: decoding never throws or hangs, gives the same lines and
// warnings whatever pieces the bytes arrive in (a followed file grows in arbitrary pieces), and
// every warning is one line of the documented form. Mutations of real multi-frame logs (flipped bytes, cut and
// spliced regions, inserted garbage), fed in arbitrary pieces as a growing file is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AutoDecoder } from '../../src/log/decode.js';
import { LineSplitter } from '../../src/log/lines.js';
import { gzipMember, gzipUnfinished, recordLines, text, zstdFrame, zstdUnfinished } from './log-fixtures.js';

const a = recordLines(12, 1);
const b = recordLines(9, 100);
const c = recordLines(7, 200);
const LOGS: Record<string, Buffer> = {
  zstd: Buffer.concat([zstdUnfinished([a.slice(0, 5), a.slice(5)]), zstdFrame(text(b)), zstdUnfinished([c])]),
  mixed: Buffer.concat([text(a), zstdFrame(text(b)), text(c)]),
  gzip: Buffer.concat([gzipUnfinished(text(a)), gzipMember(text(b)), gzipUnfinished(text(c))]),
  all: Buffer.concat([text(a), zstdFrame(text(b)), gzipMember(text(c))]),
};

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
);

function mutate(data: Buffer, m: Mutation): Buffer {
  const at = m.at % (data.length + 1);
  if (m.kind === 'flip') {
    const copy = Buffer.from(data);
    if (at < copy.length) copy[at] = m.value;
    return copy;
  }
  if (m.kind === 'cut') return Buffer.concat([data.subarray(0, at), data.subarray(at + m.length)]);
  return Buffer.concat([data.subarray(0, at), Buffer.from(m.bytes), data.subarray(at)]);
}

/** Lines, unterminated tail and warnings of `data` handed over in pieces of `piece` bytes. */
function decode(data: Buffer, piece: number): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const splitter = new LineSplitter({
    lines: (batch) => lines.push(...batch),
    invalidLine: (bytes, why) => lines.push(`<${why}>`),
    tail: (t) => lines.push(`<tail>${t}`),
  });
  const decoder = new AutoDecoder(splitter, 'log', (w) => warnings.push(w));
  for (let i = 0; i < data.length; i += piece) decoder.write(Buffer.from(data.subarray(i, i + piece)));
  decoder.finish();
  return { lines, warnings };
}

test('damaged logs decode the same in any pieces, never throw, and warn in single lines', () => {
  fc.assert(
    fc.property(
      // zlib's own buffering makes what a corrupt deflate block yields depend on how its bytes
      // arrived; gzip logs are checked for robustness below.
      fc.constantFrom('zstd', 'mixed'),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 5000 }),
      (name, mutations, piece) => {
        const data = mutations.reduce(mutate, LOGS[name]!);
        const whole = decode(data, data.length);
        const { lines, warnings } = decode(data, piece);
        // zlib takes in a few bytes more or less before it sees damage depending on what it was
        // given, so where gzip damage is noticed may differ by a few bytes; where reading
        // resumes, and what is read, may not.
        const sameSpot = (w: string): string => w.replace(/gzip data at byte \d+/, 'gzip data at byte N');
        assert.deepEqual({ lines, warnings: warnings.map(sameSpot) }, { lines: whole.lines, warnings: whole.warnings.map(sameSpot) });
        for (const w of warnings) assert.match(w, /^log( \(inside \w+\))?: damaged (zstd frame|gzip data) at byte \d+, (resumed at byte \d+|no (frame|member) after it)$/);
      },
    ),
    { numRuns: 2000 },
  );
});

test('damaged gzip logs never throw or hang and warn in single lines', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('gzip', 'all'),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 5000 }),
      (name, mutations, piece) => {
        const data = mutations.reduce(mutate, LOGS[name]!);
        for (const { warnings } of [decode(data, data.length), decode(data, piece)]) {
          for (const w of warnings) assert.match(w, /^log( \(inside \w+\))?: damaged (zstd frame|gzip data) at byte \d+, (resumed at byte \d+|no (frame|member) after it)$/);
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test('a log read in any pieces gives back exactly its lines, cut frames included', () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(LOGS)), fc.integer({ min: 1, max: 3000 }), (name, piece) => {
      const whole = decode(LOGS[name]!, LOGS[name]!.length);
      assert.deepEqual(whole.lines, [...a, ...b, ...c]);
      assert.deepEqual(decode(LOGS[name]!, piece), whole);
    }),
    { numRuns: 100 },
  );
});
