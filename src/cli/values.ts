// How one field of a row is shown. Shared by every format, so that timestamps, durations and
// `command` read the same in text, table, csv and json. Each field gets its own getter, made once
// per run, so that nothing is looked up per row.
import { fieldByName, formatDuration, shortTimestamp } from '../schema/index.js';
import { quoteCommand } from './shellquote.js';
import type { RowBag } from './merge.js';

export interface ValueOptions {
  /** RFC3339Nano timestamps as recorded instead of `YYYY-MM-DD HH:MM:SS`. */
  readonly fullTime: boolean;
}

export type JsonGetter = (row: RowBag) => unknown;
export type TextGetter = (row: RowBag) => string | undefined;

/** The value as JSON shows it: numbers and booleans typed, argv an array, null when the row lacks it. */
export function jsonGetter(field: string, opts: ValueOptions): JsonGetter {
  if (field === 'command') {
    return (row) => (Array.isArray(row.argv) ? quoteCommand(row.argv as string[]) : null);
  }
  if (field === 'duration') {
    // Derived from duration_ns (merging does not store it).
    return (row) => {
      if (typeof row.duration === 'string') return row.duration;
      return typeof row.duration_ns === 'number' ? formatDuration(row.duration_ns) : null;
    };
  }
  if (!opts.fullTime && fieldByName(field)?.type === 'timestamp') {
    return (row) => {
      const v = row[field];
      return typeof v === 'string' ? shortTimestamp(v) : v ?? null;
    };
  }
  return (row) => row[field] ?? null;
}

/** `\udcNN` (NN 80..ff) written by JSON.stringify, not preceded by an escaped backslash. */
const RAW_BYTE_JSON = /(?<!\\)((?:\\\\)*)\\udc([89a-f][0-9a-f])/g;

/** The value as text, table and csv show it (before terminal escaping); undefined when the row lacks it. */
export function textGetter(field: string, opts: ValueOptions): TextGetter {
  const get = jsonGetter(field, opts);
  return (row) => {
    const v = get(row);
    if (v === null || v === undefined) return undefined;
    if (typeof v === 'string') return v;
    // argv keeps its exact values: shown as a JSON array, unambiguous even with spaces inside arguments.
    // Raw bytes of invalid UTF-8 (U+DC80..U+DCFF, log/surrogate.ts) read `\xff` as in `command`.
    if (Array.isArray(v)) return JSON.stringify(v).replace(RAW_BYTE_JSON, '$1\\x$2');
    return String(v);
  };
}
