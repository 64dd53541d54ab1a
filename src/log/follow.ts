// Following a log as precd writes it: decode what is flushed as it arrives (a zstd or gzip stream
// grows block by block, a line or a block may be half written), and follow the PATH across
// rotation (a new file at the path) and truncation, losing and repeating nothing.
import { isUtf8 } from 'node:buffer';
import { watch, type FSWatcher } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import type { LogRecord } from '../schema/index.js';
import { AutoDecoder } from './decode.js';
import { toLogError } from './errors.js';
import { detectFormat } from '../codec/format.js';
import { LineSplitter, type LineHandler } from './lines.js';
import { drain, openLog, READ_CHUNK, type Queued, type ReadOptions } from './chunks.js';
import { parseBatch, takePinned } from './read.js';
import { parseRecord } from './record.js';
import { fileId, RotationTracker, type MissedFile } from './rotation.js';

export interface FollowOptions extends ReadOptions {
  /** Ends the iteration cleanly (no error) as soon as it is aborted. */
  signal?: AbortSignal;
  /**
   * true: every record already in the file first, then new ones. false (default): only records
   * written after following started.
   */
  fromStart?: boolean;
  /**
   * Called once, when every record that was complete in the file when following started has been
   * yielded (fromStart) or skipped, and before any record written later is yielded. `prec -F -n N` keeps
   * the last N records seen before this call as its history: no record is lost or printed twice
   * between history and live output.
   */
  onCaughtUp?(): void;
  /** How often the file is checked when no change notification came (default 250 ms). */
  pollIntervalMs?: number;
  /**
   * Called when reading moves on to another file after a rotation (a rotated file missed between
   * two looks, read whole, or the new current file), before any of its lines is yielded: every
   * line yielded after the call is that file's, from its start (prec-ship counts records per file).
   */
  onFile?(path: string): void;
}

interface Followed {
  fh: FileHandle;
  /** See fileId. */
  id: string;
  /** Size when opened. */
  size: number;
}

async function openFollowed(path: string, opened?: FileHandle): Promise<Followed> {
  const fh = opened ?? (await openLog(path));
  try {
    const st = await fh.stat({ bigint: true });
    return { fh, id: fileId(st), size: Number(st.size) };
  } catch (err) {
    await fh.close();
    throw toLogError(err, path);
  }
}

/** Wakes the follower on a change notification for the path, a poll tick, or abort. */
class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly path: string,
    private readonly pollMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.rewatch();
  }

  /** Watches whatever file is at the path now (inotify follows inodes, not names). */
  rewatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
    try {
      const w = watch(this.path, { persistent: false }, () => this.notify());
      w.on('error', () => {
        w.close();
        if (this.watcher === w) this.watcher = undefined;
      });
      this.watcher = w;
    } catch {
      // Polling alone still sees every change, a little later.
    }
  }

  private notify(): void {
    this.changed = true;
    this.wake?.();
  }

  async wait(): Promise<void> {
    if (!this.changed && !this.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.pollMs);
        this.signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    this.changed = false;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.wake?.();
  }
}

/**
 * Offset of the start of the last line of a plain file (where following without history starts),
 * or -1 when the end of the file is not plain text (a compressed frame appended after a change
 * of the compress setting): the file must then be decoded from its start.
 */
async function lastLineStart(fh: FileHandle, size: number): Promise<number> {
  const span = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(span);
  const { bytesRead } = await fh.read(buf, 0, span, size - span);
  const tail = buf.subarray(0, bytesRead);
  const last = tail.lastIndexOf(0x0a);
  if (last < 0) return span === size ? 0 : -1;
  // Everything after the first newline (which may follow a cut character) must be text, but for
  // a character cut at the very end by a write in progress.
  const first = span === size ? -1 : tail.indexOf(0x0a);
  const text = tail.subarray(first + 1);
  for (let cut = 0; cut <= Math.min(3, text.length); cut++) {
    if (isUtf8(text.subarray(0, text.length - cut))) return size - span + last + 1;
  }
  return -1;
}

/**
 * Batches of complete lines as they are written. A line after the last '\n' is held until its
 * newline arrives; when the path moves on to a new file (rotation), the old file is read to its
 * end first and its unterminated last line is returned only if it is a complete record.
 */
