// prec-ship's configuration (SPEC 11): TOML, the keys shown there and no others. Every problem is one
// line naming the file and the key (`sink[1].url`), so that prec-ship refuses to start before it
// reads anything. The file may hold ClickHouse credentials: it should be 0600 (see checkMode).
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  absolutePath,
  boolean,
  integerIn,
  KeyProblem,
  oneOf,
  parseToml,
  wrongType,
} from '../config/checks.js';
import { nearestName } from '../schema/index.js';
import { quoteTable } from '../schema/clickhouse.js';

export const DEFAULT_SHIP_CONFIG_PATH = '/etc/prec/ship.conf';

export interface ClickHouseSinkConfig {
  type: 'clickhouse';
  url: string;
  table: string;
  batch_records: number;
  batch_interval_ms: number;
}

export interface SyslogSinkConfig {
  type: 'syslog';
  /** tcp://HOST:PORT or unix:///PATH */
  address: string;
  cee: boolean;
  /** Not configurable (SPEC 11 has no such keys for syslog): SYSLOG_BATCH. */
  batch_records: number;
  batch_interval_ms: number;
}

export type SinkConfig = ClickHouseSinkConfig | SyslogSinkConfig;

export interface ShipConfig {
  log_path: string;
  state_dir: string;
  host: string;
  sink: SinkConfig[];
}

export class ShipConfigError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ShipConfigError';
  }
}

export const TOP_KEYS = ['log_path', 'state_dir', 'host', 'sink'];
const BATCH_DEFAULTS = { batch_records: 10_000, batch_interval_ms: 1000 };
/** Records per cursor write for syslog: one write per message would be an fsync per record. */
const SYSLOG_BATCH = { batch_records: 1000, batch_interval_ms: 200 };
export const SINK_KEYS: Readonly<Record<SinkConfig['type'], readonly string[]>> = {
  clickhouse: ['type', 'url', 'table', 'batch_records', 'batch_interval_ms'],
  syslog: ['type', 'address', 'cee'],
};

/** Reads and checks the file; throws ShipConfigError (`config PATH: ...`). */
export function loadShipConfig(path: string = DEFAULT_SHIP_CONFIG_PATH): ShipConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ShipConfigError(`config ${path}: cannot read it (${code})`);
  }
  return parseShipConfig(text, path);
}

/**
 * A line to print when group or others may read the file (it may hold a password), else undefined.
 * prec-ship warns and goes on: refusing would turn a permission slip into an outage of shipping.
 */
export function checkMode(path: string): string | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || (st.mode & 0o077) === 0) return undefined;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  return `config ${path}: mode ${mode} lets group or others read it (it may hold credentials); chmod 600 it`;
}

export function parseShipConfig(text: string, origin: string): ShipConfig {
  const doc = parseToml(text, (m) => new ShipConfigError(`config ${origin}: ${m}`));
  try {
    return checkDocument(doc);
  } catch (e) {
    if (e instanceof KeyProblem) throw new ShipConfigError(`config ${origin}: ${e.text}`, e.key);
    throw e;
  }
}

function unknownKey(key: string, known: readonly string[], where = ''): never {
  const near = nearestName(key, known);
  throw new KeyProblem(`${where}${key}`,
    `unknown key ${JSON.stringify(`${where}${key}`)}${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${known.join(', ')}`);
}

function checkDocument(doc: Record<string, unknown>): ShipConfig {
  for (const key of Object.keys(doc)) if (!TOP_KEYS.includes(key)) unknownKey(key, TOP_KEYS);
  const config: ShipConfig = {
    log_path: doc.log_path === undefined ? '/var/log/prec/prec.log' : absolutePath(doc.log_path, 'log_path'),
    state_dir: doc.state_dir === undefined ? '/var/lib/prec/ship' : absolutePath(doc.state_dir, 'state_dir'),
    host: doc.host === undefined ? hostname() : hostName(doc.host, 'host'),
    sink: [],
  };
  const sinks = doc.sink;
  if (sinks === undefined) throw new KeyProblem('sink', 'sink: at least one [[sink]] is needed');
  if (!Array.isArray(sinks)) wrongType('sink', 'an array of tables ([[sink]])', sinks);
  if (sinks.length === 0) throw new KeyProblem('sink', 'sink: at least one [[sink]] is needed');
  config.sink = sinks.map((s, i) => checkSink(s, `sink[${i}].`));
  return config;
}

