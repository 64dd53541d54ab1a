// runShipper's delivery order over a real log file and a real cursor file: the destination here is an
// in-process Sink that holds each batch until the test lets it through, so the test can look at the
// durable cursor while a batch is in flight (the sinks themselves are tested against a real ClickHouse
// and rsyslog in test/e2e/ship-*.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCursor } from '../../src/ship/cursor.js';
import { runShipper } from '../../src/ship/shipper.js';
import type { Sink } from '../../src/ship/sinks/sink.js';
import type { Entry } from '../../src/ship/source.js';
import { endRecord, startRecord, tempDir, text } from './log-fixtures.js';

function lines(from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(JSON.stringify(startRecord(n)), JSON.stringify(endRecord(n)));
  return out;
}

/** A sink that acknowledges a batch only when `release()` is called, and counts sends in flight. */
class GatedSink implements Sink {
  readonly batches: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  private waiters: (() => void)[] = [];
  private gate: (() => void) | undefined;

  async send(entries: readonly Entry[]): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.batches.push(entries.map((e) => e.line));
    for (const w of this.waiters.splice(0)) w();
    await new Promise<void>((resolve) => (this.gate = resolve));
    this.inFlight--;
  }

  /** Resolves once `n` batches were handed to send. */
  async sent(n: number): Promise<void> {
    while (this.batches.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const g = this.gate;
    this.gate = undefined;
    g?.();
  }

  async close(): Promise<void> {}
}

test('batches go out one at a time in log order; the cursor moves only after each acknowledgement, in order', async () => {
  const dir = tempDir();
  const logPath = join(dir, 'prec.log');
  const cursorPath = join(dir, 'cursor.json');
  writeFileSync(logPath, text(lines(1, 5)));
  const sink = new GatedSink();
  const stop = new AbortController();
  const said: string[] = [];
  const running = runShipper({
    logPath,
    sinkConfig: { type: 'clickhouse', url: 'http://127.0.0.1:1', table: 't', batch_records: 4, batch_interval_ms: 20 },
    sink,
    cursorPath,
    signal: stop.signal,
    log: (line) => said.push(line),
  });
  await sink.sent(1);
  // Records written while the first batch is in flight are shipped after it, in order.
  appendFileSync(logPath, text(lines(6, 7)));
  const cursors: (number | undefined)[] = [];
  for (let n = 1; ; n++) {
    await sink.sent(n);
    // In flight and not acknowledged: the cursor is where the batches before it left it.
    cursors.push((await readCursor(cursorPath))?.index);
    const shipped = sink.batches.flat().length;
    sink.release();
    if (shipped === 14) break;
  }
  // The last acknowledgement is written before the next read; wait for it, then stop.
  while ((await readCursor(cursorPath))?.index !== 14) await new Promise((r) => setTimeout(r, 10));
  stop.abort();
  await running;
  assert.deepEqual(sink.batches.flat(), lines(1, 7));
  assert.ok(sink.batches.every((b) => b.length >= 1 && b.length <= 4), `batch sizes ${sink.batches.map((b) => b.length)}`);
  assert.equal(sink.maxInFlight, 1);
  const before = sink.batches.map((_, i) => sink.batches.slice(0, i).flat().length);
  assert.deepEqual(cursors, before.map((n) => (n === 0 ? undefined : n)));
  const end = await readCursor(cursorPath);
  assert.equal(end?.sent_total, 14);
  // The 10 records there at the start were read before the source caught up: said once they are acknowledged.
  const caught = said.map((l) => /caught up with the log \((\d+) records shipped in all\)/.exec(l)).filter((m) => m !== null);
  assert.equal(caught.length, 1, said.join('\n'));
  assert.ok(Number(caught[0]![1]) >= 10, caught[0]![0]);
});
