// Reading a log file on a worker thread: the read and the decompression (most of the cost of a
// query over a compressed log, after the prefilter) run there while the main thread splits lines,
// filters, parses and prints. The worker runs the same decoding pipeline as the main thread
// (read-worker.ts); its output is replayed here in order into the LineSplitter, so lines, bad
// lines, damage warnings and progress are exactly those of lineBatches in read.ts.
import type { FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { LogError } from './errors.js';
import { drain, queueLines, type ByteRange, type Queued, type ReadOptions } from './chunks.js';

/** Decoded chunks (POOL_BUFFER_SIZE each) posted and not yet taken: bounds memory when output is slow. */
const MAX_IN_FLIGHT = 2;

/** Size of the buffers that carry decoded bytes (a decoder's output is cut to fit). */
export const POOL_BUFFER_SIZE = 1 << 20;

export interface WorkerInput {
  path: string;
  /** The file opened when it was listed (read.ts, pinLog), read by the worker; else it opens path. */
  fd?: number | undefined;
  /** Int32Array over it: [0] data messages in flight, [1] 1 = stop reading. */
  inFlight: SharedArrayBuffer;
  maxInFlight: number;
  /** ReadOptions.range. */
  range?: ByteRange | undefined;
}

export type WorkerMessage =
  | { t: 'data'; b: ArrayBuffer; n: number }
  | { t: 'gap' }
  | { t: 'finish' }
  | { t: 'warn'; m: string }
  | { t: 'progress'; pos: number; total: number }
  | { t: 'end' }
  | { t: 'error'; m: string; code?: string | undefined; log: boolean };

/**
 * As lineBatches (read.ts), with the file read and decoded on a worker thread: `fh` (closed here
 * once the worker is gone) when given, else `path`.
 */
export async function* workerLineBatches(
  path: string,
  fh: FileHandle | undefined,
  opts: ReadOptions,
  onTail: (text: string) => void,
): AsyncGenerator<string[]> {
  const shared = new SharedArrayBuffer(8);
  const counter = new Int32Array(shared);
  const input: WorkerInput = { path, fd: fh?.fd, inFlight: shared, maxInFlight: MAX_IN_FLIGHT, range: opts.range };
  // A small heap: the worker holds only a few buffers, and its memory counts against prec's.
  const worker = new Worker(new URL('./read-worker.js', import.meta.url), {
    workerData: input,
    resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
  });
  const queue: WorkerMessage[] = [];
  let head = 0;
  let failure: Error | undefined;
  let exited = false;
  let wake: (() => void) | undefined;
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (err: Error) => {
    failure = err;
    wake?.();
  });
  worker.on('exit', () => {
    exited = true;
    wake?.();
  });
  const batches: Queued[] = [];
  const splitter = queueLines(batches, onTail, opts.selector);
  try {
    for (;;) {
      while (head === queue.length) {
        queue.length = 0;
        head = 0;
        if (failure) throw new LogError(`cannot read ${path}: ${failure.message}`, path);
        if (exited) throw new LogError(`cannot read ${path}: reader thread ended early`, path);
        // Held only while waiting on it, so that an abandoned read never keeps the process alive.
        worker.ref();
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        worker.unref();
      }
      const m = queue[head]!;
      queue[head++] = undefined as unknown as WorkerMessage;
      switch (m.t) {
        case 'data':
          // The splitter keeps nothing of the buffer (copiesInput): back to the worker's pool.
          splitter.write(Buffer.from(m.b, 0, m.n));
          worker.postMessage(m.b, [m.b]);
          Atomics.sub(counter, 0, 1);
          Atomics.notify(counter, 0);
          // Yielded piece by piece (not per read, as lineBatches does): fewer lines held at once,
          // which pays for the worker's own memory. Warnings still come in stream order.
          yield* drain(batches, opts);
          break;
        case 'gap':
          splitter.gap();
          break;
        case 'finish':
          splitter.finish();
          break;
        case 'warn':
          opts.onWarning?.(m.m);
          break;
        case 'progress':
          opts.onProgress?.(m.pos, m.total);
          yield* drain(batches, opts);
          break;
        case 'end':
          yield* drain(batches, opts);
          return;
        case 'error':
          if (m.log) throw new LogError(m.m, path, m.code);
          throw new LogError(`cannot read ${path}: ${m.m}`, path);
      }
    }
  } finally {
    Atomics.store(counter, 1, 1);
    Atomics.notify(counter, 0);
    worker.unref();
    // The descriptor is closed only once the worker can no longer read it (nor a file that
    // reused its number).
    void worker.terminate().finally(() => fh?.close().catch(() => {}));
  }
}
