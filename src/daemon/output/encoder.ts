// Lines -> frame -> file: the batch of encoded lines is handed to the frame in progress, whose
// output goes to the file. Counts the lines between flush points: those are what a write error
// costs, and what reached the file.
import { CHUNK_BYTES, PendingLines } from './batch.js';
import type { Compress } from '../defaults.js';
import type { LogFile } from './file.js';
import { frameFull, newFrame, type Frame } from './frames.js';

export class LineEncoder {
  private readonly pending = new PendingLines();
  private frame: Frame | null = null;
  /** Lines handed to the frame since its last flush point: lost too if the flush fails. */
  private unflushed = 0;
  /** Lines that reached a flush point. */
  written = 0;
  /** For the metrics file: bytes of those lines (before compression), flush points, the last one's time (ms). */
  bytesWritten = 0;
  flushes = 0;
  lastFlushMs: number | undefined;
  private unflushedBytes = 0;
  /** Input bytes in the frame in progress, and when it started (ms): see frameFull. */
  private frameBytes = 0;
  private frameStartMs = 0;

  constructor(
    private readonly file: LogFile,
    private readonly compress: Compress,
    private readonly level: number,
    /** Gets the bytes of the lines queued since the last sinceMark(), just before the batch goes to the frame. */
    private readonly tap?: (bytes: Buffer) => void,
  ) {}

  /** The bytes of the lines queued since the previous call or tap (see PendingLines.sinceMark). */
  sinceMark(): Buffer {
    return this.pending.sinceMark();
  }

  /** Queues one line (no newline); true once the batch is large enough to be encoded now. */
  push(line: string): boolean {
    this.pending.push(line);
    return this.pending.units >= CHUNK_BYTES;
  }

  /** Lines queued or in the frame since its last flush point. */
  get dirty(): boolean {
    return this.pending.count > 0 || this.unflushed > 0;
  }

  /** Hands the batch to the frame; with `flush`, everything becomes decodable (a flush point). Throws on write errors. */
  feed(flush: boolean): void {
    const data = this.take();
    if (!this.frame) {
      this.frame = newFrame(this.compress, this.level);
      this.frameBytes = 0;
      this.frameStartMs = Date.now();
    }
    this.frame.write(data, flush, this.file.append);
    this.frameBytes += data.length;
    if (!flush) return;
    // Ended before the flush point is committed: a failed end is cut back with the batch.
    if (frameFull(this.frameBytes, Date.now() - this.frameStartMs)) {
      this.frame.end(this.file.append);
      this.frame = null;
    }
    this.committed(false);
  }

  /** Ends the frame (no empty frame when nothing was written); `sync` fsyncs. Throws on write errors. */
  finish(sync: boolean): void {
    const data = this.take();
    if (this.frame || data.length > 0) {
      this.frame ??= newFrame(this.compress, this.level);
      this.frame.write(data, false, this.file.append);
      this.frame.end(this.file.append);
    }
    this.frame = null;
    this.committed(sync);
  }

  /** After a write error: drops the batch and the frame; returns how many lines that lost. */
  discard(): number {
    const lost = this.unflushed + this.pending.count;
    this.unflushed = 0;
    this.unflushedBytes = 0;
    this.pending.clear();
    this.frame = null;
    return lost;
  }

  private take(): Buffer {
    if (this.tap && this.pending.count > 0) this.tap(this.pending.sinceMark());
    this.unflushed += this.pending.count;
    const data = this.pending.take();
    this.unflushedBytes += data.length;
    return data;
  }

  private committed(sync: boolean): void {
    this.file.commit(sync);
    this.written += this.unflushed;
    this.unflushed = 0;
    this.bytesWritten += this.unflushedBytes;
    this.unflushedBytes = 0;
    this.flushes++;
    this.lastFlushMs = Date.now();
  }
}
