// gzip members cut short in the middle (precd killed mid-write, then restarted and appending a new
// member), made with the real `gzip` tool: inflate takes the next member's header for more
// compressed data and may decode garbage, or swallow the next member whole, without any error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { decodeInPieces, recordLines, tempDir, text, type Decoded } from './log-fixtures.js';

function decode(data: Buffer, piece: number): Decoded {
  const { lines, bad, warnings } = decodeInPieces(data, piece);
  return { lines, bad, warnings };
}

const a = recordLines(400, 1);
const b = recordLines(40, 1001);

function gzipTool(lines: readonly string[]): Buffer {
  const dir = tempDir();
  writeFileSync(join(dir, 'A'), text(lines));
  const r = spawnSync('gzip', ['-c', 'A'], { cwd: dir, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, 'gzip -c A');
  return r.stdout;
}

test('a gzip member cut anywhere, then a whole member: the complete lines before the cut, then all of the next member, one warning', () => {
  const ga = gzipTool(a);
  const gb = gzipTool(b);
  // From inside the header (gzip stores the file name there) to the trailer, in uneven steps.
  // (A single byte 1F is no member: plain text before one.)
  const cuts = [2, 3, 4, 9, 10, 11, 12, 13, 20];
  for (let at = 31; at < ga.length - 8; at += 97) cuts.push(at);
  cuts.push(ga.length - 9, ga.length - 4, ga.length - 1);
  for (const cut of cuts) {
    const data = Buffer.concat([ga.subarray(0, cut), gb]);
    const whole = decode(data, data.length);
    const kept = whole.lines.length - b.length;
    assert.ok(kept >= 0, `cut at ${cut}: lines of the next member lost`);
    assert.deepEqual(whole.lines, [...a.slice(0, kept), ...b], `cut at ${cut}`);
    assert.deepEqual(whole.bad, [], `cut at ${cut}`);
    assert.deepEqual(whole.warnings, [`log: damaged gzip data at byte ${cut}, resumed at byte ${cut}`], `cut at ${cut}`);
    for (const piece of [1, 5, 700]) assert.deepEqual(decode(data, piece), whole, `cut at ${cut}, pieces of ${piece}`);
  }
});

test('a member cut late keeps nearly all its complete lines', () => {
  const ga = gzipTool(a);
  const r = decode(Buffer.concat([ga.subarray(0, ga.length - 200), gzipTool(b)]), 4096);
  assert.ok(r.lines.length - b.length > a.length / 2, `only ${r.lines.length - b.length} of ${a.length} lines kept`);
});

test('whole gzip members in a row are read without warning, and a gzip copied verbatim inside a stored gzip is data, not a cut', () => {
  const ga = gzipTool(a);
  const gb = gzipTool(b);
  const both = Buffer.concat([ga, gb, ga]);
  const plain = decode(both, 333);
  assert.deepEqual(plain, { lines: [...a, ...b, ...a], bad: [], warnings: [] });
  // Level 0: stored blocks, so the inner members' magics appear as they are in the outer member.
  const nested = zlib.gzipSync(both, { level: 0 });
  assert.ok(nested.indexOf(ga.subarray(0, 10), 1) > 0, 'inner header visible in the outer member');
  for (const piece of [nested.length, 1, 999]) assert.deepEqual(decode(nested, piece), plain, `pieces of ${piece}`);
});

test('prec reads every record of the member after a cut one', () => {
  const dir = tempDir();
  const ga = gzipTool(a);
  const file = join(dir, 'c.gz');
  writeFileSync(file, Buffer.concat([ga.subarray(0, 1379), gzipTool(b)]));
  const bin = join(import.meta.dirname, '../../../bin/prec.js');
  const r = spawnSync(process.execPath, [bin, '-i', file, '-A', '-f', 'event_id', '-o', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ids = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { event_id: string }).event_id);
  for (let i = 0; i < b.length; i += 2) assert.ok(ids.includes(`20261122150000-${1001 + i}`), `start ${1001 + i} missing`);
  assert.equal(r.stderr, `prec: ${file}: damaged gzip data at byte 1379, resumed at byte 1379\n`);
});
