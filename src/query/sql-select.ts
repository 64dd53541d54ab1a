// The SELECT of `prec --server`: the table's records merged into rows in SQL (a start joined with
// its end by host + event_id -> one command row; fail and loss rows as they are), filtered by a
// WHERE clause from sql.ts, in log order (log_order: exactly the order `prec -i` lists one host's
// log in, see schema/clickhouse.ts; hosts interleaved by time), never fetching more than the rows
// shown. The copies a re-sent batch left in the ReplacingMergeTree (equal in the sorting key,
// identical records) fold by `LIMIT 1 BY` the sorting key, after the filter: FINAL would merge every
// row's every column before filtering, single-threaded on 18.16 (3x slower over 1M commands,
// docs/benchmarks.md). Copies of an end need no folding: ANY JOIN takes one. When the filter runs
// before the join, only the ends of the selected starts are read into the join's hash table, not
// every end in the table (GLOBAL IN: over a Distributed table a plain IN would make every shard
// run the distributed subquery again, which ClickHouse refuses). `ANY LEFT JOIN ... USING` runs on 18.16 and on current releases; a
// command without an end gets `finalized` 0 and NULL end columns.
import { END_PART_FIELDS, fieldByName } from '../schema/index.js';
import { HOST_COLUMN, LOG_ORDER_COLUMN, SORTING_KEY, STORED_FIELDS, TIME_NS_COLUMN, presenceColumn, quoteTable } from '../schema/clickhouse.js';
import { END_TIME_NS_COLUMN, FINALIZED_COLUMN, ROW_TYPE_COLUMN, numberLiteral, quoteIdent, quoteString } from './sql.js';

export interface SelectOptions {
  /** DATABASE.TABLE or TABLE. */
  readonly table: string;
  /** The WHERE condition over merged rows (whereSql), or undefined for every row. */
  readonly where?: string;
  /** The condition names only start-side columns: it is applied before the join (far fewer rows joined). */
  readonly whereBeforeJoin?: boolean;
  /**
   * A condition on the sorting key's expressions that every selected row satisfies (sql.ts
   * keyHintSql, with loss rows let through): applied to the starts, and so to the ends, wherever
   * `where` is applied, so that ClickHouse reads only the granules that can match.
   */
  readonly keyHint?: string;
  /**
   * false: the view drops end records (no field shown or queried comes from them, and not the
   * tree): no join, no end read; every row has `finalized` 0, as a command without an end. The
   * ends are the bulk of the work once the starts are narrowed (every end's host and event_id
   * tested against the selected starts).
   */
  readonly withEnds?: boolean;
  /** The start-side columns to fetch (startColumnsFor); every one when absent. */
  readonly startColumns?: readonly string[];
  /** Only these hosts (--host); every host when empty. */
  readonly hosts?: readonly string[];
  /** Only the last N rows (0: all). */
  readonly limit?: number;
  /**
   * Follow polling, by host (log_order orders one host's log; hosts ship at their own pace): only
   * rows after the host's position in `after` (a host not in it: all), or at or before it in `upTo`
   * (a host not in it: none).
   */
  readonly after?: ReadonlyMap<string, bigint>;
  readonly upTo?: ReadonlyMap<string, bigint>;
  /** --since/--until: only rows whose start (a fail's, a loss's own time) is inside, both ends inclusive. */
  readonly since?: bigint | undefined;
  readonly until?: bigint | undefined;
}

/** The window as conditions on the start's time_ns (the rows' timestamp), before the join. */
function windowSql(o: SelectOptions): string {
  const since = o.since !== undefined ? ` AND ${TIME_NS_COLUMN} >= ${numberLiteral(o.since)}` : '';
  const until = o.until !== undefined ? ` AND ${TIME_NS_COLUMN} <= ${numberLiteral(o.until)}` : '';
  return since + until;
}

/** The start record's log_order as text (a JSON number would round it): where follow polling resumes. */
export const ORDER_TEXT_COLUMN = 'order_text';

/** The stored columns a row takes from its start (or fail or loss) record, in catalogue order. */
export const START_COLUMNS: readonly string[] = STORED_FIELDS.filter(
  (f) => f.records.some((r) => r !== 'end') && f.name !== 'record_type',
).flatMap((f) => (f.type === 'string[]' ? [f.name, presenceColumn(f.name)] : [f.name]));

/**
 * Fields every row needs whatever is shown: the merge (event_id), the window and the hidden-loss
 * count (timestamp, lost_samples) and a loss row's identity (lost_samples_total).
 */
const ROW_FIELDS = ['event_id', 'timestamp', 'lost_samples', 'lost_samples_total'];

/**
 * The START_COLUMNS a view reading `fields` needs (derived fields by their sources, arrays with
 * their presence column), in START_COLUMNS order. A command row is 1.3 KB of JSON with every
 * column, a few hundred bytes with those of the default output: the transfer and its parsing
 * dominate `prec --server` once ClickHouse reads only the matching granules.
 */
