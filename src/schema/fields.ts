import { nearestName } from './nearest.js';

// The field catalogue: the one table that drives record serialization order, record types,
// query typing, `-f` selection, default output columns and CSV headers. Add a field here and
// every consumer picks it up; nothing else in the tree keeps its own list of field names.

export type FieldType = 'string' | 'number' | 'boolean' | 'timestamp' | 'duration' | 'string[]';

/** Record kinds as written by precd, one JSON object per line. */
export type RecordType = 'start' | 'end' | 'fail' | 'loss' | 'seal';

/** Row kinds as seen by `prec` after start and end are merged by event_id. */
export type RowType = 'command' | 'fail' | 'loss' | 'seal';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** Raw records that carry the key. Empty for fields derived when rows are merged. */
  readonly records: readonly RecordType[];
  /** Merged rows that have a value for it. */
  readonly rows: readonly RowType[];
  /** Known only once the command has ended: a condition on it waits for (or needs) the end record. */
  readonly endOnly: boolean;
  /** May be omitted from a record that carries it (absent optional keys are omitted, never null). */
  readonly optional: boolean;
  /**
   * A line of a kind that carries this key is not a record without it: its time (every record has
   * one) and the event_id that merges a start with its end. Every other key may be absent from a
   * line that is read (hand-made logs and other writers omit fields) and is then shown empty.
   */
  readonly required: boolean;
  /** Part of `prec`'s default output, in catalogue order. */
  readonly defaultOutput: boolean;
  /** Closed set of values, checked when a query names one. */
  readonly values?: readonly string[];
  /**
   * Not stored in any record or row: computed from another field of the row (`command` from argv,
   * `duration` from duration_ns). Back ends evaluate it from that field, never by name.
   */
  readonly derivedFrom?: string;
  /**
   * A boolean not stored in any record or row either: whether the basenames (text after the last
   * `/`) of these two fields differ, the first an argument list read by its first element
   * (`argv0_mismatch`: argv[0] against exe). Absent when either is absent or the list is empty.
   * Back ends compute it with basenamesDiffer (values.ts) or its SQL twin.
   */
  readonly basenamesOf?: readonly [string, string];
  /**
   * A command row takes this field from its end record, under this key of the end record
   * (`end_timestamp` is the end's `timestamp`). Absent for fields a row takes from its start.
   */
  readonly fromEnd?: string;
  readonly description: string;
}

const START_FAIL = ['start', 'fail'] as const;
const CMD_FAIL = ['command', 'fail'] as const;

// Generic so that names, types, record kinds and optionality stay literal types: records.ts derives
// the TypeScript record shapes from this very table.
function field<
  const N extends string,
  const T extends FieldType,
  const R extends readonly RecordType[],
  const O extends boolean = false,
  const E extends string | undefined = undefined,
>(
  name: N,
  type: T,
  records: R,
  rows: readonly RowType[],
  description: string,
  opts: {
    endOnly?: boolean; optional?: O; defaultOutput?: boolean; values?: readonly string[];
    derivedFrom?: string; fromEnd?: E; required?: boolean; basenamesOf?: readonly [string, string];
  } = {},
): Omit<FieldSpec, 'name' | 'type' | 'records' | 'optional' | 'fromEnd'> & {
  name: N; type: T; records: R; optional: O; fromEnd: E;
} {
  return {
    name,
    type,
    records,
    rows,
    endOnly: opts.endOnly ?? false,
    optional: (opts.optional ?? false) as O,
    required: opts.required ?? false,
    defaultOutput: opts.defaultOutput ?? false,
    values: opts.values,
    derivedFrom: opts.derivedFrom,
    basenamesOf: opts.basenamesOf,
    fromEnd: opts.fromEnd as E,
    description,
  };
}

/**
 * Catalogue order is the key order of every record (each record writes the keys it carries, in
 * this order) and the column order of `-f all`.
 */
