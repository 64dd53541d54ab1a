// A full disk on demand, for the writer's error path: a small tmpfs (root only) and a filler file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Mounts a tmpfs of `size` (e.g. '64k') for the test; unmounted and removed afterwards. */
export function smallDisk(t: TestContext, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'prec-disk-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  assert.equal(r.status, 0, `mount: ${r.stderr}`);
  t.after(() => {
    // Lazy: a precd still holding the log open must not keep the mount (and the test) alive.
    spawnSync('umount', ['-l', mnt]);
    rmSync(dir, { recursive: true, force: true });
  });
  return mnt;
}

/** Fills the file system with a filler file until it reports ENOSPC; returns the filler path. */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
  return path;
}