export function startColumnsFor(fields: Iterable<string>): string[] {
  const want = new Set<string>();
  const add = (name: string): void => {
    const spec = fieldByName(name);
    if (spec?.derivedFrom !== undefined) add(spec.derivedFrom);
    else if (spec?.basenamesOf) spec.basenamesOf.forEach(add);
    else if (!want.has(name)) {
      want.add(name);
      if (spec?.type === 'string[]') want.add(presenceColumn(name));
    }
  };
  for (const f of [...ROW_FIELDS, ...fields]) add(f);
  return START_COLUMNS.filter((c) => want.has(c));
}

/** The end-side columns of a command row: [row column, end record column]. */
export const END_COLUMNS: readonly (readonly [string, string])[] = END_PART_FIELDS;

/** The merged-rows SELECT, rows in log order (log_order of the start, fail or loss record), as JSONEachRow. */
export function selectRowsSql(o: SelectOptions): string {
  const table = quoteTable(o.table);
  const hostFilter = hostsIn(o.hosts);
  const after = (o.after ? ` AND ${LOG_ORDER_COLUMN} > ${byHost(o.after)}` : '') +
    (o.upTo ? ` AND ${LOG_ORDER_COLUMN} <= ${byHost(o.upTo)}` : '') + windowSql(o);
  const early = (o.keyHint !== undefined ? ` AND (${o.keyHint})` : '') + (o.where !== undefined && o.whereBeforeJoin ? ` AND (${o.where})` : '');
  const late = o.where !== undefined && !o.whereBeforeJoin ? `WHERE ${o.where}` : '';
  const starts = [
    HOST_COLUMN, TIME_NS_COLUMN, LOG_ORDER_COLUMN, `toString(${LOG_ORDER_COLUMN}) AS ${ORDER_TEXT_COLUMN}`, `if(record_type = 'start', 'command', record_type) AS ${ROW_TYPE_COLUMN}`,
    ...(o.startColumns ?? START_COLUMNS).map(quoteIdent),
  ].join(', ');
  const ends = [
    HOST_COLUMN, 'event_id', `1 AS ${FINALIZED_COLUMN}`, `${TIME_NS_COLUMN} AS ${END_TIME_NS_COLUMN}`,
    ...END_COLUMNS.map(([row, rec]) => (row === rec ? quoteIdent(rec) : `${quoteIdent(rec)} AS ${quoteIdent(row)}`)),
  ].join(', ');
  const order = o.limit ? 'DESC' : 'ASC';
  const startsSql = `SELECT ${starts} FROM ${table} WHERE record_type != 'end'${hostFilter}${after}${early} LIMIT 1 BY ${SORTING_KEY.slice(1, -1)}`;
  const ofStarts = early !== '' || after !== '' ? ` AND (${HOST_COLUMN}, event_id) GLOBAL IN (SELECT ${HOST_COLUMN}, event_id FROM (${startsSql}))` : '';
  const joined = o.withEnds === false && late === '' ? [
    `SELECT *, 0 AS ${FINALIZED_COLUMN} FROM (`,
    `  ${startsSql}`,
    ')',
  ] : [
    'SELECT * FROM (',
    `  ${startsSql}`,
    ') AS starts ANY LEFT JOIN (',
    `  SELECT ${ends} FROM ${table} WHERE record_type = 'end'${hostFilter}${ofStarts}`,
    ') AS ends USING (host, event_id)',
    late,
  ];
  return [
    ...joined,
    `ORDER BY ${LOG_ORDER_COLUMN} ${order}, ${HOST_COLUMN} ${order}`,
    o.limit ? `LIMIT ${Math.floor(o.limit)}` : '',
  ].filter((l) => l !== '').join('\n');
}

/** The value of `positions` for the row's host, -1 for a host not in it (log_order is never negative). */
function byHost(positions: ReadonlyMap<string, bigint>): string {
  // toInt64: a large literal is UInt64, which has no common type with -1 in multiIf.
  const arms = [...positions].map(([host, at]) => `${HOST_COLUMN} = ${quoteString(host)}, toInt64(${numberLiteral(at)})`);
  return arms.length === 0 ? 'toInt64(-1)' : `multiIf(${arms.join(', ')}, toInt64(-1))`;
}

/** Each host's last log_order (as text) among its start, fail, loss and seal records: where follow begins. */
export function lastOrdersSql(table: string, hosts: readonly string[] = []): string {
  return `SELECT ${HOST_COLUMN}, toString(max(${LOG_ORDER_COLUMN})) AS ${ORDER_TEXT_COLUMN} FROM ${quoteTable(table)} ` +
    `WHERE record_type != 'end'${hostsIn(hosts)} GROUP BY ${HOST_COLUMN}`;
}

/** ` AND host IN (...)` for --host, or nothing. */
function hostsIn(hosts: readonly string[] | undefined): string {
  return hosts && hosts.length > 0 ? ` AND ${HOST_COLUMN} IN (${hosts.map(quoteString).join(', ')})` : '';
}
