// What every view needs: the parsed options, the row filter, the formatter and the output.
import type { LogRecord } from '../schema/index.js';
import type { Formatter } from './formatter.js';
import type { RowBag } from '../rows/index.js';
import type { Output } from './output.js';

/** What list, tree and follow views share: which rows to show, how, and where. */
export interface OutputContext {
  readonly matches: (row: RowBag) => boolean;
  /** End values are needed, by the query or by the output fields. */
  readonly needEnd: boolean;
  /** -n */
  readonly limit: number;
  readonly formatter: Formatter;
  readonly out: Output;
  readonly signal: AbortSignal;
}

export interface ViewContext extends OutputContext {
  /**
   * A fresh pass over the input records, in batches (list may read twice; only the first pass
   * counts bad lines, reports warnings and shows progress).
   */
  readonly records: (firstPass: boolean) => AsyncIterable<LogRecord[]>;
  /** rows/ordered.ts OrderedMerger window (records); a test hook may lower it. */
  readonly mergeWindow: number;
}

/** Writes one formatted piece, waiting only when the output asks for it. */
export async function emit(out: Output, text: string): Promise<void> {
  const p = out.write(text);
  if (p) await p;
}

/** Writes the formatter's closing text, piece by piece, stopping when the reader has gone. */
export async function emitEnd(out: Output, formatter: Formatter): Promise<void> {
  const end = formatter.end();
  if (typeof end === 'string') return emit(out, end);
  for (const piece of end) {
    await emit(out, piece);
    if (out.closed) return;
  }
}
