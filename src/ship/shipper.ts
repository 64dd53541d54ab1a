// One sink's delivery loop: read from its cursor, batch (batch_records or batch_interval_ms, whichever
// comes first), send, and only once the sink acknowledged advance the durable cursor. Reading goes on
// while a batch is in flight, up to one more full batch; a failed send is retried, the same batch,
// after a capped, jittered back-off, and reading waits once the next batch is full (the log is the
// buffer), so memory stays at two batches plus one decoded chunk whatever the backlog.
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

type Event = { read: IteratorResult<Entry[]> } | { sent: boolean; n: number } | 'tick';

/** `p` with its rejection marked handled: it may sit un-awaited for a while, and is awaited later. */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/**
 * The read/batch/send loop. Reading goes on while a batch is in flight, so records that arrive during
 * an INSERT wait only for the batch clock, not for the INSERT too; memory stays bounded: one batch in
 * flight, and one filling (reading pauses once it is full, until the one in flight is acknowledged).
 * One batch in flight at a time, so batches are acknowledged, and the cursor advances, in log order.
 */
class Pump {
  private pending: Entry[] = [];
  /** When the oldest pending record arrived (or the last full batch was cut): the batch clock. */
  private pendingSince = 0;
  private inflight: Promise<Event> | undefined;
  private reading: Promise<Event> | undefined;
  /** Records read and acknowledged in this run; `caughtUpAt`: what was read when the source caught up. */
  private read = 0;
  private acked = 0;
  private caughtUpAt: number | undefined;

  constructor(
    private readonly o: ShipperOptions,
    private readonly label: string,
    private readonly delivery: Delivery,
  ) {}

  private sayCaughtUp(): void {
    this.o.log(`${this.label}: caught up with the log (${this.delivery.cursor?.sent_total ?? 0} records shipped in all)`);
  }

  /**
   * Said once what was read up to now is acknowledged: at once if it is, else after the ack that covers
   * it (not when nothing is pending: under a steady stream something always is).
   */
  onCaughtUp(): void {
    this.caughtUpAt = this.read;
    this.sayIfCaughtUp();
  }

  private sayIfCaughtUp(): void {
    if (this.caughtUpAt === undefined || this.acked < this.caughtUpAt) return;
    this.caughtUpAt = undefined;
    this.sayCaughtUp();
  }

  /** Sends the next batch if it is due (full, or its interval passed) and none is in flight. */
  private sendIfDue(): void {
    const { batch_records: max, batch_interval_ms: interval } = this.o.sinkConfig;
    if (this.inflight || this.pending.length === 0) return;
    if (this.pending.length < max && Date.now() < this.pendingSince + interval) return;
    const batch = this.pending.slice(0, max);
    this.pending = this.pending.slice(batch.length);
    this.pendingSince = Date.now();
    this.inflight = later(this.delivery.deliver(batch).then((sent) => ({ sent, n: batch.length })));
  }

  /** Runs until aborted or the source ends; returns only with nothing in flight. */
  async run(source: AsyncIterator<Entry[]>): Promise<void> {
    const { batch_records: max } = this.o.sinkConfig;
    let ended = false;
    for (;;) {
      if (!this.o.signal.aborted && !ended) this.sendIfDue();
      if ((this.o.signal.aborted || ended) && !this.inflight) return;
      if (!this.reading && !ended && this.pending.length < max) this.reading = later(source.next().then((read) => ({ read })));
      const waits: Promise<Event>[] = [];
      if (this.inflight) waits.push(this.inflight);
      // Reading pauses while a full batch waits for the one in flight (bounded memory).
      if (this.reading && !(this.inflight && this.pending.length >= max)) waits.push(this.reading);
      let tick: { done: Promise<void>; cancel(): void } | undefined;
      if (!this.inflight && this.pending.length > 0) {
        tick = timer(Math.max(0, this.pendingSince + this.o.sinkConfig.batch_interval_ms - Date.now()), this.o.signal);
        waits.push(tick.done.then(() => 'tick' as const));
      }
      const ev = await Promise.race(waits);
      tick?.cancel();
      if (ev === 'tick') continue;
      if ('sent' in ev) {
        this.inflight = undefined;
        if (!ev.sent) return; // aborted during a back-off: the batch is read again next time
        this.acked += ev.n;
        this.sayIfCaughtUp();
        continue;
      }
      this.reading = undefined;
      if (ev.read.done) {
        ended = true;
        continue;
      }
      if (this.pending.length === 0) this.pendingSince = Date.now();
      // Not push(...batch): a decoded chunk can hold more lines than a call takes arguments.
      for (const e of ev.read.value) this.pending.push(e);
      this.read += ev.read.value.length;
    }
  }
}

/** Runs until `signal` aborts. What is read but not acknowledged then is read again next time. */
export async function runShipper(o: ShipperOptions): Promise<void> {
  const label = sinkLabel(o.sinkConfig);
  const delivery = new Delivery(o, label, await readCursor(o.cursorPath));
  o.log(`${label}: starting ${delivery.cursor ? `after the record of ${delivery.cursor.last_timestamp}` : 'from the oldest log file (no cursor yet)'}`);
  delivery.reportLag();
  const pump = new Pump(o, label, delivery);
  // The source stops on abort and also when delivery fails for good (a read may be pending then).
  const reader = new AbortController();
  const stopReading = (): void => reader.abort();
  o.signal.addEventListener('abort', stopReading, { once: true });
  const source = readFromCursor({
    logPath: o.logPath,
    cursor: delivery.cursor,
    follow: true,
    signal: reader.signal,
    onWarning: (m) => o.log(`${label}: ${m}`),
    onCaughtUp: () => pump.onCaughtUp(),
  })[Symbol.asyncIterator]();
  try {
    await pump.run(source);
  } finally {
    stopReading();
    o.signal.removeEventListener('abort', stopReading);
    await source.return?.(undefined);
  }
}
