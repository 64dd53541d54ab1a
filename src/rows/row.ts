// A row: what `prec` and every other reader of the log shows and queries. A start merged with its
// end (record_type=command) by event_id, or a fail or loss record passed through.
import { END_PART_FIELDS, type EndRecord, type LogRecord } from '../schema/index.js';

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

/**
 * Adds the end's values to a command row: the catalogue's `fromEnd` fields, each under its row name.
 * Keys the end lacks stay absent (never null, never undefined-but-present).
 */
export function finalize(row: RowBag, end: EndRecord): void {
  const bag = end as unknown as Readonly<Record<string, unknown>>;
  for (const [name, key] of END_PART_FIELDS) {
    const v = bag[key];
    if (v !== undefined) row[name] = v;
  }
}
