// `prec -a` reading the log and its rotated siblings while logrotate runs: files renamed,
// compressed (the original unlinked) or truncated after they were listed. The files read are
// exactly those listed, each once, whatever their names by then; nothing throws, and a file seen
// shrinking while read is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { discoverLogs, readLogBatches, readLogLines } from '../../src/log/index.js';
import { recordLines, tempDir, text, ZstdWriter, zstdFrame } from './log-fixtures.js';

const MODES = [
  { name: 'main thread', opts: {} },
  { name: 'worker thread', opts: { workerMinBytes: 1 } },
];

async function readAll(paths: readonly string[], opts: object): Promise<{ lines: string[]; warnings: string[] }> {
  const r = { lines: [] as string[], warnings: [] as string[] };
  for (const p of paths) {
    for await (const line of readLogLines(p, { ...opts, onWarning: (w) => r.warnings.push(w) })) r.lines.push(line);
  }
  return r;
}

for (const { name, opts } of MODES) {
  test(`${name}: logrotate renames and compresses the listed files before they are read: each listed file read once`, async () => {
    const dir = tempDir();
    const log = join(dir, 'prec.log');
    const [a, b, c, d] = [recordLines(4, 1), recordLines(4, 20), recordLines(4, 40), recordLines(3, 60)];
    writeFileSync(`${log}.2.gz`, gzipSync(text(a)));
    writeFileSync(`${log}.1`, text(b));
    writeFileSync(log, zstdFrame(text(c)));
    const files = await discoverLogs(log, true);
    assert.deepEqual(files, [`${log}.2.gz`, `${log}.1`, log]);
    // logrotate (compress, delaycompress, create) runs now: prec.log.1 is compressed into
    // prec.log.2.gz and unlinked, prec.log becomes prec.log.1, a new prec.log gets records.
    renameSync(`${log}.2.gz`, `${log}.3.gz`);
    writeFileSync(`${log}.2.gz`, gzipSync(readFileSync(`${log}.1`)));
    unlinkSync(`${log}.1`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, text(d));
    const r = await readAll(files, opts);
    assert.deepEqual(r.lines, [...a, ...b, ...c]);
    assert.deepEqual(r.warnings, []);
  });

  test(`${name}: a listed file truncated before or while it is read gives what is left, and says so when it saw it shrink`, async () => {
    const dir = tempDir();
    const log = join(dir, 'prec.log');
    const w = new ZstdWriter();
    // Several read chunks of compressed data, flushed in small blocks.
    const big = recordLines(40_000, 1).map((l) => l.replace('"-u', `"${randomBytes(64).toString('hex')}`));
    const parts: Buffer[] = [];
    for (let i = 0; i < big.length; i += 200) parts.push(w.flush(text(big.slice(i, i + 200))));
    writeFileSync(`${log}.2`, Buffer.concat(parts));
    assert.ok(Buffer.concat(parts).length > 2 * 512 * 1024, 'several read chunks');
    const b = recordLines(5, 900_000);
    writeFileSync(`${log}.1`, zstdFrame(text(b)));
    writeFileSync(log, '');
    const files = await discoverLogs(log, true);
    assert.deepEqual(files, [`${log}.2`, `${log}.1`, log]);
    // copytruncate-like: prec.log.1 emptied before it is read.
    truncateSync(`${log}.1`, 0);
    const got: string[] = [];
    const warnings: string[] = [];
    let cut = false;
    for await (const batch of readLogBatches(files[0]!, { ...opts, onWarning: (m) => warnings.push(m) })) {
      got.push(...batch);
      if (!cut) {
        // After the first piece: the rest of the file goes.
        truncateSync(files[0]!, 600 * 1024);
        cut = true;
      }
    }
    assert.ok(got.length > 0 && got.length <= big.length, `${got.length} lines`);
    assert.deepEqual(got, big.slice(0, got.length));
    const rest = await readAll(files.slice(1), opts);
    assert.deepEqual(rest.lines, []);
    assert.deepEqual(rest.warnings, []);
    // Said, not silent: what was cut is not read.
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, new RegExp(`^${files[0]}: truncated while being read: \\d+ of \\d+ bytes read$`));
  });
}
