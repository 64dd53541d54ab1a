// How one field of a row is shown. Shared by every format, so that timestamps, durations and
// `command` read the same in text, table, csv and json.
import { fieldByName, formatDuration, shortTimestamp } from '../schema/index.js';
import { quoteCommand } from './shellquote.js';
import type { RowBag } from './merge.js';

export interface ValueOptions {
  /** RFC3339Nano timestamps as recorded instead of `YYYY-MM-DD HH:MM:SS`. */
  readonly fullTime: boolean;
}

/** The value as JSON shows it: numbers and booleans typed, argv an array, null when the row lacks it. */
export function jsonValue(row: RowBag, field: string, opts: ValueOptions): unknown {
  const v = row[field];
  if (field === 'command') {
    const argv = row.argv;
    return Array.isArray(argv) ? quoteCommand(argv as string[]) : null;
  }
  if (field === 'duration' && v === undefined) {
    // Derived from duration_ns when shown (merging does not store it).
    return typeof row.duration_ns === 'number' ? formatDuration(row.duration_ns) : null;
  }
  if (v === undefined || v === null) return null;
  if (!opts.fullTime && fieldByName(field)?.type === 'timestamp' && typeof v === 'string') return shortTimestamp(v);
  return v;
}

/** The value as text, table and csv show it (before terminal escaping); undefined when the row lacks it. */
export function textValue(row: RowBag, field: string, opts: ValueOptions): string | undefined {
  const v = jsonValue(row, field, opts);
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  // argv keeps its exact values: shown as a JSON array, unambiguous even with spaces inside arguments.
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}
