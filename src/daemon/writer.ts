// The log writer (SPEC section 6, "Writing"). Records are buffered and compressed in batches, then
// written with synchronous appends: simple, strictly ordered, and a crash loses at most one flush
// interval. Each open of the log starts a new zstd frame / gzip member appended to the file, so a
// log left by a killed precd (unfinished frame) is followed by a clean frame after a restart.
// This module only wires the output chain; each concern is its own module under output/.
import { systemErrorText } from './errors.js';
import type { Compress } from './defaults.js';
import { passThrough, type LineOut, type SealStage } from './seal.js';
import { LineEncoder } from './output/encoder.js';
import { LogFile } from './output/file.js';
import { LogDirError } from './output/open.js';
import { probeSpace, WriteErrors } from './output/retry.js';
import { UnsafeFileError } from './safe-open.js';

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
  /** The seal slot every line passes on its way to the file; default passThrough(). */
  readonly seal?: SealStage;
}

/** The log could not be opened when precd starts (later errors are reported and counted instead). */
export class LogOpenError extends Error {
  override name = 'LogOpenError';
}

/** What precd's metrics file reports of the writer (metrics.ts). */
export interface WriterStats {
  /** Bytes of records (before compression) that reached a flush point. */
  readonly bytesWritten: number;
  /** Bytes appended to the file at flush points (after compression). */
  readonly compressedBytes: number;
  readonly flushes: number;
  /** Failed writes, failed retries included. */
  readonly writeErrors: number;
  /** Unix ms of the last flush, or now when nothing is waiting and writing works. */
  readonly lastFlushMs: number | undefined;
}

/**
 * The output end of precd's chain. write() is cheap (buffering); data reaches the file at the flush
 * interval, when a batch is large, on reopen() and on close(). Write errors never throw: they are
 * reported once per episode, the records that could not be written are counted, writing is retried
 * and resumes with a fresh frame that starts with a loss record for that count.
 *
 *   write() -> write-error gate (retry.ts) -> seal slot (seal.ts) -> batch + frame (encoder.ts)
 *           -> bytes (file.ts)
 */
export class LogWriter {
  private readonly file: LogFile;
  private readonly encoder: LineEncoder;
  private readonly errors: WriteErrors;
  private readonly seal: SealStage;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private writeErrors = 0;

  constructor(private readonly opts: LogWriterOptions) {
    this.file = new LogFile(opts.path, opts.compress);
    this.seal = opts.seal ?? passThrough();
    this.encoder = new LineEncoder(this.file, opts.compress, opts.level, (bytes) => this.seal.taking(bytes));
    this.errors = new WriteErrors({ ...opts, retry: () => this.retry() });
  }

  /** Opens (creates) the log; throws LogOpenError when it cannot, for precd to refuse to start. */
  open(): void {
    try {
      this.file.open();
    } catch (e) {
      if (e instanceof LogDirError || e instanceof UnsafeFileError) throw new LogOpenError(e.message);
      throw new LogOpenError(`cannot open log ${this.opts.path}: ${systemErrorText(e)}`);
    }
    this.opened();
  }

  /**
   * The seal timer (seal_interval_s): the seal slot may add a line of its own now, from outside the
   * flow of records; it is flushed at once, so the slot's committed() follows before any other line.
   */
  tick(): void {
    if (this.closed || this.errors.failing) return;
    this.seal.tick(this.toFile);
    this.flush();
  }

  /** Queues one serialized record (JSON, no newline). */
  write(line: string): void {
    if (this.closed) return;
    if (this.errors.failing) {
      this.errors.dropped();
      return;
    }
    this.seal.line(line, this.toFile);
  }

  /** Makes every record written so far decodable on disk. */
  flush(): void {
    this.stopFlushTimer();
    if (this.errors.failing || this.closed) return;
    if (this.encoder.dirty) this.feed(true);
  }

