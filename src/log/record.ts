// Line -> record: JSON.parse and a shape check derived from the field catalogue, so that what the
// CLI merges, queries and prints always has the keys and types its record type promises.
import { FIELDS, type FieldType, type LogRecord, type RecordType } from '../schema/index.js';

/** Per record kind, parallel arrays (a hot loop over millions of lines). */
interface Checks {
  readonly keys: readonly string[];
  /** typeof the value must have, or 'string[]', or 'count' (a non-negative safe integer). */
  readonly types: readonly string[];
  readonly required: readonly boolean[];
}

const RECORD_TYPES: readonly RecordType[] = ['start', 'end', 'fail', 'loss', 'seal'];

// Every 'number' of the catalogue is an id, a count, a status or nanoseconds: a non-negative
// integer that JSON carries exactly. `pid: 1.5`, `uid: -1` or `1e308` make a bad record (issue 20).
function jsType(type: FieldType): string {
  return type === 'string[]' ? type : type === 'number' ? 'count' : type === 'boolean' ? type : 'string';
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const CHECKS: ReadonlyMap<string, Checks> = new Map(
  RECORD_TYPES.map((type): [string, Checks] => {
    const fields = FIELDS.filter((f) => (f.records as readonly RecordType[]).includes(type) && f.name !== 'record_type');
    return [
      type,
      {
        keys: fields.map((f) => f.name),
        types: fields.map((f) => jsType(f.type)),
        // The catalogue's `required` keys (time, event_id) must be there; every other key may be
        // absent (hand-made logs, other writers), but present keys must have their type, since
        // formatters and the query rely on it.
        required: fields.map((f) => f.required),
      },
    ];
  }),
);

function isStringArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/**
 * The record on this line, or undefined when the line is not one: not a JSON object, an unknown
 * record_type, no string timestamp, no string event_id (start/end/fail), or a known key of the
 * wrong type (argv not an array of strings, pid not a number...).
 * Keys the catalogue does not know are kept (a newer precd may add some). Never evaluates code.
 */
export function parseRecord(line: string): LogRecord | undefined {
  if (line.charCodeAt(0) !== 0x7b /* { */) {
    // Hand-made logs: leading blanks, a byte-order mark, CRLF endings (a trailing \r is JSON
    // whitespace already).
    const trimmed = line.replace(/^[\ufeff\s]+/, '');
    if (trimmed.charCodeAt(0) !== 0x7b || trimmed === line) return undefined;
    line = trimmed;
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const bag = value as Record<string, unknown>;
  const checks = CHECKS.get(bag.record_type as string);
  if (checks === undefined) return undefined;
  const { keys, types, required } = checks;
  for (let i = 0; i < keys.length; i++) {
    const v = bag[keys[i]!];
    if (v === undefined) {
      if (required[i]) return undefined;
      continue;
    }
    const t = types[i]!;
    if (t === 'string[]' ? !isStringArray(v) : t === 'count' ? !isCount(v) : typeof v !== t) return undefined;
  }
  return value as LogRecord;
}
