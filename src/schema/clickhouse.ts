// The ClickHouse table prec-ship writes to, generated from the field catalogue (SPEC 11): one column
// per record field plus `host`, and the columns that make time sortable and partitionable. Here, in
// src/schema (which depends on nothing), so that both prec-ship (src/ship, which writes the table) and
// the SQL back end of `prec --server` (src/query may import only the schema) use the same layout.
//
// Why these types (they must work on Debian's ClickHouse 18.16 and on current releases):
// - no DateTime64 or LowCardinality on 18.16: time is `time_ns` Int64 nanoseconds since the epoch
//   (sorts, keeps every digit) and `time` DateTime (seconds) for the partition key; both sent by
//   the shipper (a MATERIALIZED column cannot be inserted through a Distributed table on 18.16,
//   and 18.16 ignores DEFAULT expressions of columns a JSONEachRow row omits); the record's own `timestamp` text is kept as written (host offset included);
// - `log_order` Int64 is the record's place in its host's log (nextLogOrder): rows are listed in log
//   order, as `prec -i` lists them, which time_ns does not give (a failed exec is written up to 1 s
//   late by PATH folding; a clock may step);
// - absent keys stay absent: optional scalars are Nullable (NULL = absent, never written as null
//   in a record); Nullable(Array) does not exist, so each array field has a `has_<name>` UInt8
//   (1 = the key was there, even as []);
// - the sorting key columns cannot be Nullable: event_id is '' on loss records (which have none,
//   told apart by record_type), and lost_samples_total (distinct for every loss record of one precd
//   run) joins the key through ifNull so that two loss records never replace each other;
// - booleans are Nullable(UInt8): ClickHouse reads JSON true/false into it (18.16 too).
import { FIELDS, parseTimestampNs, type FieldSpec } from './index.js';

/** Columns added to the record's own fields. */
export const HOST_COLUMN = 'host';
export const TIME_NS_COLUMN = 'time_ns';
export const TIME_COLUMN = 'time';
export const LOG_ORDER_COLUMN = 'log_order';

/** Catalogue fields that records carry (derived fields such as `command` are computed, not stored). */
export const STORED_FIELDS: readonly FieldSpec[] = (FIELDS as readonly FieldSpec[]).filter((f) => f.records.length > 0);

/** Fields every record type carries and the key needs: never Nullable. */
const KEY_FIELDS = new Set(['timestamp', 'record_type', 'event_id']);

/** The column of an array field that says whether the record had the key. */
export function presenceColumn(field: string): string {
  return `has_${field}`;
}

function columnType(f: FieldSpec): string {
  switch (f.type) {
    case 'string[]':
      return 'Array(String)';
    case 'number':
    case 'duration':
      return 'Nullable(Int64)';
    case 'boolean':
      return 'Nullable(UInt8)';
    default:
      return KEY_FIELDS.has(f.name) ? 'String' : 'Nullable(String)';
  }
}

/** Column name and type, in table order: host, the catalogue's stored fields, then time. */
export function tableColumns(): { name: string; type: string; default?: string }[] {
  const cols: { name: string; type: string; default?: string }[] = [{ name: HOST_COLUMN, type: 'String' }];
  for (const f of STORED_FIELDS) {
    cols.push({ name: f.name, type: columnType(f) });
    if (f.type === 'string[]') cols.push({ name: presenceColumn(f.name), type: 'UInt8' });
  }
  cols.push({ name: TIME_NS_COLUMN, type: 'Int64' });
  cols.push({ name: LOG_ORDER_COLUMN, type: 'Int64' });
  cols.push({ name: TIME_COLUMN, type: 'DateTime', default: `toDateTime(intDiv(${TIME_NS_COLUMN}, 1000000000))` });
  return cols;
}

/** `db.table` or `table` as a quoted identifier; throws on a name that is not a plain identifier. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw new Error(`table ${JSON.stringify(table)}: expected NAME or DATABASE.NAME (letters, digits, _)`);
  }
  return parts.map((p) => `\`${p}\``).join('.');
}

/**
 * Sorting key: a re-sent record has the same key and replaces itself; distinct records never do.
 * `ifNull(user, '')` (a record's user never changes between copies, so replacing is unchanged)
 * sorts each host's starts by user: a query naming a user reads only that user's granules through
 * the primary index (KEY_TEXT_EXPRESSIONS) instead of every start in the table (`prec --server -q
 * user=nginx` over 10M commands, docs/benchmarks.md). ifNull: current releases refuse a Nullable key.
 */
