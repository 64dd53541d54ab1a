// `prec --server URL`: the rows come from a ClickHouse table that prec-ship fills, instead of the
// log. The query becomes a WHERE clause (src/query/sql.ts) and start+end are merged in SQL
// (src/query/sql-select.ts); each row that comes back is turned into the records it came from
// (a start and, once known, its end), so that the same views and formatters show it exactly as they
// show the log's. Talks HTTP(S) through @clickhouse/client; loaded only with --server.
import { readFileSync } from 'node:fs';
import { clickHouseClient, clickHouseErrorText, serverOrigin, type ClickHouseClient } from '../clickhouse/client.js';
import { parse as parseToml } from 'smol-toml';
import { fieldByName, type EndRecord, type LogRecord } from '../schema/index.js';
import { finalize, toRow, type RowBag } from '../rows/index.js';
import { STORED_FIELDS, presenceColumn, quoteTable } from '../schema/clickhouse.js';
import { END_COLUMNS, START_COLUMNS, ORDER_TEXT_COLUMN, lastOrdersSql, selectRowsSql, type SelectOptions } from '../query/sql-select.js';
import { FINALIZED_COLUMN, ROW_TYPE_COLUMN } from '../query/sql.js';
import { UsageError } from './errors.js';

export const PREC_CONFIG_PATH = '/etc/prec/prec.conf';
export const DEFAULT_TABLE = 'default.prec';

export interface ServerTarget {
  readonly url: string;
  readonly table: string;
}

/** --server/--table, else `server`/`table` of prec.conf; undefined when neither names a server. */
export function serverTarget(server: string | undefined, table: string | undefined, configPath = PREC_CONFIG_PATH): ServerTarget | undefined {
  let conf: Record<string, unknown> = {};
  try {
    conf = parseToml(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${configPath}: ${String((e as Error).message).split('\n')[0]}`);
  }
  const url = server ?? (typeof conf.server === 'string' ? conf.server : undefined);
  if (url === undefined) return undefined;
  const t = table ?? (typeof conf.table === 'string' ? conf.table : DEFAULT_TABLE);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--server: not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--server: expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
  try {
    quoteTable(t);
  } catch (e) {
    throw new UsageError(`--table: ${(e as Error).message}`);
  }
  return { url, table: t };
}

export function connect(target: ServerTarget): ClickHouseClient {
  return clickHouseClient(target.url, {
    requestTimeoutMs: 300_000,
    // Int64 columns as JSON numbers, as the log has them (18.16 and current releases).
    settings: { output_format_json_quote_64bit_integers: 0 },
  });
}

/** A ClickHouse or network error as one line naming the server (no credentials, no stack trace). */
export function serverError(target: ServerTarget, e: unknown): UsageError {
  return new UsageError(`server ${serverOrigin(target.url)}: ${clickHouseErrorText(e)}`);
}

type SqlRow = Record<string, unknown>;

const BOOLEAN = new Set(STORED_FIELDS.filter((f) => f.type === 'boolean').map((f) => f.name));
const ARRAY = new Set(STORED_FIELDS.filter((f) => f.type === 'string[]').map((f) => f.name));
const PRESENCE = new Set([...ARRAY].map(presenceColumn));

/** A column value back to the record's JSON value; undefined = the record did not have the key. */
function recordValue(name: string, v: unknown, row: SqlRow): unknown {
  if (v === null || v === undefined) return undefined;
  if (ARRAY.has(name)) return row[presenceColumn(name)] === 1 ? v : undefined;
  if (BOOLEAN.has(name)) return v === 1 || v === true;
  return v;
}

/** The records a merged row came from: its start (or fail, loss) and, when known, its end. */
export function rowRecords(row: SqlRow, withHost: boolean, columns: readonly string[] = START_COLUMNS): LogRecord[] {
  const type = row[ROW_TYPE_COLUMN] === 'command' ? 'start' : row[ROW_TYPE_COLUMN];
  const start: Record<string, unknown> = {};
  for (const col of columns) {
    if (PRESENCE.has(col)) continue;
    if (col === 'event_id' && type === 'loss') continue;
    const v = recordValue(col, row[col], row);
    if (v !== undefined) start[col] = v;
  }
  start.record_type = type;
  if (withHost) start.host = row.host;
  if (row[FINALIZED_COLUMN] !== 1) return [start as unknown as LogRecord];
  const end: Record<string, unknown> = { event_id: row.event_id, record_type: 'end' };
  for (const [col, key] of END_COLUMNS) {
    const v = recordValue(key, row[col], row);
    if (v !== undefined) end[key] = v;
  }
  return [start as unknown as LogRecord, end as unknown as LogRecord];
}

export interface ServerQuery extends Omit<SelectOptions, 'table'> {
  readonly withHost: boolean;
  /** How many rows have arrived so far (progress). */
  readonly onRows?: (received: number) => void;
}

/** The answer of one SELECT as rows; UsageError (one line) when the server cannot be asked. */
export async function ask(target: ServerTarget, sql: string, onRows?: (received: number) => void): Promise<SqlRow[]> {
  const client = connect(target);
  try {
    const rs = await client.query({ query: sql, format: 'JSONEachRow' });
    // Streamed, to count the rows as they arrive (the progress line); all are kept for the views.
    const rows: SqlRow[] = [];
    for await (const chunk of rs.stream<SqlRow>()) {
      for (const r of chunk as { json(): SqlRow }[]) rows.push(r.json());
      onRows?.(rows.length);
    }
    return rows;
  } catch (e) {
    throw serverError(target, e);
  } finally {
    await client.close();
  }
}

/** The selected rows as the server sends them, in log order, in batches; `seen` gets each row's host and log_order. */
async function* sqlRows(target: ServerTarget, q: ServerQuery, seen?: (host: string, order: bigint) => void): AsyncGenerator<SqlRow[]> {
  const rows = await ask(target, selectRowsSql({ ...q, table: target.table }), q.onRows);
  if (q.limit) rows.reverse();
  if (seen) for (const r of rows) seen(String(r.host), BigInt(String(r[ORDER_TEXT_COLUMN])));
  for (let i = 0; i < rows.length; i += 1024) yield rows.slice(i, i + 1024);
}

/** Each host's last log_order in the table (follow starts there). */
export async function serverPositions(target: ServerTarget, hosts: readonly string[] | undefined): Promise<Map<string, bigint>> {
  const rows = await ask(target, lastOrdersSql(target.table, hosts));
  return new Map(rows.map((r) => [String(r.host), BigInt(String(r[ORDER_TEXT_COLUMN]))]));
}

/**
 * The records of the selected rows, in log order, in batches: what ViewContext.records reads.
 * Throws UsageError (one line) when the server cannot be asked.
 */
export async function* serverRecords(target: ServerTarget, q: ServerQuery): AsyncGenerator<LogRecord[]> {
  for await (const rows of sqlRows(target, q)) yield rows.flatMap((r) => rowRecords(r, q.withHost, q.startColumns));
}

/** The selected rows, merged (a command with its end when known), for follow mode. */
export async function* serverRows(target: ServerTarget, q: ServerQuery, seen: (host: string, order: bigint) => void): AsyncGenerator<RowBag[]> {
  for await (const rows of sqlRows(target, q, seen)) {
    yield rows.map((r) => {
      const [start, end] = rowRecords(r, q.withHost, q.startColumns);
      const row = toRow(start!);
      if (end) finalize(row, end as EndRecord);
      return row;
    });
  }
}

/** Is `host` among the fields shown? Then each row carries it. */
export function showsHost(fields: readonly string[]): boolean {
  return fields.includes('host') && fieldByName('host') !== undefined;
}
