// One sink's delivery loop: read from its cursor, batch (batch_records or batch_interval_ms, whichever
// comes first), send, and only once the sink acknowledged advance the durable cursor. A failed send is
// retried, the same batch, after a capped, jittered back-off; reading waits meanwhile (the log is the
// buffer), so memory stays at one batch plus one decoded chunk whatever the backlog.
import { parseTimestampNs } from '../schema/index.js';
import { sinkLabel, type SinkConfig } from './config.js';
import { readCursor, writeCursor, type Cursor } from './cursor.js';
import { measureLag } from './lag.js';
import type { Sink } from './sinks/sink.js';
import { readFromCursor, type Entry } from './source.js';

export interface ShipperOptions {
  logPath: string;
  sinkConfig: SinkConfig;
  sink: Sink;
  cursorPath: string;
  signal: AbortSignal;
  /** One line on stderr (no trailing newline). */
  log(line: string): void;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** Delay before retry `attempt` (1-based): doubling from 0.5 s, capped at 30 s, 50-100 % of it at random. */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt - 1, 16));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

/** A wait that ends after `ms`, on abort, or when cancelled (its timer is then gone at once). */
function timer(ms: number, signal: AbortSignal): { done: Promise<void>; cancel(): void } {
  let cancel = (): void => {};
  const done = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const end = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', end);
      resolve();
    };
    const t = setTimeout(end, ms);
    signal.addEventListener('abort', end, { once: true });
    cancel = end;
  });
  return { done, cancel };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return timer(ms, signal).done;
}

/** The cursor after `batch` was acknowledged on top of `prev`. */
export function advance(prev: Cursor | undefined, batch: readonly Entry[]): Cursor {
  const last = batch[batch.length - 1]!;
  let seq = prev?.last_seq_event_id;
  for (const e of batch) {
    if (e.record.record_type === 'start' || e.record.record_type === 'fail') seq = e.record.event_id;
  }
  return {
    file: last.file,
    file_first_ns: last.fileFirstNs.toString(),
    index: last.index,
    last_timestamp: last.record.timestamp,
    last_time_ns: (parseTimestampNs(last.record.timestamp) ?? 0n).toString(),
    last_log_order: last.logOrder.toString(),
    ...(seq === undefined ? {} : { last_seq_event_id: seq }),
    sent_total: (prev?.sent_total ?? 0) + batch.length,
  };
}

class Delivery {
  private down: { since: number; attempts: number } | undefined;

  constructor(
    private readonly o: ShipperOptions,
    private readonly label: string,
    public cursor: Cursor | undefined,
  ) {}

  /** Sends `batch` until acknowledged (then writes the cursor) or until aborted (returns false). */
  async deliver(batch: readonly Entry[]): Promise<boolean> {
    for (;;) {
      try {
        await this.o.sink.send(batch);
      } catch (e) {
        if (this.o.signal.aborted) return false;
        const attempts = (this.down?.attempts ?? 0) + 1;
        if (!this.down) this.o.log(`${this.label}: down: ${(e as Error).message}; retrying with back-off (at most every ${BACKOFF_MAX_MS / 1000} s)`);
        this.down = { since: this.down?.since ?? Date.now(), attempts };
        await sleep(backoffMs(attempts), this.o.signal);
        if (this.o.signal.aborted) return false;
        continue;
      }
      this.cursor = advance(this.cursor, batch);
      await writeCursor(this.o.cursorPath, this.cursor);
      if (this.down) {
        const secs = Math.round((Date.now() - this.down.since) / 1000);
        this.down = undefined;
        this.o.log(`${this.label}: up again after ${secs} s`);
        this.reportLag();
      }
      return true;
    }
  }

  /** `n records behind` on stderr, measured in the background (it reads the log to its end). */
  reportLag(): void {
    const at = this.cursor;
    measureLag(this.o.logPath, at, () => {}, this.o.signal).then(
      (lag) => {
        if (!this.o.signal.aborted) this.o.log(`${this.label}: ${lag.records} records behind (${lag.seconds.toFixed(1)} s)`);
      },
      () => {},
    );
  }
}

/** Runs until `signal` aborts. What is read but not acknowledged then is read again next time. */
export async function runShipper(o: ShipperOptions): Promise<void> {
  const label = sinkLabel(o.sinkConfig);
  const delivery = new Delivery(o, label, await readCursor(o.cursorPath));
  const { batch_records: max, batch_interval_ms: interval } = o.sinkConfig;
  o.log(`${label}: starting ${delivery.cursor ? `after the record of ${delivery.cursor.last_timestamp}` : 'from the oldest log file (no cursor yet)'}`);
  delivery.reportLag();
  let caughtUp = false;
  let pending: Entry[] = [];
  let pendingSince = 0;
  const sayCaughtUp = (): void => o.log(`${label}: caught up with the log (${delivery.cursor?.sent_total ?? 0} records shipped in all)`);
  const source = readFromCursor({
    logPath: o.logPath,
    cursor: delivery.cursor,
    follow: true,
    signal: o.signal,
    onWarning: (m) => o.log(`${label}: ${m}`),
    // Said once what was read is acknowledged: now if nothing is pending, else after that flush.
    onCaughtUp: () => (pending.length === 0 ? sayCaughtUp() : void (caughtUp = true)),
  })[Symbol.asyncIterator]();
  let next = source.next();
  /** Sends full batches (or everything, `all`); false when aborted meanwhile. */
  const flush = async (all: boolean): Promise<boolean> => {
    while (pending.length >= (all ? 1 : max)) {
      const batch = pending.slice(0, max);
      if (!(await delivery.deliver(batch))) return false;
      pending = pending.slice(batch.length);
      pendingSince = Date.now();
    }
    if (caughtUp && pending.length === 0) {
      caughtUp = false;
      sayCaughtUp();
    }
    return true;
  };
  try {
    while (!o.signal.aborted) {
      const wait = timer(pending.length > 0 ? Math.max(0, pendingSince + interval - Date.now()) : 3_600_000, o.signal);
      const got = await Promise.race([next, wait.done.then(() => 'timeout' as const)]);
      wait.cancel();
      if (got === 'timeout') {
        if (!(await flush(true))) return;
        continue;
      }
      if (got.done) break;
      if (pending.length === 0) pendingSince = Date.now();
      // Not push(...batch): a decoded chunk can hold more lines than a call takes arguments.
      for (const e of got.value) pending.push(e);
      next = source.next();
      if (!(await flush(false))) return;
    }
  } finally {
    await source.return?.(undefined);
  }
}