  /** SIGHUP: finishes the frame, closes, and opens log_path again (a new file after a rename). */
  reopen(): void {
    if (this.closed) return;
    if (this.errors.failing) {
      this.retry();
      return;
    }
    this.seal.closing(this.toFile);
    if (!this.errors.failing) this.finishFrame(false);
    if (this.errors.failing) return;
    this.file.close();
    try {
      this.file.open();
    } catch (e) {
      this.fail(e);
      return;
    }
    this.opened();
  }

  /** SIGTERM: finishes the frame, fsyncs and closes. A pending loss count gets one last try. */
  close(): void {
    if (this.closed) return;
    if (this.errors.failing) this.retry();
    if (!this.errors.failing) this.seal.closing(this.toFile);
    if (!this.errors.failing) this.finishFrame(true);
    this.errors.closing();
    this.stopFlushTimer();
    this.errors.stop();
    this.file.close();
    this.closed = true;
  }

  /** Records that could not be written and are not yet covered by a loss record. */
  get lostRecords(): number {
    return this.errors.unwritten;
  }

  /** Records that reached a flushed point of the log. */
  get recordsWritten(): number {
    return this.encoder.written;
  }

  /** The writer's counters for the metrics file. */
  get stats(): WriterStats {
    // Nothing waiting and no error: the log is complete as of now, so an idle host does not look
    // like a stalled precd to an alert on the last flush time.
    const current = !this.encoder.dirty && !this.errors.failing && !this.closed;
    return {
      bytesWritten: this.encoder.bytesWritten,
      compressedBytes: this.file.committedBytes,
      flushes: this.encoder.flushes,
      writeErrors: this.writeErrors,
      lastFlushMs: current ? Date.now() : this.encoder.lastFlushMs,
    };
  }

  /** True while writing fails (between an error and the recovery). */
  get isFailing(): boolean {
    return this.errors.failing;
  }

  /** What the seal slot passes on: the batch, unless a write error started meanwhile. */
  private readonly toFile: LineOut = {
    write: (line) => {
      if (this.closed) return;
      if (this.errors.failing) {
        this.errors.dropped();
        this.seal.discarded();
        return;
      }
      if (this.encoder.push(line)) this.feed(false);
      this.flushTimer ??= this.startFlushTimer();
    },
    bytesSince: () => this.encoder.sinceMark(),
  };

  /** A file was (re)opened: the seal slot's first lines, flushed at once. */
  private opened(): void {
    this.seal.opened(this.toFile);
    this.flush();
  }

  private startFlushTimer(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.opts.flushIntervalMs);
    timer.unref();
    return timer;
  }

  private stopFlushTimer(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private feed(flush: boolean): void {
    try {
      this.encoder.feed(flush);
      if (flush) this.seal.committed();
    } catch (e) {
      this.fail(e);
    }
  }

  private finishFrame(sync: boolean): void {
    this.stopFlushTimer();
    try {
      this.encoder.finish(sync);
      this.seal.committed();
    } catch (e) {
      this.fail(e);
    }
  }

  /** A write failed: what it took since the last flush point is cut from the file and counted. */
  private fail(e: unknown): void {
    this.writeErrors++;
    const lost = this.encoder.discard();
    this.file.cutBack();
    this.file.close();
    this.seal.discarded();
    this.errors.failed(e, lost);
  }

  /** Reopens the log and, once there is room, writes the loss record(s) first, through the seal slot. */
  private retry(): void {
    try {
      this.file.close();
      this.file.open();
      probeSpace(this.opts.path);
    } catch {
      this.writeErrors++;
      this.file.close();
      return;
    }
    const lossLines = this.errors.lossLinesToWrite();
    try {
      if (lossLines.length > 0) {
        for (const line of lossLines) this.seal.line(line, this.toBatch);
        this.encoder.feed(true);
        this.seal.committed();
      }
    } catch {
      this.writeErrors++;
      this.encoder.discard(); // the loss lines only: they are kept for the next retry
      this.file.cutBack();
      this.file.close();
      this.seal.discarded();
      return;
    }
    this.errors.resumed();
  }

  /** The seal slot's output while resuming: the batch, encoded at once by retry(). */
  private readonly toBatch: LineOut = { write: (line) => void this.encoder.push(line), bytesSince: () => this.encoder.sinceMark() };
}