export const FIELDS = [
  field('timestamp', 'timestamp', ['start', 'end', 'fail', 'loss', 'seal'], ['command', 'fail', 'loss', 'seal'],
    'RFC3339 time with nanoseconds and the host offset: exec time (start, fail), end time (end)',
    { defaultOutput: true, required: true }),
  field('end_timestamp', 'timestamp', [], ['command'], 'time the command ended (from its end record)',
    { endOnly: true, optional: true, fromEnd: 'timestamp' }),
  field('event_id', 'string', ['start', 'end', 'fail'], CMD_FAIL, '<precd start YYYYMMDDhhmmss>-<sequence>',
    { required: true }),
  field('uid', 'number', START_FAIL, CMD_FAIL, 'real uid'),
  field('gid', 'number', START_FAIL, CMD_FAIL, 'real gid'),
  field('euid', 'number', START_FAIL, CMD_FAIL, 'effective uid'),
  field('egid', 'number', START_FAIL, CMD_FAIL, 'effective gid'),
  field('auid', 'number', START_FAIL, CMD_FAIL, 'login (audit) uid; omitted when unset', { optional: true }),
  field('session_id', 'number', START_FAIL, CMD_FAIL, 'audit session id; omitted when unset', { optional: true }),
  field('user', 'string', START_FAIL, CMD_FAIL, 'name of uid', { defaultOutput: true }),
  field('group', 'string', START_FAIL, CMD_FAIL, 'name of gid', { defaultOutput: true }),
  field('command', 'string', [], CMD_FAIL, 'argv joined by spaces (shown shell-quoted)',
    { defaultOutput: true, derivedFrom: 'argv' }),
  field('pid', 'number', ['start', 'end', 'fail'], CMD_FAIL, 'thread-group id'),
  field('ppid', 'number', START_FAIL, CMD_FAIL, 'thread-group id of the real parent'),
  field('comm', 'string', START_FAIL, CMD_FAIL, 'kernel task name after exec'),
  field('exe', 'string', START_FAIL, CMD_FAIL, 'absolute path of the executed (or attempted) file'),
  field('exe_memfd', 'boolean', START_FAIL, CMD_FAIL, 'present when the executed file is a memfd (fileless execution)', { optional: true }),
  field('exe_deleted', 'boolean', START_FAIL, CMD_FAIL, 'present when the executed file had no links left at exec (deleted; every memfd)', { optional: true }),
  field('exec_tried', 'string[]', START_FAIL, CMD_FAIL, 'paths tried before, in order, in the same PATH search (failed with ENOENT, ENOTDIR or EACCES)', { optional: true }),
  field('cwd', 'string', START_FAIL, CMD_FAIL, 'working directory'),
  field('argv', 'string[]', START_FAIL, CMD_FAIL, 'arguments exactly as received'),
  field('argc', 'number', START_FAIL, CMD_FAIL, 'real argument count'),
  field('argv_truncated', 'boolean', START_FAIL, CMD_FAIL, 'present when argv was cut by the limits', { optional: true }),
  field('argv_raw', 'string', START_FAIL, CMD_FAIL, 'base64 of NUL-separated raw argv when not valid UTF-8', { optional: true }),
  field('argv0_mismatch', 'boolean', [], CMD_FAIL, "argv[0]'s basename differs from exe's (`exec -a`, a symlink, a login shell's `-bash`)",
    { optional: true, basenamesOf: ['argv', 'exe'] }),
  field('cgroup', 'string', START_FAIL, CMD_FAIL, 'cgroup v2 path'),
  field('container_id', 'string', START_FAIL, CMD_FAIL, '64-hex container id named by the cgroup path', { optional: true }),
  field('tty', 'string', START_FAIL, CMD_FAIL, 'controlling terminal', { optional: true }),
  field('tty_nr', 'number', START_FAIL, CMD_FAIL, 'encoded terminal device number', { optional: true }),
  field('source', 'string', ['start', 'end', 'fail'], CMD_FAIL, 'user (interactive shell) or system',
    { values: ['user', 'system'] }),
  field('record_type', 'string', ['start', 'end', 'fail', 'loss', 'seal'], ['command', 'fail', 'loss', 'seal'], 'kind of record or row',
    { values: ['command', 'start', 'end', 'fail', 'loss', 'seal'] }),
  field('exec_errno', 'number', ['fail'], ['fail'], 'errno of the failed exec'),
  field('exec_error', 'string', ['fail'], ['fail'], 'text of the errno, lower case'),
  field('parent_comm', 'string', START_FAIL, CMD_FAIL, 'task name of the real parent'),
  field('parent_exe', 'string', START_FAIL, CMD_FAIL, 'executable of the real parent'),
  field('parent_cmdline', 'string', START_FAIL, CMD_FAIL, 'argv of the real parent joined by spaces, at most 512 chars'),
  field('parent_tty', 'string', START_FAIL, CMD_FAIL, "the parent's terminal", { optional: true }),
  field('parent_tty_nr', 'number', START_FAIL, CMD_FAIL, "the parent's encoded terminal number", { optional: true }),
  field('duration_ns', 'number', ['end'], ['command'], 'run time in nanoseconds',
    { endOnly: true, fromEnd: 'duration_ns' }),
  field('duration', 'duration', [], ['command'], 'run time as YYYY-MM-DD HH:MM:SS (elapsed)',
    { endOnly: true, optional: true, derivedFrom: 'duration_ns' }),
  field('exit_status', 'number', ['end'], ['command'], 'shell-visible status: exit code or 128+signal',
    { endOnly: true, optional: true, fromEnd: 'exit_status' }),
  field('signal', 'string', ['end'], ['command'], 'fatal signal name',
    { endOnly: true, optional: true, fromEnd: 'signal' }),
  field('exec_replaced', 'boolean', ['end'], ['command'], 'the program exec\'d again; the next start follows',
    { endOnly: true, optional: true, fromEnd: 'exec_replaced' }),
  field('host', 'string', [], ['command', 'fail', 'loss'], 'host the record was shipped from (prec --server; absent in a local log)',
    { optional: true }),
  field('seal_seq', 'number', ['seal'], ['seal'], 'number of the seal: 1, 2, ... never reset'),
  field('epoch', 'number', ['seal'], ['seal'], 'key epoch the seal is MACed under (seal_seq - 1 with a key file)'),
  field('records', 'number', ['seal'], ['seal'], 'lines the seal covers: those since the previous seal'),
  field('chain', 'string', ['seal'], ['seal'], 'hex SHA-256 chain value after the last covered line'),
  field('prev_mac', 'string', ['seal'], ['seal'], 'mac of the previous seal; absent without a key file', { optional: true }),
  field('mac', 'string', ['seal'], ['seal'], 'hex HMAC-SHA256 of the seal under its epoch key; absent without a key file', { optional: true }),
  field('lost_samples', 'number', ['loss'], ['loss'], 'events dropped since the previous loss record'),
  field('lost_samples_total', 'number', ['loss'], ['loss'], 'events dropped since precd started'),
] as const;

