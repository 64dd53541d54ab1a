// Rows in log (start) order when end values are needed: a row waits in a queue until it and every
// row before it are complete. Memory is bounded by the number of unfinished commands, not by the
// size of the log: a command that runs for a long time would hold everything behind it, so the
// queue is a window. Once the oldest unfinished start is more than `window` records behind the
// reading position, its end (if any) lies further ahead than the window, and the caller looks it up
// in a map made by `scanLateEnds`, a separate pass over the same input that keeps only such
// far-away ends (one per long-running command). That pass runs only when the window overflows at
// least once.
import type { EndRecord, LogRecord } from '../schema/index.js';
import { finalize, toRow, type RowBag, type SeqRow } from './row.js';

export class OrderedMerger {
  private seq = 0;
  private queue: SeqRow[] = [];
  private head = 0;
  private readonly pending = new Map<string, SeqRow>();

  constructor(
    private readonly needEnd: boolean,
    /** How many records an unfinished start may lag behind before its end is looked up elsewhere. */
    readonly window = 20_000,
  ) {}

  /** Feeds one record; returns the rows now ready, in log order. */
  push(rec: LogRecord): RowBag[] {
    const seq = this.seq++;
    if (!this.needEnd) {
      return rec.record_type === 'end' ? [] : [toRow(rec)];
    }
    switch (rec.record_type) {
      case 'start': {
        const entry: SeqRow = { seq, row: toRow(rec), final: false };
        this.pending.set(rec.event_id, entry);
        this.queue.push(entry);
        break;
      }
      case 'end': {
        const entry = this.pending.get(rec.event_id);
        if (!entry) return [];
        this.pending.delete(rec.event_id);
        finalize(entry.row, rec);
        entry.final = true;
        break;
      }
      default:
        this.queue.push({ seq, row: toRow(rec), final: true });
    }
    return this.ready();
  }

  /** The oldest unfinished start lags more than `window` records: resolve it with `resolveHead`. */
  overflowing(): boolean {
    const h = this.queue[this.head];
    return h !== undefined && !h.final && this.seq - 1 - h.seq > this.window;
  }

  /** event_id of the unfinished start at the head of the queue. */
  headEventId(): string | undefined {
    const h = this.queue[this.head];
    return h && !h.final ? String(h.row.event_id) : undefined;
  }

  /** Completes the head with its far-away end, or as unfinished when it has none; returns rows now ready. */
  resolveHead(end: EndRecord | undefined): RowBag[] {
    const h = this.queue[this.head];
    if (!h || h.final) return this.ready();
    this.pending.delete(String(h.row.event_id));
    if (end) finalize(h.row, end);
    h.final = true;
    return this.ready();
  }

  /** End of input: everything left, unfinished commands with their end fields empty. */
  flush(): RowBag[] {
    const rows = this.queue.slice(this.head).map((e) => e.row);
    this.queue = [];
    this.head = 0;
    this.pending.clear();
    return rows;
  }

  private ready(): RowBag[] {
    const out: RowBag[] = [];
    while (this.head < this.queue.length && this.queue[this.head]!.final) out.push(this.queue[this.head++]!.row);
    // Compact now and then so the consumed part of the array does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

/**
 * The separate pass behind OrderedMerger's window: ends that come more than `window` records after
 * their start, by event_id. Holds the unfinished starts of the pass plus one end per such command.
 * `records` must yield the same sequence the merger is fed.
 */
export async function scanLateEnds(batches: AsyncIterable<readonly LogRecord[]>, window: number): Promise<Map<string, EndRecord>> {
  const late = new Map<string, EndRecord>();
  const starts = new Map<string, number>();
  let seq = 0;
  for await (const batch of batches) {
    for (const rec of batch) {
      const s = seq++;
      if (rec.record_type === 'start') starts.set(rec.event_id, s);
      else if (rec.record_type === 'end') {
        const at = starts.get(rec.event_id);
        if (at === undefined) continue;
        starts.delete(rec.event_id);
        if (s - at > window) late.set(rec.event_id, rec);
      }
    }
  }
  return late;
}
