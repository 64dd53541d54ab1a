// The single-instance lock with the real flock(2) of the addon. flock locks belong to an open file
// description, so two acquisitions in one process conflict exactly like two precd processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, LockError } from '../../src/daemon/lock.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lock-test-'));
}

test('the lock is taken, holds our pid, and a second acquisition names that pid', () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'run', 'precd.lock');
    const lock = acquireLock(path);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
    assert.equal(statSync(path).mode & 0o777, 0o644);
    assert.throws(() => acquireLock(path), (e: unknown) => {
      assert.ok(e instanceof LockError);
      assert.equal(e.message, `another precd is already running (pid ${process.pid}, lock ${path})`);
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`, 'the refused attempt left the pid alone');
    lock.release();
    const again = acquireLock(path);
    again.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock file with another pid does not block: only a held flock does', () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'precd.lock');
    writeFileSync(path, '999999\nleftover text\n');
    const lock = acquireLock(path);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the kernel releases the lock when the holder is killed with SIGKILL', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'precd.lock');
    const lockModule = new URL('../../src/daemon/lock.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      `const { acquireLock } = await import(${JSON.stringify(lockModule)}); acquireLock(${JSON.stringify(path)}); console.log('locked'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
      child.on('exit', () => reject(new Error('holder exited early')));
    });
    assert.throws(() => acquireLock(path), { message: `another precd is already running (pid ${child.pid}, lock ${path})` });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const lock = acquireLock(path);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock path that cannot be created gives a one-line error', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'file'), '');
    assert.throws(() => acquireLock(join(dir, 'file', 'precd.lock')), (e: unknown) =>
      e instanceof LockError && /^cannot open lock .*: .*\((EEXIST|ENOTDIR)\)$/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