export async function* followLineBatches(path: string, opts: FollowOptions = {}): AsyncGenerator<string[]> {
  if (opts.signal?.aborted) return;
  yield* (await LineFollower.open(path, opts)).run();
}

/** The state of one followLineBatches: the followed file, how far it was read, and its decoder. */
class LineFollower {
  /** Decoded lines, and the lines skipped among them, in file order. */
  private readonly batches: Queued[] = [];
  private readonly handler: LineHandler = {
    lines: (batch) => this.batches.push(batch),
    invalidLine: (bytes, reason) => this.batches.push({ bytes, reason }),
    tail: (text) => {
      if (parseRecord(text) !== undefined) this.batches.push([text]);
    },
  };
  private decoder: AutoDecoder;
  private pos = 0;
  private caughtUp = false;
  /** What the file held before following began is decoded (a compressed stream must be) but not shown. */
  private skipHistory: boolean;
  private readonly waiter: ChangeWaiter;
  /** The path moved on to a file with data: finish the old one, then switch. */
  private switchPending = false;
  /** The file found at the path when the rotation was seen. */
  private rotatedTo = '';
  /** A read buffer that got no data, for the next read (idle polling allocates nothing). */
  private spare: Buffer | undefined;
  /** Consecutive looks at the end of the file that found nothing new. */
  private idleRounds = 0;

  private constructor(
    private readonly path: string,
    private readonly opts: FollowOptions,
    private readonly rotations: RotationTracker,
    private file: Followed,
    /** What was in the file when following started is history; the first byte after it is live. */
    private readonly startSize: number,
  ) {
    this.decoder = this.pipeline();
    this.skipHistory = !opts.fromStart;
    this.waiter = new ChangeWaiter(path, opts.pollIntervalMs ?? 250, opts.signal);
  }

  static async open(path: string, opts: FollowOptions): Promise<LineFollower> {
    // The rotated files there before the followed file is opened are history: never read here.
    const rotations = new RotationTracker(path, (m) => opts.onWarning?.(m));
    await rotations.snapshot();
    // The file discoverLogs listed (and read the rotated files before, as history), when it did.
    const file = await openFollowed(path, takePinned(path));
    const follower = new LineFollower(path, opts, rotations, file, (await file.fh.stat()).size);
    try {
      await follower.enterAtLastLine();
    } catch (err) {
      follower.waiter.close();
      await file.fh.close();
      throw err;
    }
    return follower;
  }

  async *run(): AsyncGenerator<string[]> {
    try {
      while (!this.opts.signal?.aborted) {
        if (await this.readMore()) {
          if (!this.skipHistory) yield* drain(this.batches, this.opts);
          this.batches.length = 0;
          continue;
        }
        // Shrunk under us before the history was read: whatever comes now is live.
        this.markCaughtUp();
        if (this.switchPending) {
          yield* this.switchFile();
          continue;
        }
        if (await this.pathChanged()) continue;
        if (++this.idleRounds === 2) {
          // Nothing new since the last look: a write in progress would have completed by now.
          this.decoder.idle();
          yield* drain(this.batches, this.opts);
        }
        await this.waiter.wait();
      }
    } finally {
      this.waiter.close();
      await this.file.fh.close();
    }
  }

  private pipeline(label = this.path): AutoDecoder {
    return new AutoDecoder(new LineSplitter(this.handler), label, (m) => this.opts.onWarning?.(m));
  }

  /**
   * Plain text can be entered at a line start; a compressed stream must be decoded from its start,
   * and what it held before following began is dropped (skipHistory).
   */
  private async enterAtLastLine(): Promise<void> {
    if (!this.skipHistory) return;
    const head = Buffer.alloc(4);
    const { bytesRead } = await this.file.fh.read(head, 0, 4, 0);
    if (detectFormat(head.subarray(0, bytesRead)) !== 'plain' || bytesRead !== 4) return;
    const start = await lastLineStart(this.file.fh, this.startSize);
    if (start >= 0) {
      this.pos = start;
      this.skipHistory = false;
    }
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.skipHistory = false;
    this.opts.onCaughtUp?.();
  }

