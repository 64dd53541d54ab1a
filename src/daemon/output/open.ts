// Opening the log file: its directory created 0750 and the file 0640 whatever the umask, appending,
// and a plain log's cut last line completed so the next record starts on its own line.
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemErrorText } from '../errors.js';
import type { Compress } from '../defaults.js';

/** The log's directory could not be created (the message names the directory and why). */
export class LogDirError extends Error {}

/**
 * mkdir -p with mode 0750; returns the topmost directory it created. Not node's recursive mkdir: on
 * a directory that cannot exist (/proc/1/x) it retries ENOENT forever, and where a parent is a
 * regular file it reports EEXIST instead of ENOTDIR.
 */
function makeDirs(dir: string): string | undefined {
  try {
    mkdirSync(dir, { mode: 0o750 });
    return dir;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(dir).isDirectory()) throw notADirectory();
      return undefined;
    }
    if (code !== 'ENOENT' || dirname(dir) === dir) throw e;
  }
  const first = makeDirs(dirname(dir)); // the parent is missing: create it, then try once more
  mkdirSync(dir, { mode: 0o750 });
  return first ?? dir;
}

function notADirectory(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR' });
}

/**
 * Opens the log for appending, creating its directory (0750) and the file (0640) when missing. A
 * plain log whose last line was cut (disk full mid-write) gets a newline first, so the next record
 * starts on its own line.
 */
export function openLog(path: string, compress: Compress): number {
  const dir = dirname(path);
  let created: string | undefined;
  try {
    created = makeDirs(dir);
  } catch (e) {
    throw new LogDirError(`cannot create log directory ${dir}: ${systemErrorText(e)}`);
  }
  if (created !== undefined) {
    // mkdir's mode is filtered by the umask: set it explicitly on every directory created here.
    for (let d = dir; d.length >= created.length; d = dirname(d)) chmodSync(d, 0o750);
  }
  let fd: number;
  try {
    fd = openSync(path, 'ax', 0o640);
    fchmodSync(fd, 0o640);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    fd = openSync(path, 'a');
  }
  try {
    if (compress === 'no') {
      const size = fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        const rfd = openSync(path, 'r');
        try {
          readSync(rfd, last, 0, 1, size - 1);
        } finally {
          closeSync(rfd);
        }
        if (last[0] !== 0x0a) writeSync(fd, '\n');
      }
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

