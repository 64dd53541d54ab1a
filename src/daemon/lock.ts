// Single instance (SPEC section 6): an exclusive flock on lock_path, held for the life of the
// process. The kernel releases it when the process dies, even on kill -9, so a stale file never
// blocks a restart; the pid written into it is only there to name the running precd.
import { closeSync, ftruncateSync, readFileSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { flockExclusive } from './kernel/addon.js';
import { systemErrorText } from './errors.js';
import { checkDirectory, makeDirs, openNoFollow, UnsafeFileError } from './safe-open.js';

/** Another precd holds the lock, or the lock file cannot be used. One-line message. */
export class LockError extends Error {
  override name = 'LockError';
}

export interface InstanceLock {
  readonly path: string;
  readonly fd: number;
  /** Closes the lock file, which releases the lock (the file stays: removing it would race). */
  release(): void;
}

/** Takes the lock or throws LockError `another precd is already running (pid N, lock PATH)`. */
export function acquireLock(path: string, tryLock: (fd: number) => boolean = flockExclusive): InstanceLock {
  let fd: number;
  try {
    makeDirs(dirname(path));
    checkDirectory(dirname(path), 'lock');
    fd = openNoFollow(path, { flags: constants.O_RDWR | constants.O_CREAT, mode: 0o644, what: 'lock' });
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new LockError(e.message);
    throw new LockError(`cannot open lock ${path}: ${systemErrorText(e)}`);
  }
  let locked: boolean;
  try {
    locked = tryLock(fd);
  } catch (e) {
    closeSync(fd);
    throw new LockError(`cannot lock ${path}: ${systemErrorText(e)}`);
  }
  if (!locked) {
    closeSync(fd);
    throw new LockError(`another precd is already running (pid ${readPid(path)}, lock ${path})`);
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
  } catch (e) {
    closeSync(fd);
    throw new LockError(`cannot write our pid into lock ${path}: ${systemErrorText(e)}`);
  }
  let released = false;
  return {
    path,
    fd,
    release() {
      if (released) return;
      released = true;
      closeSync(fd);
    },
  };
}

function readPid(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? text : 'unknown';
  } catch {
    return 'unknown';
  }
}

