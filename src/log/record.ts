// Line -> record: JSON.parse and a shape check derived from the field catalogue, so that what the
// CLI merges, queries and prints always has the keys and types its record type promises.
import { FIELDS, type FieldType, type LogRecord, type RecordType } from '../schema/index.js';

type Check = readonly [key: string, type: FieldType, required: boolean];

const RECORD_TYPES: readonly RecordType[] = ['start', 'end', 'fail', 'loss'];

/**
 * SPEC section 3: the argv and argc of a failed exec are best effort (the attempted argv may not
 * be readable), which the catalogue cannot say per record kind; records.ts types them optional
 * in FailRecord for the same reason.
 */
const BEST_EFFORT: Readonly<Partial<Record<RecordType, readonly string[]>>> = { fail: ['argv', 'argc'] };

const CHECKS: ReadonlyMap<string, readonly Check[]> = new Map(
  RECORD_TYPES.map((type): [string, readonly Check[]] => [
    type,
    FIELDS.filter((f) => (f.records as readonly RecordType[]).includes(type) && f.name !== 'record_type').map(
      (f): Check => [f.name, f.type, !f.optional && !(BEST_EFFORT[type]?.includes(f.name) ?? false)],
    ),
  ]),
);

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    default:
      return typeof value === 'string';
  }
}

/**
 * The record on this line, or undefined when the line is not one: not a JSON object, an unknown
 * record_type, a required key of that record type missing, or a known key of the wrong type.
 * Keys the catalogue does not know are kept (a newer precd may add some). Never evaluates code.
 */
export function parseRecord(line: string): LogRecord | undefined {
  if (line.charCodeAt(0) !== 0x7b /* { */) return undefined;
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
  for (const [key, type, required] of checks) {
    const v = bag[key];
    if (v === undefined) {
      if (required) return undefined;
    } else if (!hasType(v, type)) {
      return undefined;
    }
  }
  return value as LogRecord;
}
