// The reader against precd's own writer (src/daemon/writer.ts), killed with SIGKILL between
// runs as in SPEC section 6: every flushed record comes back, in order, and each cut frame is
// reported once. Guards against the two sides drifting apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords } from '../../src/log/index.js';
import { tempDir } from './log-fixtures.js';

const WRITER_URL = new URL('../../src/daemon/writer.js', import.meta.url).href;

// One run of precd's writer: records from..from+count-1, flushed, then killed or closed.
const RUN = `
const { LogWriter } = await import(process.argv[2]);
const [path, compress, from, count, end] = process.argv.slice(3);
const w = new LogWriter({ path, compress, level: compress === 'gz' ? 6 : 3, flushIntervalMs: 10, report() {}, lossRecord: () => '' });
w.open();
for (let i = Number(from); i < Number(from) + Number(count); i++) {
  w.write(JSON.stringify({ timestamp: '2026-11-22T15:04:05.000000001+09:00', record_type: 'loss', lost_samples: i, lost_samples_total: i }));
  if (i % 7 === 0) w.flush();
}
w.flush();
if (end === 'kill') process.kill(process.pid, 'SIGKILL');
w.close();
`;

for (const compress of ['zstd', 'gz', 'no'] as const) {
  test(`${compress}: a log written by precd's writer, killed twice and restarted, reads back whole`, async () => {
    const dir = tempDir();
    const script = join(dir, 'run.mjs');
    writeFileSync(script, RUN);
    const path = join(dir, 'prec.log');
    const runs: [number, number, string][] = [
      [1, 20, 'kill'],
      [21, 15, 'kill'],
      [36, 10, 'close'],
      [46, 5, 'kill'],
    ];
    for (const [from, count, end] of runs) {
      const r = spawnSync(process.execPath, [script, WRITER_URL, path, compress, String(from), String(count), end]);
      assert.equal(r.signal ?? 'exit', end === 'kill' ? 'SIGKILL' : 'exit', r.stderr.toString());
    }
    const seen: number[] = [];
    const warnings: string[] = [];
    let bad = 0;
    for await (const rec of readRecords(path, { onWarning: (w) => warnings.push(w), onBadLine: () => bad++ })) {
      seen.push((rec as { lost_samples: number }).lost_samples);
    }
    assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal(bad, 0);
    // Each restart ended the frame the kill before it cut (issue 20): no damage is left to skip;
    // the last kill's frame ends the file, which a reader takes as it is.
    assert.deepEqual(warnings, []);
  });
}
