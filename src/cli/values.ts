// How one field of a row is shown. Shared by every format, so that timestamps, durations and
// `command` read the same in text, table, csv and json. Each field gets its own getter, made once
// per run, so that nothing is looked up per row.
import { basenamesDiffer, fieldByName, formatDuration, shortTimestamp, type FieldType } from '../schema/index.js';
import { quoteCommand } from './shellquote.js';
import type { RowBag } from '../rows/index.js';

export interface ValueOptions {
  /** RFC3339Nano timestamps as recorded instead of `YYYY-MM-DD HH:MM:SS`. */
  readonly fullTime: boolean;
}

export type JsonGetter = (row: RowBag) => unknown;
export type TextGetter = (row: RowBag) => string | undefined;

/** The value as JSON shows it: numbers and booleans typed, argv an array, null when the row lacks it. */
export function jsonGetter(field: string, opts: ValueOptions): JsonGetter {
  const spec = fieldByName(field);
  if (spec?.basenamesOf) {
    const [a, b] = spec.basenamesOf;
    return (row) => basenamesDiffer(row[a], row[b]) ?? null;
  }
  if (spec?.derivedFrom !== undefined) return derivedGetter(spec.name, spec.type, spec.derivedFrom);
  if (!opts.fullTime && spec?.type === 'timestamp') {
    return (row) => {
      const v = row[field];
      return typeof v === 'string' ? shortTimestamp(v) : v ?? null;
    };
  }
  return (row) => row[field] ?? null;
}

/**
 * A field the catalogue derives from another (merging does not store it), shown by its type: a
 * duration from nanoseconds (a row that carries the text already keeps it), a string from an
 * argument list, shell-quoted.
 */
function derivedGetter(name: string, type: FieldType, from: string): JsonGetter {
  if (type === 'duration') {
    return (row) => {
      const stored = row[name];
      if (typeof stored === 'string') return stored;
      const ns = row[from];
      return typeof ns === 'number' ? formatDuration(ns) : null;
    };
  }
  return (row) => {
    const list = row[from];
    return Array.isArray(list) ? quoteCommand(list as string[]) : null;
  };
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
