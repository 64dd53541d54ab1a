// A valid zstd file may hold whole record lines verbatim inside compressed blocks: zstd's fast
// levels (and any level, for text that does not compress) store a block's literals raw. Such a line
// is part of the block, not plain text appended after a crash, and the file must read back exactly
// as `zstd -dc` gives it, with no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLogLines } from '../../src/log/index.js';
import { tempDir, text, ZstdWriter } from './log-fixtures.js';

/** Records whose argv is pseudo-random base64: next to nothing for zstd to match. */
function randomLines(n: number, seed: number): string[] {
  let x = seed >>> 0;
  const byte = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 24;
  };
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const arg = Buffer.from(Array.from({ length: 150 }, byte)).toString('base64');
    // Few fields, so that hardly anything in one line repeats an earlier stretch of it.
    const timestamp = new Date(Date.UTC(2026, 10, 23, 10, 0, 0, i)).toISOString().replace('Z', '+00:00');
    lines.push(JSON.stringify({ timestamp, record_type: 'start', event_id: `e${i}`, pid: 1000 + i, uid: 0, user: 'root', argv: ['/bin/echo', arg], source: 'user' }));
  }
  return lines;
}

async function read(path: string): Promise<{ lines: string[]; warnings: string[]; bad: string[] }> {
  const r = { lines: [] as string[], warnings: [] as string[], bad: [] as string[] };
  for await (const line of readLogLines(path, { onWarning: (w) => r.warnings.push(w), onBadLine: (_l, why) => r.bad.push(why) })) {
    r.lines.push(line);
  }
  return r;
}

test('a valid zstd file whose compressed blocks hold record lines verbatim (raw literals) reads back whole', async () => {
  const lines = randomLines(3000, 7);
  const dir = tempDir();
  for (const level of [-5, -1, 1, 3]) {
    const w = new ZstdWriter(level, true);
    // Flushed in groups the way precd flushes, so the file has many blocks.
    const parts: Buffer[] = [];
    for (let i = 0; i < lines.length; i += 250) parts.push(w.flush(text(lines.slice(i, i + 250))));
    parts.push(w.end());
    const path = join(dir, `level${level}.log.zst`);
    writeFileSync(path, Buffer.concat(parts));
    // And the whole text as the zstd tool compresses it, in 128 KiB blocks.
    const cli = join(dir, `cli${level}.log.zst`);
    writeFileSync(join(dir, 'plain.log'), text(lines));
    assert.equal(spawnSync('zstd', ['-q', '-f', level < 0 ? `--fast=${-level}` : `-${level}`, join(dir, 'plain.log'), '-o', cli]).status, 0);
    assert.deepEqual(await read(cli), { lines, warnings: [], bad: [] }, `zstd tool, level ${level}`);
    const stock = spawnSync('zstd', ['-dc', path], { maxBuffer: 1 << 28 });
    assert.equal(stock.status, 0, `zstd -dc of level ${level}`);
    assert.deepEqual(stock.stdout, text(lines), `the file of level ${level} is valid`);
    assert.deepEqual(await read(path), { lines, warnings: [], bad: [] }, `level ${level}`);
  }
});
