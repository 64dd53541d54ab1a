// What every reader of a log file shares: the file's bytes in chunks, the options of a read, and the
// queue of decoded lines between the line splitter and the caller. Used by the main-thread reader
// (read.ts), the worker thread's host side (worker.ts), the worker thread (read-worker.ts) and
// follow mode (follow.ts); it imports none of them, so none of them import each other for it.
import { fstat, read } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { LogError, toLogError } from './errors.js';
import { LineSplitter, type LineSelector } from './lines.js';

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
  /** Regular files only: read just these bytes of the file (time-index.ts: the frames a time window needs). */
  range?: ByteRange | undefined;
}

/** Bytes [start, end) of a file; no end: to the end of the file, however far it has grown. */
export interface ByteRange {
  readonly start: number;
  readonly end?: number | undefined;
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
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isSocket()) {
      // /dev/zero, a terminal, a disk: never a log, and some never end (issue 20). Pipes are read.
      await fh.close();
      throw new LogError(`cannot read ${path}: ${st.isSocket() ? 'a socket' : 'a device'}, not a log file`, path, 'ENOTLOG');
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
  range?: ByteRange,
): AsyncGenerator<{ chunk: Buffer; pos: number; total: number }> {
  const fh: Readable = typeof from === 'number' ? borrowed(from) : (from ?? (await openLog(path)));
  try {
    const st = await fh.stat();
    // A pipe (`-i /dev/stdin`) is read as it comes; a file by offset.
    const seekable = st.isFile();
    let pos = seekable ? (range?.start ?? 0) : 0;
    const end = seekable ? range?.end : undefined;
    for (;;) {
      const want = end === undefined ? READ_CHUNK : Math.min(READ_CHUNK, end - pos);
      if (want <= 0) return;
      const buf = Buffer.allocUnsafe(want);
      let n: number;
      try {
        n = (await fh.read(buf, 0, want, seekable ? pos : null)).bytesRead;
      } catch (err) {
        throw toLogError(err, path);
      }
      if (n === 0) {
        if (seekable && pos < st.size) onWarning?.(`${path}: truncated while being read: ${pos} of ${st.size} bytes read`);
        return;
      }
      pos += n;
      yield { chunk: n === want ? buf : buf.subarray(0, n), pos, total: Math.max(st.size, pos) };
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

/** Yields the line batches queued, reporting lines that are not UTF-8 in their place. */
export function* drain(queue: Queued[], opts: Pick<ReadOptions, 'onBadLine'>): Generator<string[]> {
  for (const item of queue) {
    if (Array.isArray(item)) yield item;
    else opts.onBadLine?.(item.bytes.toString('utf8'), item.reason);
  }
  queue.length = 0;
}
