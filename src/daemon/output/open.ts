// Opening the log file: its directory created 0750, a directory others can write refused unless
// sticky and root-owned, the file opened without following links and set to 0640 (safe-open.ts),
// and a log cut by a crash made whole before anything is appended: a plain log's cut last line
// gets its newline, a compressed log's cut frame is ended at its last flush point (codec/repair.ts).
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { planGzipRepair, planZstdRepair, type RepairInput } from '../../codec/repair.js';
import { dirname } from 'node:path';
import { systemErrorText } from '../errors.js';
import type { Compress } from '../defaults.js';
import { checkDirectory, makeDirs, openNoFollow, UnsafeFileError } from '../safe-open.js';

/** The log's directory could not be created or is unsafe (the message names the directory and why). */
export class LogDirError extends Error {}

/**
 * Opens the log for appending (read-write: the repair reads the tail), creating its directory
 * (0750) and the file (0640) when missing. Throws LogDirError, UnsafeFileError or the open error.
 */
export function openLog(path: string, compress: Compress): number {
  const dir = dirname(path);
  try {
    makeDirs(dir);
    checkDirectory(dir, 'log');
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new LogDirError(e.message);
    throw new LogDirError(`cannot create log directory ${dir}: ${systemErrorText(e)}`);
  }
  const fd = openNoFollow(path, { flags: constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, mode: 0o640, what: 'log' });
  try {
    if (compress === 'no') endCutLine(fd);
    else endCutFrame(fd, compress);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** A plain log whose last line was cut (disk full mid-write) gets a newline, so the next record starts on its own line. */
function endCutLine(fd: number): void {
  const last = Buffer.alloc(1);
  const size = fstatSync(fd).size;
  if (size === 0) return;
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, '\n');
}

/**
 * A compressed log left unfinished by a crash: its last frame is cut back to its last flush point
 * and ended (codec/repair.ts) before anything is appended, so stock tools read the whole file.
 */
function endCutFrame(fd: number, compress: 'gz' | 'zstd'): void {
  const input: RepairInput = {
    size: fstatSync(fd).size,
    read(position, length) {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, this.size - position)));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
  };
  if (input.size === 0) return;
  const plan = compress === 'zstd' ? planZstdRepair(input) : planGzipRepair(input);
  if (plan === undefined) return;
  ftruncateSync(fd, plan.truncate);
  if (plan.append.length > 0) writeSync(fd, plan.append);
  if (plan.patch) {
    // fd appends (O_APPEND ignores the position): patch through a second descriptor on the same
    // open file, reached through /proc, so it is the very file checked when opening, never a path.
    const rw = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY);
    try {
      writeSync(rw, Buffer.from([plan.patch.byte]), 0, 1, plan.patch.at);
    } finally {
      closeSync(rw);
    }
  }
  fsyncSync(fd);
}
