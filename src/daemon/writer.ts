// The log writer (SPEC section 6, "Writing"). Records are buffered and compressed in batches, then
// written with synchronous appends: simple, strictly ordered, and a crash loses at most one flush
// interval. Each open of the log starts a new zstd frame / gzip member appended to the file, so a
// log left by a killed precd (unfinished frame) is followed by a clean frame after a restart.
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GzipFrame, PlainFrame, ZstdFrame, type Frame, type Sink } from '../codec/encode.js';
import { systemErrorText } from './errors.js';
import type { Compress } from './defaults.js';

export interface LogWriterOptions {
  readonly path: string;
  readonly compress: Compress;
  /** zstd 1..19, gz 1..9; ignored for "no". */
  readonly level: number;
  /** Buffered records are flushed (made decodable on disk) at most this long after being written. */
  readonly flushIntervalMs: number;
  /** One line for stderr: a write error (once per episode) and the recovery after it. */
  readonly report: (message: string) => void;
  /**
   * Serialized loss record (no newline) for `count` records that could not be written. Called when
   * a retry is about to write it (after a successful probe); each call covers new records only.
   */
  readonly lossRecord: (count: number) => string;
  /** How often writing is retried after an error; default 1000 ms. */
  readonly retryIntervalMs?: number;
}

/** The log could not be opened when precd starts (later errors are reported and counted instead). */
export class LogOpenError extends Error {
  override name = 'LogOpenError';
}

/** The log's directory could not be created (the message names the directory and why). */
class LogDirError extends Error {}

// Batches are compressed once they reach this size even before the flush interval: bounds memory
// during a storm and keeps zlib/zstd calls large enough to be cheap per record.
const CHUNK_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The records queued for the next compression call, UTF-8 encoded as they arrive into one reused
 * buffer: under an exec storm an array of pending strings outlived young-generation collections
 * (promotion, old-generation GC), and joining it copied every byte once more before encoding.
 * The bytes are exactly those of `lines.join('\n') + '\n'`.
 */
class PendingLines {
  private buf = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  private used = 0;
  /** Lines queued. */
  count = 0;
  /** UTF-16 units of the lines plus their newlines: the batch size is measured as it always was. */
  units = 0;

  push(line: string): void {
    // A UTF-16 unit never takes more than 3 bytes of UTF-8; the newline 1.
    const worst = this.used + 3 * line.length + 1;
    if (worst > this.buf.length) this.grow(worst);
    this.used += this.buf.write(line, this.used);
    this.buf[this.used++] = 0x0a;
    this.count++;
    this.units += line.length + 1;
  }

  /** The queued bytes and an empty queue. The view is valid until the next push(): the frames
   *  consume it synchronously. */
  take(): Buffer {
    const data = this.count === 0 ? EMPTY : this.buf.subarray(0, this.used);
    this.clear();
    return data;
  }

  clear(): void {
    this.used = 0;
    this.count = 0;
    this.units = 0;
    // Give back what one huge record made it grow to.
    if (this.buf.length > 8 * CHUNK_BYTES) this.buf = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * this.buf.length));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}

/**
 * Appends serialized records to the log. write() is cheap (buffering); data reaches the file at the
 * flush interval, when a batch is large, on reopen() and on close(). Write errors never throw: they
 * are reported once per episode, the records that could not be written are counted, writing is
 * retried and resumes with a fresh frame that starts with a loss record for that count.
 */
export class LogWriter {
  private fd: number | null = null;
  private frame: Frame | null = null;
  private readonly pending = new PendingLines();
  /** Records handed to the frame since its last flush point: lost too if the flush fails. */
  private unflushed = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failing = false;
  /** Records lost and not yet covered by a loss line. */
  private lost = 0;
  /** Loss lines built but not yet written (a retry that failed after building its line). */
  private lossLines: string[] = [];
  private lossLinesCount = 0;
  private closed = false;
  private written = 0;
  /** File size at the last flush point: a failed write is cut back to it (no partial garbage). */
  private flushedSize = 0;

  constructor(private readonly opts: LogWriterOptions) {}

  /** Opens (creates) the log; throws LogOpenError when it cannot, for precd to refuse to start. */
  open(): void {
    try {
      this.openFd();
    } catch (e) {
      if (e instanceof LogDirError) throw new LogOpenError(e.message);
      throw new LogOpenError(`cannot open log ${this.opts.path}: ${systemErrorText(e)}`);
    }
  }

