// What a formatter is: the interface the views call and every format implements. Its own module so
// that the formats (text.ts, table.ts, json.ts, csv.ts) and the factory that picks one (format.ts)
// both depend on it and not on each other.
import type { RowBag } from '../rows/index.js';
import type { ValueOptions } from './values.js';

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

