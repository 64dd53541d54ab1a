// The last N rows (-n N) of a read, whatever order they complete in, without holding the whole input.
import type { SeqRow } from './row.js';

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
