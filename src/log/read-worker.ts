// Worker side of readInWorker (worker.ts): reads a log file and runs the decoding pipeline
// (AutoDecoder: zstd, gzip, nesting, damage, resync) unchanged; only its output (decoded bytes,
// gaps, warnings, progress) crosses to the main thread, in order, as messages. Decoded bytes are
// copied once into a fresh ArrayBuffer that is transferred: decoders may still hold views of
// their own buffers (lookback windows, a format switch mid-buffer), so theirs cannot move.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { AutoDecoder } from './decode.js';
import { LogError } from './errors.js';
import { readChunks } from './chunks.js';
import type { ByteSink } from '../codec/sink.js';
import { POOL_BUFFER_SIZE, type WorkerInput, type WorkerMessage } from './worker.js';
import { exposedGc } from './gc.js';

const { path, fd, inFlight, maxInFlight, range } = workerData as WorkerInput;
const port = parentPort!;
/** inFlight[0]: data messages posted and not yet taken by the main thread; inFlight[1]: 1 = stop. */
const counter = new Int32Array(inFlight);

function post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

/**
 * Buffers moved to the main thread, which sends each back once its lines are split: the same few
 * megabytes go round, so 700 MB of output costs one memcpy and no fresh (page-faulting) memory.
 */
const pool: ArrayBuffer[] = [];

/** A pooled buffer, waiting (this thread only) while too many are in flight. */
function takeBuffer(): ArrayBuffer {
  for (;;) {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) pool.push(m.message as ArrayBuffer);
    if (Atomics.load(counter, 1) === 1) throw new Stopped();
    const n = Atomics.load(counter, 0);
    if (pool.length > 0) return pool.pop()!;
    if (n < maxInFlight) return new ArrayBuffer(POOL_BUFFER_SIZE);
    Atomics.wait(counter, 0, n, 100);
  }
}

class Stopped extends Error {}

/**
 * The end of the pipeline. copiesInput: decoders then reuse their output buffer, and each piece
 * is copied into a pooled buffer that is transferred (not cloned) to the main thread.
 */
const forward: ByteSink = {
  write(data: Buffer): void {
    for (let off = 0; off < data.length; off += POOL_BUFFER_SIZE) {
      const piece = data.subarray(off, off + POOL_BUFFER_SIZE);
      const ab = takeBuffer();
      new Uint8Array(ab, 0, piece.length).set(piece);
      Atomics.add(counter, 0, 1);
      post({ t: 'data', b: ab, n: piece.length }, [ab]);
    }
  },
  gap: () => post({ t: 'gap' }),
  finish: () => post({ t: 'finish' }),
  copiesInput: true,
};

/**
 * This thread allocates almost nothing on the JavaScript heap, so V8 rarely collects it, and the
 * read buffers already decoded (external memory, 512 KiB each) would pile up for tens of
 * megabytes in between: a collection is asked for every few megabytes read instead (~1 ms each).
 */
const COLLECT_EVERY = 8 * 1024 * 1024;
const collect = exposedGc();

async function run(): Promise<void> {
  const decoder = new AutoDecoder(forward, path, (m) => post({ t: 'warn', m })).startAt(range?.start ?? 0);
  for await (const { chunk, pos, total } of readChunks(path, fd, (m) => post({ t: 'warn', m }), range)) {
    decoder.write(chunk);
    const n = chunk.length;
    if (collect && Math.floor(pos / COLLECT_EVERY) !== Math.floor((pos - n) / COLLECT_EVERY)) collect();
    post({ t: 'progress', pos, total });
  }
  decoder.finish();
}

run().then(
  () => post({ t: 'end' }),
  (err: unknown) => {
    if (err instanceof Stopped) return;
    if (err instanceof LogError) post({ t: 'error', m: err.message, code: err.code, log: true });
    else post({ t: 'error', m: err instanceof Error ? err.message : String(err), log: false });
  },
);