function hostName(v: unknown, key: string): string {
  if (typeof v !== 'string') wrongType(key, 'a host name (string)', v);
  // It goes into syslog's HOSTNAME: printable ASCII, no space, 1..255 (RFC 5424).
  if (!/^[\x21-\x7e]{1,255}$/.test(v)) throw new KeyProblem(key, `${key}: ${JSON.stringify(v)} is not a host name (printable ASCII, no spaces, 1..255 chars)`);
  return v;
}

function checkSink(s: unknown, where: string): SinkConfig {
  if (typeof s !== 'object' || s === null || Array.isArray(s) || s instanceof Date) wrongType(where.slice(0, -1), 'a table', s);
  const t = s as Record<string, unknown>;
  const type = oneOf(t.type, `${where}type`, ['clickhouse', 'syslog']) as SinkConfig['type'];
  for (const key of Object.keys(t)) if (!SINK_KEYS[type].includes(key)) unknownKey(key, SINK_KEYS[type], where);
  if (type === 'syslog') {
    return {
      type,
      address: syslogAddress(t.address, `${where}address`),
      cee: t.cee === undefined ? false : boolean(t.cee, `${where}cee`),
      ...SYSLOG_BATCH,
    };
  }
  const batch = {
    batch_records: t.batch_records === undefined ? BATCH_DEFAULTS.batch_records : integerIn(t.batch_records, `${where}batch_records`, 1, 1_000_000),
    batch_interval_ms: t.batch_interval_ms === undefined
      ? BATCH_DEFAULTS.batch_interval_ms
      : integerIn(t.batch_interval_ms, `${where}batch_interval_ms`, 10, 600_000),
  };
  return { type, url: httpUrl(t.url, `${where}url`), table: table(t.table, `${where}table`), ...batch };
}

function httpUrl(v: unknown, key: string): string {
  if (v === undefined) throw new KeyProblem(key, `${key}: missing (e.g. "http://127.0.0.1:8123")`);
  if (typeof v !== 'string') wrongType(key, 'a URL (string)', v);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new KeyProblem(key, `${key}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new KeyProblem(key, `${key}: expected http:// or https://, got ${url.protocol}//`);
  return v;
}

function table(v: unknown, key: string): string {
  if (v === undefined) return 'default.prec';
  if (typeof v !== 'string') wrongType(key, 'a table name (string)', v);
  try {
    quoteTable(v);
  } catch (e) {
    throw new KeyProblem(key, `${key}: ${(e as Error).message}`);
  }
  return v;
}

function syslogAddress(v: unknown, key: string): string {
  if (v === undefined) throw new KeyProblem(key, `${key}: missing (e.g. "tcp://127.0.0.1:6514" or "unix:///dev/log")`);
  if (typeof v !== 'string') wrongType(key, 'an address (string)', v);
  const tcp = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[^:/\s]+):(\d{1,5})$/.exec(v);
  if (tcp && Number(tcp[2]) >= 1 && Number(tcp[2]) <= 65535) return v;
  if (/^unix:\/\/\/[^\0]+$/.test(v)) return v;
  throw new KeyProblem(key, `${key}: ${JSON.stringify(v)} is not tcp://HOST:PORT or unix:///PATH`);
}

/** The sink without credentials, for messages and --status: `clickhouse http://host:8123 default.prec`. */
export function sinkLabel(s: SinkConfig): string {
  if (s.type === 'syslog') return `syslog ${s.address}`;
  const url = new URL(s.url);
  url.username = '';
  url.password = '';
  return `clickhouse ${url.toString().replace(/\/$/, '')} ${s.table}`;
}