export const SORTING_KEY = `(${HOST_COLUMN}, record_type, ifNull(user, ''), event_id, ${TIME_NS_COLUMN}, ifNull(lost_samples_total, 0))`;

/**
 * Text fields that the sorting key holds, with the key's expression of each: a condition
 * `EXPRESSION = 'value'` lets ClickHouse's primary index skip granules (it does not see through
 * `ifNull(user = 'value', 0)`, the form the WHERE clause uses).
 */
export const KEY_TEXT_EXPRESSIONS: ReadonlyMap<string, string> = new Map([[HOST_COLUMN, HOST_COLUMN], ['user', "ifNull(user, '')"]]);

/** CREATE TABLE for one node (or each shard's local table): a ReplacingMergeTree. */
export function createTableSql(table: string): string {
  const cols = tableColumns().map((c) =>
    `    \`${c.name}\` ${c.type}${c.default ? ` DEFAULT ${c.default}` : ''}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteTable(table)}`,
    '(',
    cols.join(',\n'),
    ')',
    'ENGINE = ReplacingMergeTree()',
    `PARTITION BY toYYYYMM(${TIME_COLUMN})`,
    `ORDER BY ${SORTING_KEY}`,
  ].join('\n');
}

/**
 * CREATE TABLE for a Distributed table over `cluster`'s shards, each holding `localTable`. Rows
 * are sharded by host and event_id, so a re-sent record lands on the shard that has it and
 * replaces itself there (ReplacingMergeTree works within a shard).
 */
export function createDistributedSql(table: string, cluster: string, localTable: string): string {
  const local = localTable.includes('.') ? localTable : `default.${localTable}`;
  const [db, name] = local.split('.') as [string, string];
  quoteTable(local);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) throw new Error(`cluster ${JSON.stringify(cluster)}: expected a plain name`);
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteTable(table)} AS ${quoteTable(local)}`,
    `ENGINE = Distributed(${cluster}, ${db}, ${name}, cityHash64(${HOST_COLUMN}, event_id))`,
  ].join('\n');
}

/**
 * The log_order of a record whose time is `timeNs`, after a record of log_order `prev` in the same
 * host's log (undefined: the first one shipped). Its time, moved forward to 1 ns after the previous
 * record's when it is not later: strictly increasing in write order, so ORDER BY log_order lists one
 * host's rows exactly in log order, and stays close to time, so several hosts' rows interleave by
 * time. The shipper carries `prev` across files and restarts (in its cursor), so a re-sent record
 * gets the same value.
 */
export function nextLogOrder(prev: bigint | undefined, timeNs: bigint): bigint {
  return prev === undefined || timeNs > prev ? timeNs : prev + 1n;
}

/**
 * The columns a JSONEachRow row adds to the record's own keys, as JSON members without braces:
 * `"host":..,"has_argv":1,"time_ns":..,"log_order":..,"time":..`. ClickHouse reads JSON true/false into UInt8 (18.16
 * too), and skips keys the table does not have (input_format_skip_unknown_fields); a key absent from
 * the record becomes NULL (Nullable), [] (arrays) or '' (event_id of a loss record). `time` is sent,
 * not left to its DEFAULT: 18.16 fills an omitted JSONEachRow column with the type's default, not the
 * column's expression.
 */
export function rowSuffix(record: Readonly<Record<string, unknown>>, host: string, logOrder: bigint): string {
  let out = `"${HOST_COLUMN}":${JSON.stringify(host)}`;
  for (const f of ARRAY_FIELDS) out += `,"${presenceColumn(f)}":${Array.isArray(record[f]) ? 1 : 0}`;
  const ns = recordTimeNs(record);
  // Unquoted: every digit of a 64-bit integer reaches ClickHouse (a JS number would round it).
  out += `,"${TIME_NS_COLUMN}":${ns},"${LOG_ORDER_COLUMN}":${logOrder},"${TIME_COLUMN}":${ns / 1_000_000_000n}`;
  return out;
}

/** The time_ns column of a record: its timestamp in epoch nanoseconds (0 when it has none). */
export function recordTimeNs(record: Readonly<Record<string, unknown>>): bigint {
  return typeof record.timestamp === 'string' ? (parseTimestampNs(record.timestamp) ?? 0n) : 0n;
}

const ARRAY_FIELDS: readonly string[] = STORED_FIELDS.filter((f) => f.type === 'string[]').map((f) => f.name);