  /** Reads what the file has past `pos` into the decoder; false when it had nothing new. */
  private async readMore(): Promise<boolean> {
    if (this.pos >= this.startSize) this.markCaughtUp();
    // History reads stop exactly at the size the file had when following started.
    const want = this.caughtUp ? READ_CHUNK : Math.min(READ_CHUNK, this.startSize - this.pos);
    const buf = this.spare && this.spare.length >= want ? this.spare : Buffer.allocUnsafe(want);
    this.spare = undefined;
    let n: number;
    try {
      n = (await this.file.fh.read(buf, 0, want, this.pos)).bytesRead;
    } catch (err) {
      throw toLogError(err, this.path);
    }
    if (n === 0) {
      this.spare = buf;
      return false;
    }
    this.idleRounds = 0;
    this.pos += n;
    this.decoder.write(buf.subarray(0, n));
    if (!this.caughtUp) this.opts.onProgress?.(this.pos, this.startSize);
    return true;
  }

  /** True when the file shrank (read again from its start) or the path moved on (switchPending). */
  private async pathChanged(): Promise<boolean> {
    const st = await this.file.fh.stat();
    if (st.size < this.pos) {
      // Truncated in place (copytruncate): what it held was copied elsewhere; start again.
      this.pos = 0;
      this.decoder = this.pipeline();
      this.opts.onFile?.(this.path);
      return true;
    }
    const atPath = await stat(this.path, { bigint: true }).catch(() => undefined);
    if (atPath && fileId(atPath) !== this.file.id && atPath.size > 0n) {
      // Rotated: logrotate may create the new file before precd reopens, so the old one is
      // finished only once the new one has data. Read the old one to its end once more.
      this.switchPending = true;
      this.rotatedTo = fileId(atPath);
      return true;
    }
    return false;
  }

  /**
   * The old file has been read to its end after the new one got data: nothing more can come to
   * it, precd writes to the new file only once it has closed the old one.
   */
  private async *switchFile(): AsyncGenerator<string[]> {
    this.switchPending = false;
    let next: Followed;
    try {
      next = await openFollowed(this.path);
    } catch {
      await this.waiter.wait(); // gone again between stat and open, or unreadable: look again later
      return;
    }
    if (next.size === 0 && next.id !== this.rotatedTo) {
      // Rotated once more since, and precd may not have reopened yet: the file seen with data may
      // still be written to. Look again once the newest file has data.
      await next.fh.close();
      await this.waiter.wait();
      return;
    }
    this.decoder.finish();
    yield* drain(this.batches, this.opts);
    yield* this.readMissedFiles(next);
    await this.file.fh.close();
    this.file = next;
    this.pos = 0;
    this.opts.onFile?.(this.path);
    this.decoder = this.pipeline();
    this.waiter.rewatch();
  }

  /** Files current only between two looks at the path (two rotations in between): read whole, oldest first. */
  private async *readMissedFiles(next: Followed): AsyncGenerator<string[]> {
    const missed = await this.rotations.missed(this.file.fh, this.file.id, next.id);
    try {
      for (const m of missed) {
        this.opts.onFile?.(m.path);
        yield* readMissed(m, this.batches, this.pipeline(m.path), this.opts);
        this.rotations.done(m.id, m.first);
        if (this.opts.signal?.aborted) break;
      }
    } finally {
      for (const m of missed) await m.fh.close().catch(() => {});
    }
  }
}

/** Every line of a rotated file missed between two looks at the path, through `decoder`. */
async function* readMissed(m: MissedFile, batches: Queued[], decoder: AutoDecoder, opts: FollowOptions): AsyncGenerator<string[]> {
  for (let pos = 0; ; ) {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let n: number;
    try {
      n = (await m.fh.read(buf, 0, READ_CHUNK, pos)).bytesRead;
    } catch (err) {
      // Truncated or gone under us: what was read is kept, the rest is reported.
      opts.onWarning?.(`${toLogError(err, m.path).message}: the rest of it is not read`);
      break;
    }
    if (n === 0) break;
    pos += n;
    decoder.write(buf.subarray(0, n));
    yield* drain(batches, opts);
    if (opts.signal?.aborted) return;
  }
  decoder.finish();
  yield* drain(batches, opts);
}

/** Records as they are written; lines that are not records go to onBadLine. */
export async function* followRecords(path: string, opts: FollowOptions = {}): AsyncGenerator<LogRecord> {
  for await (const batch of followLineBatches(path, opts)) yield* parseBatch(batch, opts);
}
