// Records -> the rows a view shows: merged, filtered by a predicate (a compiled query), in log order,
// all of them or only the last N. What `prec`'s list view, and any other reader of rows (hunt,
// stats, verify, ship, a server), call instead of driving the mergers themselves.
import type { EndRecord, LogRecord } from '../schema/index.js';
import type { LineSelector } from '../log/index.js';
import { CompletionMerger } from './completion.js';
import { readRecordsFrom, type InputOptions, type ReadStats } from './files.js';
import { LastRows } from './last.js';
import { OrderedMerger, scanLateEnds } from './ordered.js';
import type { RowBag } from './row.js';

/**
 * A fresh pass over the input records, in batches. Rows in log order may need a second pass (see
 * ./ordered.ts); only the first one (firstPass true) should report progress, warnings and bad lines.
 */
export type RecordSource = (firstPass: boolean) => AsyncIterable<readonly LogRecord[]>;

export interface RowSelection {
  /** End values are needed (by the query or the output): a command row waits for its end. */
  readonly needEnd: boolean;
  /** Which rows to keep (a compiled query's predicate); every row when absent. */
  readonly matches?: (row: RowBag) => boolean;
  /** Only the last N matching rows (`-n N`); 0 or absent: every matching row. */
  readonly limit?: number;
  /** How many records an unfinished start may lag behind before its end is looked up by a second pass. */
  readonly window?: number;
  /** Stops reading when aborted (the reader of the output has gone). */
  readonly signal?: AbortSignal;
}

const ALL = (): boolean => true;
/** The last rows are handed out in pieces of this many, so that a consumer can stop between them. */
const PIECE = 1024;

/**
 * The selected rows, in log (start) order, in batches (one per input batch for a full read; may be
 * empty). Unfinished commands come with their end fields absent.
 */
export function selectRows(records: RecordSource, sel: RowSelection): AsyncGenerator<RowBag[]> {
  return (sel.limit ?? 0) > 0 ? lastRows(records, sel) : allRows(records, sel);
}

async function* lastRows(records: RecordSource, sel: RowSelection): AsyncGenerator<RowBag[]> {
  const matches = sel.matches ?? ALL;
  const merger = new CompletionMerger(sel.needEnd);
  const last = new LastRows(sel.limit!);
  for await (const batch of records(true)) {
    for (const rec of batch) {
      const r = merger.push(rec);
      if (r && matches(r.row)) last.add(r);
    }
    if (sel.signal?.aborted) return;
  }
  for (const r of merger.drain()) if (matches(r.row)) last.add(r);
  const rows = last.take().map((r) => r.row);
  for (let i = 0; i < rows.length; i += PIECE) yield rows.slice(i, i + PIECE);
}

async function* allRows(records: RecordSource, sel: RowSelection): AsyncGenerator<RowBag[]> {
  const matches = sel.matches ?? ALL;
  const merger = new OrderedMerger(sel.needEnd, sel.window);
  let lateEnds: Map<string, EndRecord> | undefined;
  let out: RowBag[] = [];
  const keep = (rows: RowBag[]): void => {
    for (const row of rows) if (matches(row)) out.push(row);
  };
  for await (const batch of records(true)) {
    for (const rec of batch) {
      keep(merger.push(rec));
      while (merger.overflowing()) {
        lateEnds ??= await scanLateEnds(records(false), merger.window);
        keep(merger.resolveHead(lateEnds.get(merger.headEventId()!)));
      }
    }
    yield out;
    out = [];
    if (sel.signal?.aborted) return;
  }
  keep(merger.flush());
  yield out;
}

/**
 * Every row, complete (commands with their ends, unfinished ones without), in log order. Holds the
 * whole input: for whole-log views (the tree).
 */
export async function collectRows(batches: AsyncIterable<readonly LogRecord[]>): Promise<RowBag[]> {
  const merger = new CompletionMerger(true);
  const done: { seq: number; row: RowBag }[] = [];
  for await (const batch of batches) {
    for (const rec of batch) {
      const r = merger.push(rec);
      if (r) done.push(r);
    }
  }
  done.push(...merger.drain());
  done.sort((a, b) => a.seq - b.seq);
  return done.map((r) => r.row);
}

export interface FileRowOptions extends RowSelection {
  readonly onProgress?: InputOptions['onProgress'];
  readonly onWarning?: InputOptions['onWarning'];
  /** Counts the lines that are not records. */
  readonly stats?: ReadStats;
  /**
   * Makes the line selector (a query's prefilter) of one pass: a fresh one per pass, since a
   * second pass must see the same records as the first.
   */
  readonly selector?: () => LineSelector | undefined;
  /** The part of each file to read (windowRanges); absent: whole files. */
  readonly ranges?: InputOptions['ranges'];
}

/**
 * `selectRows` over these log files, read in turn (oldest first, as `resolveInputs` lists them).
 * Progress, warnings and bad lines are those of the first pass.
 */
export function rowsFromFiles(files: readonly string[], opts: FileRowOptions): AsyncGenerator<RowBag[]> {
  const stats = opts.stats ?? { badLines: 0 };
  return selectRows((first) => readRecordsFrom(files, passOptions(opts, first), first ? stats : { badLines: 0 }), opts);
}

function passOptions(opts: FileRowOptions, first: boolean): InputOptions {
  const selector = opts.selector?.();
  const { ranges } = opts;
  return first ? { onProgress: opts.onProgress, onWarning: opts.onWarning, selector, ranges } : { selector, ranges };
}