export type CatalogueField = (typeof FIELDS)[number];
export type FieldName = CatalogueField['name'];

const BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(FIELDS.map((f): [string, FieldSpec] => [f.name, f]));

export function fieldByName(name: string): FieldSpec | undefined {
  return BY_NAME.get(name);
}

export const FIELD_NAMES: readonly string[] = FIELDS.map((f) => f.name);
const SPECS: readonly FieldSpec[] = FIELDS;

/** Keys a raw record of this kind may carry, in the order they are written. */
export function recordKeys(type: RecordType): readonly string[] {
  return RECORD_KEYS[type];
}

function keysOf(type: RecordType): string[] {
  return (FIELDS as readonly FieldSpec[]).filter((f) => f.records.includes(type)).map((f) => f.name);
}

const RECORD_KEYS: Readonly<Record<RecordType, readonly string[]>> = {
  start: keysOf('start'),
  end: keysOf('end'),
  fail: keysOf('fail'),
  loss: keysOf('loss'),
  seal: keysOf('seal'),
};

/** `prec`'s default output fields, in catalogue order. */
export const DEFAULT_OUTPUT_FIELDS: readonly string[] = SPECS.filter((f) => f.defaultOutput).map((f) => f.name);

/** Fields whose value is only known once the command has ended. */
export const END_ONLY_FIELDS: readonly string[] = SPECS.filter((f) => f.endOnly).map((f) => f.name);

/** Row fields a command row takes from its end record: [row field, key in the end record]. */
export const END_PART_FIELDS: readonly (readonly [string, string])[] = SPECS.filter((f) => f.fromEnd !== undefined)
  .map((f) => [f.name, f.fromEnd!] as const);

/**
 * Keys that only records of this kind carry (loss: lost_samples, lost_samples_total): finding one
 * on a line says what kind of record it is without parsing it.
 */
export function keysOnlyIn(type: RecordType): readonly string[] {
  return SPECS.filter((f) => f.records.length === 1 && f.records[0] === type).map((f) => f.name);
}

/** Fields that `prec` can select and query: every catalogue field. */
export const ROW_FIELDS: readonly string[] = SPECS.filter((f) => f.rows.length > 0).map((f) => f.name);

/** The nearest known field name, for "did you mean" hints; undefined when nothing is close. */
export function suggestField(name: string): string | undefined {
  return nearestName(name, FIELD_NAMES);
}
