// Reading a finished (or still growing) log from start to end: list mode.
import { stat, type FileHandle } from 'node:fs/promises';
import type { LogRecord } from '../schema/index.js';
import { drain, queueLines, readChunks, type Queued, type ReadOptions } from './chunks.js';
import { AutoDecoder } from './decode.js';
import { parseRecord } from './record.js';
import { workerLineBatches } from './worker.js';

/**
 * Files opened when they were listed (discoverLogs), each read later from that handle: logrotate
 * may rename, compress (unlink) or replace the listed files while `prec -a` reads the ones before,
 * and reading by name would then read another file or none (a file lost, or read twice). The
 * first read of the path takes the handle (and closes it when done).
 */
const pinned = new Map<string, FileHandle>();

export function pinLog(path: string, fh: FileHandle): void {
  const old = pinned.get(path);
  if (old !== undefined && old !== fh) void old.close().catch(() => {});
  pinned.set(path, fh);
}

/** The handle discoverLogs opened `path` with, if it is still unread, left in place (the read takes it). */
export function peekPinned(path: string): FileHandle | undefined {
  return pinned.get(path);
}

/** The handle discoverLogs opened `path` with, if it is still unread; the caller closes it. */
export function takePinned(path: string): FileHandle | undefined {
  const fh = pinned.get(path);
  pinned.delete(path);
  return fh;
}

/** Whether the file is read on a worker thread: a regular file big enough to be worth a thread. */
async function useWorker(path: string, fh: FileHandle | undefined, opts: ReadOptions): Promise<boolean> {
  if (opts.workerMinBytes === undefined) return false;
  try {
    const st = fh ? await fh.stat() : await stat(path);
    return st.isFile() && st.size >= opts.workerMinBytes;
  } catch {
    // The main-thread reader reports the error.
    return false;
  }
}

/**
 * Batches of complete lines, in file order. `onTail` receives the bytes after the last '\n' at
 * the end of the file, if any.
 */
async function* lineBatches(
  path: string,
  fh: FileHandle | undefined,
  opts: ReadOptions,
  onTail: (text: string) => void,
): AsyncGenerator<string[]> {
  const batches: Queued[] = [];
  const decoder = new AutoDecoder(queueLines(batches, onTail, opts.selector), path, (m) => opts.onWarning?.(m)).startAt(opts.range?.start ?? 0);
  for await (const { chunk, pos, total } of readChunks(path, fh, (m) => opts.onWarning?.(m), opts.range)) {
    decoder.write(chunk);
    opts.onProgress?.(pos, total);
    yield* drain(batches, opts);
  }
  decoder.finish();
  yield* drain(batches, opts);
}

/**
 * Lines of a log in batches (one array per decoded chunk): the fast way to read. See readLogLines
 * for what is returned.
 */
export async function* readLogBatches(path: string, opts: ReadOptions = {}): AsyncGenerator<string[]> {
  let tail: string | undefined;
  const onTail = (t: string): void => void (tail = t);
  const fh = takePinned(path);
  if (await useWorker(path, fh, opts)) yield* workerLineBatches(path, fh, opts, onTail);
  else yield* lineBatches(path, fh, opts, onTail);
  if (tail === undefined || parseRecord(tail) === undefined) return;
  // Through the selector too: it keeps state (a start kept here may end in the next file).
  const kept = opts.selector ? opts.selector.select(Buffer.from(tail)) : [tail];
  if (kept.length > 0) yield kept;
}

/**
 * Every line of a log, decoded whatever its compression. The line after the last '\n' at the end
 * of the file is returned only when it is a complete record (it lacks only its newline);
 * otherwise it is a record precd is still writing, or was cut by a crash, and is ignored
 * silently. Lines that are not valid UTF-8 are not returned but passed to onBadLine.
 */
export async function* readLogLines(path: string, opts: ReadOptions = {}): AsyncGenerator<string> {
  for await (const batch of readLogBatches(path, opts)) yield* batch;
}

/** Records of a log in batches; lines that are not records go to onBadLine. */
export async function* readRecordBatches(path: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord[]> {
  for await (const batch of readLogBatches(path, opts)) {
    const records = parseBatch(batch, opts);
    if (records.length > 0) yield records;
  }
}

/** Records of a log, in file order; lines that are not records go to onBadLine. */
export async function* readRecords(path: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  for await (const batch of readRecordBatches(path, opts)) yield* batch;
}

/** The records among a batch of lines; see ReadOptions for onBadLine and prefilter. */
export function parseBatch(batch: readonly string[], opts: Pick<ReadOptions, 'onBadLine' | 'prefilter'>): LogRecord[] {
  const records: LogRecord[] = [];
  const { prefilter } = opts;
  for (const line of batch) {
    if (prefilter && !prefilter(line)) continue;
    const record = parseRecord(line);
    if (record !== undefined) records.push(record);
    // Blank lines (a hand-made log's extra newline) are layout, not damage: skipped silently.
    else if (line.trim() !== '') opts.onBadLine?.(line, 'not-a-record');
  }
  return records;
}
