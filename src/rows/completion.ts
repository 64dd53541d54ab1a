// Rows as soon as they are complete, each with its place in the log (see ./ordered.ts for rows in
// log order). Used by `-n N` (which keeps the N latest rows by seq, ./last.ts), by follow and by
// the tree. Memory is bounded by the number of unfinished commands: only unfinished starts are held.
import type { LogRecord } from '../schema/index.js';
import { finalize, toRow, type SeqRow } from './row.js';

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