  /** Queues one serialized record (JSON, no newline). */
  write(line: string): void {
    if (this.closed) return;
    if (this.failing) {
      this.lost++;
      return;
    }
    this.pending.push(line);
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, this.opts.flushIntervalMs);
      this.flushTimer.unref();
    }
    if (this.pending.units >= CHUNK_BYTES) this.feed(false);
  }

  /** Makes every record written so far decodable on disk. */
  flush(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.failing || this.closed) return;
    if (this.pending.count > 0 || this.unflushed > 0) this.feed(true);
  }

  /** SIGHUP: finishes the frame, closes, and opens log_path again (a new file after a rename). */
  reopen(): void {
    if (this.closed) return;
    if (this.failing) {
      this.retry();
      return;
    }
    this.finishFrame(false);
    if (this.failing) return;
    this.closeFd();
    try {
      this.openFd();
    } catch (e) {
      this.fail(e);
    }
  }

  /** SIGTERM: finishes the frame, fsyncs and closes. A pending loss count gets one last try. */
  close(): void {
    if (this.closed) return;
    if (this.failing) this.retry();
    if (!this.failing) this.finishFrame(true);
    if (this.failing) this.opts.report(`closing with ${this.lostRecords} records that could not be written to ${this.opts.path}`);
    this.stopTimers();
    this.closeFd();
    this.closed = true;
  }

  /** Records that could not be written and are not yet covered by a loss record. */
  get lostRecords(): number {
    return this.lost + this.lossLinesCount;
  }

  /** Records that reached a flushed point of the log. */
  get recordsWritten(): number {
    return this.written;
  }

  /** True while writing fails (between an error and the recovery). */
  get isFailing(): boolean {
    return this.failing;
  }

  private readonly sink: Sink = (chunk) => {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd!, chunk, off, chunk.length - off);
  };

  private takePending(): Buffer {
    this.unflushed += this.pending.count;
    return this.pending.take();
  }

  private feed(flush: boolean): void {
    const data = this.takePending();
    try {
      this.frame ??= this.newFrame();
      this.frame.write(data, flush, this.sink);
      if (flush) this.flushed();
    } catch (e) {
      this.fail(e);
    }
  }

  private finishFrame(sync: boolean): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const data = this.takePending();
    try {
      if (this.frame || data.length > 0) {
        this.frame ??= this.newFrame();
        this.frame.write(data, false, this.sink);
        this.frame.end(this.sink);
      }
      this.frame = null;
      if (sync && this.fd !== null) fsyncSync(this.fd);
      this.flushed();
    } catch (e) {
      this.fail(e);
    }
  }

  private flushed(): void {
    this.written += this.unflushed;
    this.unflushed = 0;
    if (this.fd !== null) this.flushedSize = fstatSync(this.fd).size;
  }

  private openFd(): void {
    this.fd = openLog(this.opts.path, this.opts.compress);
    this.flushedSize = fstatSync(this.fd).size;
  }

  /**
   * Cuts what a failed write left after the last flush point: a plain log keeps whole lines only,
   * and a compressed one ends at a block boundary, so the records counted lost are exactly the
   * records missing.
   */
  private truncateToFlushed(): void {
    if (this.fd === null) return;
    try {
      if (fstatSync(this.fd).size > this.flushedSize) ftruncateSync(this.fd, this.flushedSize);
    } catch {
      // Best effort: a reader skips a broken tail anyway.
    }
  }

  private newFrame(): Frame {
    switch (this.opts.compress) {
      case 'zstd':
        return new ZstdFrame(this.opts.level);
      case 'gz':
        return new GzipFrame(this.opts.level);
      case 'no':
        return new PlainFrame();
    }
  }

  private fail(e: unknown): void {
    this.lost += this.unflushed + this.pending.count;
    this.unflushed = 0;
    this.pending.clear();
    this.frame = null;
    this.truncateToFlushed();
    this.closeFd();
    if (this.failing) return;
    this.failing = true;
    const every = this.opts.retryIntervalMs ?? 1000;
    this.opts.report(
      `cannot write log ${this.opts.path}: ${systemErrorText(e)}; counting the records that cannot be written, retrying every ${every} ms`,
    );
    this.retryTimer = setInterval(() => this.retry(), every);
    this.retryTimer.unref();
  }

  /**
   * Reopens the log and writes, in a fresh frame, the loss record(s) for what could not be written.
   * lossRecord() is asked for a line only once a probe write succeeded, and each line covers records
   * no earlier line covered: the daemon may count them into lost_samples_total when it builds the
   * line. A line whose write still fails is kept and written first on the next success.
   */
  private retry(): void {
    try {
      this.closeFd();
      this.openFd();
      probeSpace(this.opts.path);
    } catch {
      this.closeFd();
      return;
    }
    if (this.lost > 0) {
      this.lossLines.push(this.opts.lossRecord(this.lost));
      this.lossLinesCount += this.lost;
      this.lost = 0;
    }
    try {
      if (this.lossLines.length > 0) {
        this.frame = this.newFrame();
        this.frame.write(Buffer.from(this.lossLines.join('\n') + '\n'), true, this.sink);
        this.flushed();
      }
    } catch {
      this.frame = null;
      this.truncateToFlushed();
      this.closeFd();
      return;
    }
    const count = this.lossLinesCount;
    this.lossLines = [];
    this.lossLinesCount = 0;
    this.failing = false;
    if (this.retryTimer !== undefined) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    this.opts.report(
      `log ${this.opts.path} is writable again` +
        (count > 0 ? `; wrote a loss record for ${count} records that could not be written` : ''),
    );
  }

  private stopTimers(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.retryTimer !== undefined) clearInterval(this.retryTimer);
    this.flushTimer = undefined;
    this.retryTimer = undefined;
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing can report a deferred write error; the records are already counted.
    }
    this.fd = null;
  }
}

// Free space a retry must find before it builds a loss line: far more than a loss frame needs.
const PROBE_BYTES = 16 * 1024;

/** Throws when PROBE_BYTES cannot be written next to the log (disk still full, I/O errors). */
function probeSpace(logPath: string): void {
  const probe = join(dirname(logPath), `.${basename(logPath)}.precd-probe`);
  const fd = openSync(probe, 'w', 0o600);
  try {
    writeSync(fd, Buffer.alloc(PROBE_BYTES));
  } finally {
    closeSync(fd);
    unlinkSync(probe);
  }
}

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
function openLog(path: string, compress: Compress): number {
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

