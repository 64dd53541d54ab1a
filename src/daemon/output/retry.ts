// The write-error policy (disk full, I/O errors): never throw, report once per episode, count the
// records that could not be written, retry every retryIntervalMs, and on resuming write a loss
// record for that count first. It sits in front of the seal slot, so the loss record passes it like
// any other line and the lines dropped while failing never do.
import { closeSync, constants, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { systemErrorText } from '../errors.js';
import { openNoFollow } from '../safe-open.js';

export interface WriteErrorOptions {
  readonly path: string;
  readonly report: (message: string) => void;
  /** Serialized loss record for `count` records that could not be written (see LogWriterOptions). */
  readonly lossRecord: (count: number) => string;
  readonly retryIntervalMs?: number;
  /** Called every retry interval while failing. */
  readonly retry: () => void;
}

export class WriteErrors {
  private failingNow = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Records lost and not yet covered by a loss line. */
  private lost = 0;
  /** Loss lines built but not yet written (a retry that failed after building its line). */
  private lossLines: string[] = [];
  private lossLinesCount = 0;

  constructor(private readonly o: WriteErrorOptions) {}

  /** True while writing fails (between an error and the recovery). */
  get failing(): boolean {
    return this.failingNow;
  }

  /** Records that could not be written and are not yet covered by a loss record. */
  get unwritten(): number {
    return this.lost + this.lossLinesCount;
  }

  /** A write failed and took `lines` records with it: the first error of an episode is reported. */
  failed(e: unknown, lines: number): void {
    this.lost += lines;
    if (this.failingNow) return;
    this.failingNow = true;
    const every = this.o.retryIntervalMs ?? 1000;
    this.o.report(`cannot write log ${this.o.path}: ${systemErrorText(e)}; counting the records that cannot be written, retrying every ${every} ms`);
    this.retryTimer = setInterval(() => this.o.retry(), every);
    this.retryTimer.unref();
  }

  /** A record that arrived while failing. */
  dropped(): void {
    this.lost++;
  }

  /**
   * The loss lines to write first, once a probe succeeded. lossRecord() is asked for a line only
   * then, and each line covers records no earlier line covered: the daemon may count them into
   * lost_samples_total when it builds the line. A line whose write fails is kept for the next retry.
   */
  lossLinesToWrite(): readonly string[] {
    if (this.lost > 0) {
      this.lossLines.push(this.o.lossRecord(this.lost));
      this.lossLinesCount += this.lost;
      this.lost = 0;
    }
    return this.lossLines;
  }

  /** The loss lines reached the file: writing is back. */
  resumed(): void {
    const count = this.lossLinesCount;
    this.lossLines = [];
    this.lossLinesCount = 0;
    this.failingNow = false;
    this.stop();
    this.o.report(
      `log ${this.o.path} is writable again` + (count > 0 ? `; wrote a loss record for ${count} records that could not be written` : ''),
    );
  }

  /** Shutdown while still failing: says what is lost for good. */
  closing(): void {
    if (this.failingNow) this.o.report(`closing with ${this.unwritten} records that could not be written to ${this.o.path}`);
  }

  stop(): void {
    if (this.retryTimer !== undefined) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }
}

// Free space a retry must find before it builds a loss line: far more than a loss frame needs.
const PROBE_BYTES = 16 * 1024;

/** Throws when PROBE_BYTES cannot be written next to the log (disk still full, I/O errors). */
export function probeSpace(logPath: string): void {
  const probe = join(dirname(logPath), `.${basename(logPath)}.precd-probe`);
  const fd = openProbe(probe);
  try {
    writeSync(fd, Buffer.alloc(PROBE_BYTES));
  } finally {
    closeSync(fd);
    unlinkSync(probe);
  }
}

/** A new probe file, never one that exists: a stale probe (crash) is unlinked first, a link is never followed. */
function openProbe(probe: string): number {
  const o = { flags: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode: 0o600, what: 'disk-full probe file' };
  try {
    return openNoFollow(probe, o);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    unlinkSync(probe); // removes the name (a link itself, never its target)
    return openNoFollow(probe, o);
  }
}
