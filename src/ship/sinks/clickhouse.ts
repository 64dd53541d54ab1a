// ClickHouse over HTTP(S) with @clickhouse/client: one INSERT ... FORMAT JSONEachRow per batch. Each
// row is the record's line as written with `host`, `has_<array>` and the time columns appended
// (schema.ts), so the record's own keys reach the table byte for byte, and nothing is re-encoded.
import { clickHouseClient, clickHouseErrorText, type ClickHouseClient } from '../../clickhouse/client.js';
import type { ClickHouseSinkConfig } from '../config.js';
import { rowSuffix } from '../../schema/clickhouse.js';
import type { Entry } from '../source.js';
import type { Sink } from './sink.js';

/** The JSONEachRow line for an entry: the record's line with the extra columns before its `}`. */
export function clickHouseLine(e: Entry, host: string): string {
  const line = e.line.trimEnd();
  const end = line.lastIndexOf('}');
  return `${line.slice(0, end)},${rowSuffix(e.record, host, e.logOrder)}}`;
}

export class ClickHouseSink implements Sink {
  private readonly client: ClickHouseClient;

  constructor(
    private readonly config: ClickHouseSinkConfig,
    private readonly host: string,
  ) {
    this.client = clickHouseClient(config.url, {
      requestTimeoutMs: 60_000,
      // Rows are JSON text already: passed through as they are.
      json: { parse: JSON.parse, stringify: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)) },
      // A record key the table does not have (a newer precd's) must not fail the whole batch.
      settings: { input_format_skip_unknown_fields: 1 },
    });
  }

  async send(entries: readonly Entry[]): Promise<void> {
    const values = entries.map((e) => clickHouseLine(e, this.host));
    try {
      await this.client.insert({ table: this.config.table, values, format: 'JSONEachRow' });
    } catch (e) {
      throw new Error(clickHouseErrorText(e));
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
