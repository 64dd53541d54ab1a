// The four output formats behind one interface, so that list, follow and tree views stay format-blind.
import type { RowBag } from '../rows/index.js';
import type { ValueOptions } from './values.js';

export type OutputFormat = 'text' | 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'table', 'json', 'csv'];

/** Where a row sits in `--tree` output. */
export interface TreePlace {
  /** `├─ `, `└─ ` and `│  ` drawing before the row; empty for a root. */
  readonly prefix: string;
  readonly depth: number;
  /** Shown only because a selected row descends from it. */
  readonly ancestor: boolean;
  /** The program its parent exec'd (same process, see tree.ts), not a child process. */
  readonly exec?: boolean;
}

export interface FormatOptions extends ValueOptions {
  readonly fields: readonly string[];
  readonly csvRaw: boolean;
  readonly tree: boolean;
  /** Rows arrive over time (follow): formats that lay out a whole table print each row at once. */
  readonly streaming: boolean;
}

export interface Formatter {
  /** Text before the first row (a header), possibly empty. */
  begin(): string;
  /** Text for one row, each line ending in a newline; may be empty when the format lays out at the end. */
  row(row: RowBag, place?: TreePlace): string;
  /** Text after the last row; pieces when it can be large (a whole table laid out at the end). */
  end(): string | Iterable<string>;
}

/** Marks an ancestor row in text and table output (tree view). */
export const ANCESTOR_MARK = '(ancestor) ';
/** Marks, in text and table output (tree view), a program that replaced its parent row by exec. */
export const EXEC_MARK = '(exec) ';

/** What text and table put before the first value of a row in the tree: drawing, then marks. */
export function treeLead(place: TreePlace | undefined): string {
  if (!place) return '';
  return place.prefix + (place.exec ? EXEC_MARK : '') + (place.ancestor ? ANCESTOR_MARK : '');
}

export async function createFormatter(format: OutputFormat, opts: FormatOptions): Promise<Formatter> {
  switch (format) {
    case 'text':
      return new (await import('./text.js')).TextFormatter(opts);
    case 'table':
      return new (await import('./table.js')).TableFormatter(opts);
    case 'json':
      return new (await import('./json.js')).JsonFormatter(opts);
    case 'csv':
      return new (await import('./csv.js')).CsvFormatter(opts);
  }
}
