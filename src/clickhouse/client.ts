// The one way prec talks to ClickHouse: prec-ship's ClickHouse sink (src/ship) and `prec --server`
// (src/cli) make their @clickhouse/client here, from the same URL form (credentials as
// user:password@ in it), and turn its errors into the same one line (no stack trace, no e.what()).
// Imports nothing else of src/.
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client';

export type { ClickHouseClient };

export interface ClientOptions {
  /** Per request, in milliseconds. */
  readonly requestTimeoutMs: number;
  readonly settings?: ClickHouseSettings;
  /** How rows are turned into and out of JSON (the default re-encodes: the shipper's rows are JSON text already). */
  readonly json?: ClickHouseClientConfigOptions['json'];
}

/** A client for `url` (http or https, checked by the caller); the URL's user:password become the credentials. */
export function clickHouseClient(url: string, o: ClientOptions): ClickHouseClient {
  const u = new URL(url);
  const username = decodeURIComponent(u.username) || undefined;
  const password = decodeURIComponent(u.password) || undefined;
  u.username = '';
  u.password = '';
  return createClient({
    url: u.toString(),
    username,
    password,
    request_timeout: o.requestTimeoutMs,
    ...(o.settings ? { clickhouse_settings: o.settings } : {}),
    ...(o.json ? { json: o.json } : {}),
    // The client's own logging would print stack traces on stderr: errors are reported by the caller.
    log: { level: 127 as never },
  });
}

/** The URL without its credentials, for messages: `http://host:port`. */
export function serverOrigin(url: string): string {
  return new URL(url).origin;
}

/**
 * A ClickHouse or network error as one line: the server's message without its code prefix and
 * stack trace (`Table default.x doesn't exist.`, `nobody: Authentication failed ...`),
 * `connection refused`, or the client's message with its error code.
 */
export function clickHouseErrorText(e: unknown): string {
  const err = e as { message?: string; code?: string } | undefined;
  let text = String(err?.message ?? e).split('\n')[0]!
    .replace(/, e\.what\(\) = .*$/, '')
    .replace(/^Code: \d+, e\.displayText\(\) = /, '')
    .slice(0, 300);
  if (err?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text)) text = 'connection refused';
  const code = err?.code;
  return code && !text.includes(code) && !/^\d+$/.test(code) ? `${text} (${code})` : text;
}
