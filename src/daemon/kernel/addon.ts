// Typed access to the native addon (addon/build/Release/prec_addon.node) and the BPF object it
// loads (build/bpf/prec.bpf.o). Only the daemon imports this; the CLI never does.
//
//   const c = openCollector({ ringBufferBytes: 16 << 20 });   // checks, loads, attaches: throws
//   c.start((records) => { for (const r of records) handle(decode(r)); }, (err) => ...);
//   c.dropCount();      // records the kernel could not queue, since open (sum over CPUs)
//   c.highWater();      // the most bytes seen waiting in the ring buffer, since open
//   await c.stop();     // detach probes, deliver what is left in the ring buffer, free
//
// openCollector fails with one explanatory message (no BTF, no bpf() permission, a missing
// tracepoint, a verifier rejection with the verifier's own log). Batches arrive on the event
// loop from the addon's reader thread; if JavaScript falls behind, the reader waits and the
// kernel's ring buffer absorbs the backlog, then drops (counted by dropCount) rather than
// growing memory.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository (or install) root: this file is build/src/daemon/kernel/addon.js. */
const root = fileURLToPath(new URL('../../../../', import.meta.url));

export const DEFAULT_OBJECT_PATH = join(root, 'build', 'bpf', 'prec.bpf.o');
export const ADDON_PATH = join(root, 'addon', 'build', 'Release', 'prec_addon.node');

interface NativeCollector {
  start(onBatch: (data: Buffer, offsets: Uint32Array) => void, onError?: (err: Error) => void): void;
  stop(): Promise<void>;
  dropCount(): number;
  highWater(): number;
}

interface NativeAddon {
  Collector: new (objectPath: string, ringBufferBytes: number) => NativeCollector;
  flockExclusive(fd: number): boolean;
}

let native: NativeAddon | undefined;

function load(): NativeAddon {
  if (native) return native;
  if (!existsSync(ADDON_PATH)) {
    throw new Error(`native addon not built: ${ADDON_PATH} is missing (run \`just build-addon\`)`);
  }
  const require = createRequire(import.meta.url);
  native = require(ADDON_PATH) as NativeAddon;
  return native;
}

export interface CollectorOptions {
  /** BPF object to load; defaults to build/bpf/prec.bpf.o of this installation. */
  objectPath?: string;
  /** Ring buffer size in bytes: a power of two, at least a page (SPEC: ring_buffer_mb MiB). */
  ringBufferBytes: number;
}

export interface Collector {
  /** Begin delivering records: each call gets the records of one batch, in kernel order, each a
   *  Buffer view of one ring-buffer record (decode with decoder.ts). onError gets a fatal reader
   *  error (the collector then stops delivering). Call once. */
  start(onBatch: (records: Buffer[]) => void, onError?: (err: Error) => void): void;
  /** Records dropped in the kernel because the ring buffer was full, since open. */
  dropCount(): number;
  /** The most bytes seen pending in the ring buffer (produced, not yet read) since open, sampled
   *  when the reader wakes and before each batch: how close the kernel came to dropping. */
  highWater(): number;
  /** Detach the probes, deliver every record still queued (through onBatch), then free the
   *  kernel objects. Resolves after the last batch was delivered. Idempotent. */
  stop(): Promise<void>;
}

/** Open, size, load and attach the BPF programs. Throws an Error with a one-paragraph reason. */
export function openCollector(options: CollectorOptions): Collector {
  const addon = load();
  const nativeCollector = new addon.Collector(options.objectPath ?? DEFAULT_OBJECT_PATH, options.ringBufferBytes);
  let stopped: Promise<void> | undefined;
  return {
    start(onBatch, onError) {
      nativeCollector.start((data, offsets) => {
        const records: Buffer[] = new Array(offsets.length - 1);
        for (let i = 0; i < records.length; i++) records[i] = data.subarray(offsets[i], offsets[i + 1]);
        onBatch(records);
      }, onError);
    },
    dropCount: () => nativeCollector.dropCount(),
    highWater: () => nativeCollector.highWater(),
    stop() {
      stopped ??= nativeCollector.stop();
      return stopped;
    },
  };
}

/** flock(fd, LOCK_EX | LOCK_NB): true when acquired, false when already held by another open
 *  file description (another precd); throws on any other error. */
export function flockExclusive(fd: number): boolean {
  return load().flockExclusive(fd);
}
