// RotationTracker (src/log/rotation.ts): which rotated files a follower reads when two
// rotations happened between two looks at the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileId, RotationTracker } from '../../src/log/rotation.js';
import { gzipMember, recordLines, tempDir, text } from './log-fixtures.js';

test('a missed rotated file and its compressed copy, both there at once, are read once', async () => {
  // logrotate with `compress` gzips prec.log.1 into prec.log.1.gz and unlinks the original
  // only when done: a follower that looks in between sees the same file under two names.
  const dir = tempDir();
  const path = join(dir, 'prec.log');
  writeFileSync(path, text(recordLines(4, 1)));
  const warnings: string[] = [];
  const tracker = new RotationTracker(path, (w) => warnings.push(w));
  await tracker.snapshot();
  const followed = await open(path, 'r');
  try {
    const followedId = fileId(await followed.stat({ bigint: true }));
    // Two rotations: the followed file is prec.log.2, the file current in between is prec.log.1.
    renameSync(path, join(dir, 'prec.log.2'));
    const between = text(recordLines(4, 200));
    writeFileSync(join(dir, 'prec.log.1'), between);
    writeFileSync(join(dir, 'prec.log.1.gz'), gzipMember(between));
    writeFileSync(path, text(recordLines(4, 300)));
    const missed = await tracker.missed(followed, followedId, fileId(await stat(path, { bigint: true })));
    try {
      assert.deepEqual(missed.map((m) => m.path), [join(dir, 'prec.log.1')]);
    } finally {
      for (const m of missed) await m.fh.close();
    }
    assert.deepEqual(warnings, []);
  } finally {
    await followed.close();
  }
});
