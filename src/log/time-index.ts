// The part of one zstd log a time window needs (--since/--until, SPEC 8): precd ends a frame at
// least every hour (codec/encode.ts, frameFull), so a daily file holds a day of frames, and the
// frames wholly outside the window are skipped without being decompressed. Frames are found from
// their headers alone (codec/zstd-frames.ts); each probed frame's first record is read from its
// first block(s), and a binary search finds the first and last frames to read.
//
// Conservative: a frame is skipped only when a LATER frame starts more than WINDOW_SLACK_NS before
// `since` (its records were all written before that one: records are in time order give or take
// the slack, per-CPU ring order, an end written later than its start, a fail held a second), or
// when the frame itself starts more than the slack after `until`. A frame whose first line is not
// a record with a time (damage, a frame starting mid-line) gives no time and decides nothing. A
// frame cut short, or anything that is not a walkable frame, and all after it, is read as before,
// so damage there is reported as before; damage inside a skipped frame is not seen, as for a
// rotated file skipped whole. Gzip and plain files are read whole (gzip members cannot be found
// without inflating).
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { cachedSource, walkZstdFrames, type ByteSource, type FrameSpan } from '../codec/zstd-frames.js';
import { parseTimestampNs } from '../schema/index.js';
import type { ByteRange } from './chunks.js';
import { parseRecord } from './record.js';
import { ZstdHead } from './zstd-head.js';

/** A time window in epoch nanoseconds, both ends inclusive; an absent end is open. */
export interface Window {
  readonly since?: bigint | undefined;
  readonly until?: bigint | undefined;
}

/**
 * Records are written in about time order, but not exactly (an end is written when it happens, a
 * clock may step): a file or frame is skipped only when it is outside the window by more than this.
 */
export const WINDOW_SLACK_NS = 60_000_000_000n;

/**
 * The bytes of the open log `fh` that can hold records of the window, or undefined for the whole
 * file (not zstd, one frame, nothing to skip). With `keepEnds` the frames after the window are
 * kept (they hold the ends of commands running when it closed). Never throws: an unreadable file
 * is read whole, and the read reports it.
 */
export async function windowRange(fh: FileHandle, window: Window, keepEnds: boolean): Promise<ByteRange | undefined> {
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    return frameRange(cachedSource(st.size, (buf, pos) => readSync(fh.fd, buf, 0, buf.length, pos)), window, keepEnds);
  } catch {
    return undefined;
  }
}

/** windowRange over a file's bytes. */
export function frameRange(src: ByteSource, window: Window, keepEnds: boolean): ByteRange | undefined {
  const walk = walkZstdFrames(src);
  const frames = walk.frames.filter((f) => !f.skippable);
  if (frames.length < 2) return undefined;
  const times = new Map<number, bigint | undefined>();
  const timeOf = (i: number): bigint | undefined => {
    if (!times.has(i)) times.set(i, firstTime(src, frames[i]!));
    return times.get(i);
  };
  let first = 0;
  if (window.since !== undefined) {
    const since = window.since;
    // The last frame that starts more than the slack before `since`: every frame before it is skipped.
    first = lastIndex(1, frames.length - 1, (i) => {
      const t = timeOf(i);
      return t !== undefined && t + WINDOW_SLACK_NS < since;
    }) ?? 0;
  }
  let end: number | undefined;
  // Only in a file walked to its end: damage after the cut would otherwise go unreported.
  if (window.until !== undefined && !keepEnds && walk.rest === src.size) {
    const until = window.until;
    const after = lastIndex(first + 1, frames.length - 1, (i) => {
      const t = timeOf(i);
      return !(t !== undefined && t - WINDOW_SLACK_NS > until);
    });
    const cut = (after ?? first) + 1;
    if (cut < frames.length) end = frames[cut]!.start;
  }
  const start = first === 0 ? 0 : frames[first]!.start;
  if (start === 0 && end === undefined) return undefined;
  return end === undefined ? { start } : { start, end };
}

/**
 * The largest i in [lo, hi] for which `pred` holds, given that it holds for a prefix of the range
 * (times in order); undefined when it holds for none. The callers' predicates answer for a frame
 * without a time whatever keeps more frames.
 */
function lastIndex(lo: number, hi: number, pred: (i: number) => boolean): number | undefined {
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pred(mid)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The time of a frame's first line, when that line is a record; decodes only the first block(s). */
function firstTime(src: ByteSource, frame: FrameSpan): bigint | undefined {
  const head = new ZstdHead();
  let time: bigint | undefined;
  const STEP = 16 * 1024;
  try {
    for (let pos = frame.start; pos < frame.end; ) {
      const input = src.read(pos, Math.min(STEP, frame.end - pos));
      if (input.length === 0) return undefined;
      pos += input.length;
      if (head.push(input, (line) => ((time = lineTime(line)), true))) return time;
    }
  } catch {
    // Damage: no time; the read reports it if the frame is read.
  } finally {
    head.close();
  }
  return undefined;
}

function lineTime(line: Buffer): bigint | undefined {
  const record = parseRecord(line.toString('utf8'));
  return record === undefined ? undefined : parseTimestampNs(record.timestamp);
}
