// The syslog messages prec-ship sends (RFC 5424 header, RFC 6587 octet counting): checked byte for
// byte here; the end-to-end test sends them to a real rsyslogd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { octetCounted, syslogMessage, syslogTimestamp } from '../../src/ship/sinks/syslog.js';
import { startRecord } from './log-fixtures.js';

test('RFC 5424: PRI 110 (log audit, info), version 1, 6 fraction digits, host, APP-NAME prec, MSGID the record type, MSG the line', () => {
  const rec = startRecord(1);
  const line = JSON.stringify(rec);
  const entry = { line, record: rec as never, file: '', fileFirstNs: 0n, index: 1, logOrder: 1n };
  assert.equal(syslogMessage(entry, 'web-1', false).toString(), `<110>1 2026-11-22T15:04:05.000000+09:00 web-1 prec - start - ${line}`);
  assert.equal(syslogMessage(entry, 'web-1', true).toString(), `<110>1 2026-11-22T15:04:05.000000+09:00 web-1 prec - start - @cee: ${line}`);
  assert.equal(syslogTimestamp('2026-11-22T15:04:05Z'), '2026-11-22T15:04:05Z');
  assert.equal(syslogTimestamp('garbage'), '-');
});

test('octet counting counts bytes, not characters', () => {
  const msg = Buffer.from('<110>1 - h prec - start - {"argv":["é"]}');
  assert.equal(octetCounted(msg).toString(), `${msg.length} ${msg.toString()}`);
  assert.equal(msg.length, 41);
});
