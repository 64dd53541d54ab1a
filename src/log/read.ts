// Reading a finished (or still growing) log from start to end: list mode.
import { fstat, read } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LogRecord } from '../schema/index.js';
import { AutoDecoder } from './decode.js';
import { toLogError } from './errors.js';
import { LineSplitter, type LineSelector } from './lines.js';
import { parseRecord } from './record.js';
import { workerLineBatches } from './worker.js';

/** Compressed bytes read per call: large for throughput, small enough to bound decoded batches. */
export const READ_CHUNK = 512 * 1024;

export type BadLineReason = 'invalid-utf8' | 'too-long' | 'not-a-record';

/** Decoded lines waiting to be yielded, with the lines skipped among them, in file order. */
export type Queued = string[] | { bytes: Buffer; reason: 'invalid-utf8' | 'too-long' };

export interface ReadOptions {
  /** Damage skipped in a compressed log, one line each, naming the file (as given) and offsets. */
  onWarning?(message: string): void;
  /** After each read: compressed (on-disk) bytes consumed so far, and the file size at open. */
  onProgress?(bytesRead: number, totalBytes: number): void;
  /**
   * A line skipped: not valid UTF-8, longer than 16 MiB (its first KiB is given), or (record
   * readers only) not a record. Count these.
   */
  onBadLine?(line: string, reason: BadLineReason): void;
  /**
   * Record readers only: a cheap test on the raw line (a substring a query needs, say) run
   * before JSON.parse; a line it rejects is skipped unparsed and is not a bad line. Parsing is
   * most of the cost of reading a large log.
   */
  prefilter?(line: string): boolean;
  /**
   * Line readers: picks the lines worth decoding from the raw bytes (see LineSelector); the
   * others are dropped uncounted, except lines that are not valid UTF-8 (still onBadLine). One
   * selector may span several files read in turn (its state carries over).
   */
  selector?: LineSelector;
  /**
   * Regular files of at least this many bytes are read and decompressed on a worker thread
   * (worker.ts), in parallel with what the caller does with the lines; same lines, warnings and
   * errors. Undefined: never (follow mode, PREC_NO_WORKER=1).
   */
  workerMinBytes?: number;
}

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

export async function openLog(path: string): Promise<FileHandle> {
  try {
    const fh = await open(path, 'r');
    const st = await fh.stat().catch(async (err: unknown) => {
      await fh.close();
      throw err;
    });
    if (st.isDirectory()) {
      await fh.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return fh;
  } catch (err) {
    throw toLogError(err, path);
  }
}

/** What readChunks needs of a file: a FileHandle, or a bare descriptor (a worker thread's). */
interface Readable {
  read(buf: Buffer, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number; isFile(): boolean }>;
  close(): Promise<void>;
}

const readFd = promisify(read);
const fstatFd = promisify(fstat);

/** A descriptor another thread opened and closes (the file is shared by the whole process). */
function borrowed(fd: number): Readable {
  return {
    read: (buf, offset, length, position) => readFd(fd, buf, offset, length, position),
    stat: () => fstatFd(fd),
    close: async () => {},
  };
}

/**
 * The file's bytes in READ_CHUNK pieces, each in a fresh buffer (decoders may keep views of what
 * they were given), with the position after it and the size (at least that position). Reads
 * `from` when given (a handle, closed at the end, or a descriptor of the caller's), else opens
 * `path`; `path` names the file in errors. A file that shrinks while read (truncated) ends there,
 * which `onWarning` is told.
 */
export async function* readChunks(
  path: string,
  from?: FileHandle | number,
  onWarning?: (message: string) => void,
): AsyncGenerator<{ chunk: Buffer; pos: number; total: number }> {
  const fh: Readable = typeof from === 'number' ? borrowed(from) : (from ?? (await openLog(path)));
  try {
    const st = await fh.stat();
    // A pipe (`-i /dev/stdin`) is read as it comes; a file by offset.
    const seekable = st.isFile();
    let pos = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      let n: number;
      try {
        n = (await fh.read(buf, 0, READ_CHUNK, seekable ? pos : null)).bytesRead;
      } catch (err) {
        throw toLogError(err, path);
      }
      if (n === 0) {
        if (seekable && pos < st.size) onWarning?.(`${path}: truncated while being read: ${pos} of ${st.size} bytes read`);
        return;
      }
      pos += n;
      yield { chunk: n === READ_CHUNK ? buf : buf.subarray(0, n), pos, total: Math.max(st.size, pos) };
    }
  } finally {
    await fh.close();
  }
}

/** A line splitter that queues batches of lines, and lines that are not UTF-8, in file order. */
export function queueLines(batches: Queued[], onTail: (text: string) => void, selector?: LineSelector): LineSplitter {
  return new LineSplitter({
    lines: (batch) => batches.push(batch),
    invalidLine: (bytes, reason) => batches.push({ bytes, reason }),
    tail: onTail,
  }, selector);
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
  const decoder = new AutoDecoder(queueLines(batches, onTail, opts.selector), path, (m) => opts.onWarning?.(m));
  for await (const { chunk, pos, total } of readChunks(path, fh, (m) => opts.onWarning?.(m))) {
    decoder.write(chunk);
    opts.onProgress?.(pos, total);
    yield* drain(batches, opts);
  }
  decoder.finish();
  yield* drain(batches, opts);
}

/** Yields the line batches queued, reporting lines that are not UTF-8 in their place. */
export function* drain(queue: Queued[], opts: Pick<ReadOptions, 'onBadLine'>): Generator<string[]> {
  for (const item of queue) {
    if (Array.isArray(item)) yield item;
    else opts.onBadLine?.(item.bytes.toString('utf8'), item.reason);
  }
  queue.length = 0;
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
