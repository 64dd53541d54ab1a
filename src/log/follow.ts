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
  const { signal } = opts;
  if (signal?.aborted) return;
  const warn = (m: string): void => opts.onWarning?.(m);
  // The rotated files there before the followed file is opened are history: never read here.
  const rotations = new RotationTracker(path, warn);
  await rotations.snapshot();
  // The file discoverLogs listed (and read the rotated files before, as history), when it did.
  let file = await openFollowed(path, takePinned(path));
  // Decoded lines, and the lines skipped among them, in file order.
  const batches: Queued[] = [];
  const handler: LineHandler = {
    lines: (batch) => batches.push(batch),
    invalidLine: (bytes, reason) => batches.push({ bytes, reason }),
    tail: (text) => {
      if (parseRecord(text) !== undefined) batches.push([text]);
    },
  };
  const pipelineFor = (label: string): AutoDecoder => new AutoDecoder(new LineSplitter(handler), label, warn);
  const pipeline = (): AutoDecoder => pipelineFor(path);
  let decoder = pipeline();
  let pos = 0;
  // What was in the file when following started is history; the first byte after it is live.
  const startSize = (await file.fh.stat()).size;
  let caughtUp = false;
  let skipHistory = !opts.fromStart;
  if (skipHistory) {
    const head = Buffer.alloc(4);
    const { bytesRead } = await file.fh.read(head, 0, 4, 0);
    // Plain text can be entered at a line start; a compressed stream must be decoded from its
    // start, and what it held before following began is dropped below.
    if (detectFormat(head.subarray(0, bytesRead)) === 'plain' && bytesRead === 4) {
      const start = await lastLineStart(file.fh, startSize);
      if (start >= 0) {
        pos = start;
        skipHistory = false;
      }
    }
  }
  const waiter = new ChangeWaiter(path, opts.pollIntervalMs ?? 250, signal);
  let switchPending = false;
  /** The file found at the path when the rotation was seen. */
  let rotatedTo = '';
  // A read buffer that got no data, for the next read (idle polling allocates nothing).
  let spare: Buffer | undefined;
  /** Consecutive looks at the end of the file that found nothing new. */
  let idleRounds = 0;
  try {
    while (!signal?.aborted) {
      if (!caughtUp && pos >= startSize) {
        caughtUp = true;
        skipHistory = false;
        opts.onCaughtUp?.();
      }
      // History reads stop exactly at the size the file had when following started.
      const want = caughtUp ? READ_CHUNK : Math.min(READ_CHUNK, startSize - pos);
      const buf = spare && spare.length >= want ? spare : Buffer.allocUnsafe(want);
      spare = undefined;
      let n: number;
      try {
        n = (await file.fh.read(buf, 0, want, pos)).bytesRead;
      } catch (err) {
        throw toLogError(err, path);
      }
      if (n === 0) spare = buf;
      if (n > 0) {
        idleRounds = 0;
        pos += n;
        decoder.write(buf.subarray(0, n));
        if (!caughtUp) opts.onProgress?.(pos, startSize);
        if (!skipHistory) yield* drain(batches, opts);
        batches.length = 0;
        continue;
      }
      if (!caughtUp) {
        // Shrunk under us before the history was read: whatever comes now is live.
        caughtUp = true;
        skipHistory = false;
        opts.onCaughtUp?.();
      }
      if (switchPending) {
        // The old file has been read to its end after the new one got data: nothing more can
        // come to it, precd writes to the new file only once it has closed the old one.
        switchPending = false;
        let next: Followed;
        try {
          next = await openFollowed(path);
        } catch {
          await waiter.wait(); // gone again between stat and open, or unreadable: look again later
          continue;
        }
        if (next.size === 0 && next.id !== rotatedTo) {
          // Rotated once more since, and precd may not have reopened yet: the file seen with
          // data may still be written to. Look again once the newest file has data.
          await next.fh.close();
          await waiter.wait();
          continue;
        }
        decoder.finish();
        yield* drain(batches, opts);
        // Files current only between two looks at the path (two rotations in between): read
        // whole, oldest first, before the new one.
        const missed = await rotations.missed(file.fh, file.id, next.id);
        try {
          for (const m of missed) {
            yield* readMissed(m, batches, pipelineFor(m.path), opts);
            rotations.done(m.id, m.first);
            if (signal?.aborted) break;
          }
        } finally {
          for (const m of missed) await m.fh.close().catch(() => {});
        }
        await file.fh.close();
        file = next;
        pos = 0;
        decoder = pipeline();
        waiter.rewatch();
        continue;
      }
      const st = await file.fh.stat();
      if (st.size < pos) {
        // Truncated in place (copytruncate): what it held was copied elsewhere; start again.
        pos = 0;
        decoder = pipeline();
        continue;
      }
      const atPath = await stat(path, { bigint: true }).catch(() => undefined);
      if (atPath && fileId(atPath) !== file.id && atPath.size > 0n) {
        // Rotated: logrotate may create the new file before precd reopens, so the old one is
        // finished only once the new one has data. Read the old one to its end once more.
        switchPending = true;
        rotatedTo = fileId(atPath);
        continue;
      }
      if (++idleRounds === 2) {
        // Nothing new since the last look: a write in progress would have completed by now.
        decoder.idle();
        yield* drain(batches, opts);
      }
      await waiter.wait();
    }
  } finally {
    waiter.close();
    await file.fh.close();
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
