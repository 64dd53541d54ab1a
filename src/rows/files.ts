// The door to src/log for every reader of rows: which files to read, and their records in batches
// with progress, warnings and the count of skipped lines, keeping the heap small between batches.
import { statSync } from 'node:fs';
import type { LogRecord } from '../schema/index.js';
import { keepHeapSmall } from './memory.js';
import {
  discoverLogs,
  discoverLogTimes,
  openLog,
  peekPinned,
  readRecordBatches,
  windowRange,
  WINDOW_SLACK_NS,
  type ByteRange,
  type LineSelector,
  type TimedLog,
} from '../log/index.js';

/**
 * Files at least this big are decompressed on a worker thread, in parallel with the query, when
 * a query prefilters lines (opts.selector): then decompression is most of the main thread's work.
 * A listing without a query is bound by formatting on the main thread (the worker saves ~3%) and
 * the worker's ~10 MB would count against the memory bound of a full export, so it is read on the
 * main thread. PREC_NO_WORKER=1 turns the worker off; PREC_WORKER_MIN_BYTES sets the size and uses
 * the worker for every read (tests set 0 to compare both paths on small logs).
 */
const WORKER_MIN_BYTES = 1 << 20;
function workerMinBytes(prefiltered: boolean): number | undefined {
  if (process.env.PREC_NO_WORKER === '1') return undefined;
  const forced = process.env.PREC_WORKER_MIN_BYTES;
  if (forced !== undefined && forced !== '') return Number(forced);
  return prefiltered ? WORKER_MIN_BYTES : undefined;
}

export interface InputOptions {
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  readonly onWarning?: (message: string) => void;
  /** Picks the lines worth parsing from the raw bytes (a query's prefilter), across all files. */
  readonly selector?: LineSelector;
  /** The part of a file to read (windowRanges), by path; absent: the whole file. */
  readonly ranges?: ReadonlyMap<string, ByteRange>;
}

export interface ReadStats {
  badLines: number;
}

/** The input and, with --all-logs, its rotated siblings, oldest first (LogError when unreadable). */
export function resolveInputs(input: string, allLogs: boolean): Promise<string[]> {
  return discoverLogs(input, allLogs);
}

/** A time window in epoch nanoseconds, both ends inclusive; an absent end is open. */
export interface TimeRange {
  readonly since?: bigint;
  readonly until?: bigint;
}


/**
 * resolveInputs for a time window: the files that may hold rows starting inside it. A rotated
 * file whose successor's first record is before `since`, or whose own first record is after
 * `until`, is not read at all (a day out of a year of daily files reads about that day's file).
 * With `keepEnds`, the first file after the window is read too: it holds the ends of the
 * commands still running when the window closed.
 */
export async function resolveInputsIn(input: string, allLogs: boolean, range: TimeRange, keepEnds: boolean): Promise<string[]> {
  if (range.since === undefined && range.until === undefined) return resolveInputs(input, allLogs);
  return filesInRange(await discoverLogTimes(input, allLogs), range, keepEnds);
}

/** The logs of `files` (oldest first) that resolveInputsIn keeps. */
export function filesInRange(files: readonly TimedLog[], range: TimeRange, keepEnds: boolean): string[] {
  const keep: string[] = [];
  let afterWindow = 0;
  for (let i = 0; i < files.length; i++) {
    const next = files[i + 1]?.first;
    if (range.since !== undefined && next !== undefined && next + WINDOW_SLACK_NS < range.since) continue;
    const first = files[i]!.first;
    if (range.until !== undefined && first !== undefined && first - WINDOW_SLACK_NS > range.until) {
      if (!keepEnds || afterWindow++ > 0) continue;
    }
    keep.push(files[i]!.path);
  }
  return keep;
}

/**
 * For the files resolveInputsIn chose: the part of each that can hold rows starting inside the
 * window (log/time-index.ts: the zstd frames wholly outside it are skipped undecoded). Files read
 * whole are absent. Read from the handle the read will use (pinned) when there is one.
 */
export async function windowRanges(files: readonly string[], range: TimeRange, keepEnds: boolean): Promise<Map<string, ByteRange>> {
  const ranges = new Map<string, ByteRange>();
  if (range.since === undefined && range.until === undefined) return ranges;
  for (const path of files) {
    const pinned = peekPinned(path);
    const fh = pinned ?? (await openLog(path).catch(() => undefined));
    if (fh === undefined) continue;
    try {
      const r = await windowRange(fh, range, keepEnds);
      if (r !== undefined) ranges.set(path, r);
    } finally {
      if (pinned === undefined) await fh.close();
    }
  }
  return ranges;
}

/** Records of every file in turn, in batches; progress is over all files together. */
export async function* readRecordsFrom(
  files: readonly string[],
  opts: InputOptions,
  stats: ReadStats,
): AsyncGenerator<LogRecord[]> {
  const sizes = files.map((f) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  for (let i = 0; i < files.length; i++) {
    const done = before;
    const batches = readRecordBatches(files[i]!, {
      onWarning: opts.onWarning,
      onProgress: opts.onProgress && ((read) => opts.onProgress!(done + read, Math.max(total, done + read))),
      onBadLine: () => stats.badLines++,
      selector: opts.selector,
      workerMinBytes: workerMinBytes(opts.selector !== undefined),
      range: opts.ranges?.get(files[i]!),
    });
    for await (const batch of batches) {
      keepHeapSmall();
      yield batch;
    }
    before += sizes[i]!;
  }
}
