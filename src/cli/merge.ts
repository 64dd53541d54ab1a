// Start + end -> one `command` row (by event_id); fail and loss records pass through; an end whose
// start was not read is dropped.
//
// Memory is bounded by the number of unfinished commands, not by the size of the log:
//
// - CompletionMerger hands out each row as soon as it is complete (at its start when nothing
//   end-only is needed, else at its end) together with its place in the log (`seq`, the index of its
//   first record). Only unfinished starts are held. Used by `-n N` (which keeps the N latest rows by
//   seq), by follow and by the tree.
// - OrderedMerger streams rows in log (start) order when end values are needed: a row waits in a
//   queue until it and every row before it are complete. A command that runs for a long time would
//   hold everything behind it, so the queue is a window: once the oldest unfinished start is more
//   than `window` records behind the reading position, its end (if any) lies further ahead than the
//   window, and the caller looks it up in a map made by `scanLateEnds`, a separate pass over the same
//   input that keeps only such far-away ends (one per long-running command). That pass runs only when
//   the window overflows at least once.
import type { EndRecord, LogRecord } from '../schema/index.js';

export type RowBag = Record<string, unknown>;

export interface SeqRow {
  readonly seq: number;
  readonly row: RowBag;
  /** false while a command's end is not known (provisional). */
  final: boolean;
}

/**
 * A start, fail or loss record -> a row; a start becomes record_type=command. The record object
 * itself becomes the row: records are freshly parsed for the reader alone, and copying them
 * (object spread) cost more than everything else prec does per row. `command` and `duration` are
 * not stored: the query module and the formatters derive them from argv and duration_ns.
 */
export function toRow(rec: LogRecord): RowBag {
  const row = rec as unknown as RowBag;
  if (rec.record_type === 'start') row.record_type = 'command';
  return row;
}

/** Adds the end's values to a command row. */
export function finalize(row: RowBag, end: EndRecord): void {
  row.end_timestamp = end.timestamp;
  if (typeof end.duration_ns === 'number') row.duration_ns = end.duration_ns;
  if (end.exit_status !== undefined) row.exit_status = end.exit_status;
  if (end.signal !== undefined) row.signal = end.signal;
  if (end.exec_replaced !== undefined) row.exec_replaced = end.exec_replaced;
}

export class CompletionMerger {
  private seq = 0;
  /** Unfinished starts by event_id, in start order (Map keeps insertion order). */
  readonly pending = new Map<string, SeqRow>();

  /** needEnd: hold each start until its end (or the end of input) instead of handing it out at once. */
  constructor(private readonly needEnd: boolean) {}

  /**
   * Feeds one record; returns the row it completes, if any. With needEnd false an end completes
   * nothing but still removes its start from `pending` (follow mode prints it again when needed).
   */
  push(rec: LogRecord): SeqRow | undefined {
    const seq = this.seq++;
    switch (rec.record_type) {
      case 'start': {
        const entry: SeqRow = { seq, row: toRow(rec), final: false };
        if (!this.needEnd) return entry;
        this.pending.set(rec.event_id, entry);
        return undefined;
      }
      case 'end': {
        const entry = this.pending.get(rec.event_id);
        if (!entry) return undefined;
        this.pending.delete(rec.event_id);
        finalize(entry.row, rec);
        entry.final = true;
        return entry;
      }
      default:
        return { seq, row: toRow(rec), final: true };
    }
  }

  /** Unfinished rows in start order, removed from pending (end of input). */
  drain(): SeqRow[] {
    const rows = [...this.pending.values()];
    this.pending.clear();
    return rows;
  }
}

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

/** Keeps the `limit` rows with the highest seq (the last N), whatever order they complete in. */
export class LastRows {
  private rows: SeqRow[] = [];
  constructor(private readonly limit: number) {}

  add(r: SeqRow): void {
    this.rows.push(r);
    if (this.rows.length >= this.limit * 2 + 1024) this.trim();
  }

  /** The kept rows in seq order. */
  take(): SeqRow[] {
    this.trim();
    const out = this.rows;
    this.rows = [];
    return out;
  }

  private trim(): void {
    // Rows mostly arrive in seq order, which the sort handles in linear time.
    this.rows.sort((a, b) => a.seq - b.seq);
    if (this.rows.length > this.limit) this.rows = this.rows.slice(this.rows.length - this.limit);
  }
}
