// prec-ship's reading from a cursor (src/ship/source.ts) over hand-made logs: resuming inside a file
// that logrotate renamed and re-compressed, a compressed copy next to its original shipped once, a
// cursor whose file is gone reported with the count of lost records, and the position of each record
// while following across a rotation. The cursor itself: atomic write and read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cursorPath, lineKey, readCursor, writeCursor, type Cursor } from '../../src/ship/cursor.js';
import { advance } from '../../src/ship/shipper.js';
import { readFromCursor, type Entry } from '../../src/ship/source.js';
import { endRecord, startRecord, tempDir, text, zstdFrame } from './log-fixtures.js';

/** start(n), end(n) for n in from..to: event_ids numbered as precd numbers them. */
function lines(from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(JSON.stringify(startRecord(n)), JSON.stringify(endRecord(n)));
  return out;
}

async function collect(logPath: string, cursor?: Cursor): Promise<{ entries: Entry[]; warnings: string[] }> {
  const warnings: string[] = [];
  const entries: Entry[] = [];
  for await (const batch of readFromCursor({ logPath, cursor, follow: false, onWarning: (m) => warnings.push(m) })) entries.push(...batch);
  return { entries, warnings };
}

function cursorAt(entries: readonly Entry[], upTo: number): Cursor {
  return advance(undefined, entries.slice(0, upTo));
}

test('without a cursor: every record of the rotated files and the current one, oldest first, each with its position', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(`${log}.2.gz`, gzipSync(text(lines(1, 5))));
  writeFileSync(`${log}.1`, zstdFrame(text(lines(6, 10))));
  writeFileSync(log, text(lines(11, 12)));
  const { entries, warnings } = await collect(log);
  assert.deepEqual(warnings, []);
  assert.deepEqual(entries.map((e) => e.line), lines(1, 12));
  assert.deepEqual(entries.slice(9, 12).map((e) => [e.file, e.index]), [
    [lineKey(lines(1, 1)[0]!), 10],
    [lineKey(lines(6, 6)[0]!), 1],
    [lineKey(lines(6, 6)[0]!), 2],
  ]);
});

test('a cursor inside a file that was renamed and re-compressed since (prec.log.1 -> prec.log.2.gz) resumes right after it', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(`${log}.1`, zstdFrame(text(lines(1, 10))));
  writeFileSync(log, text(lines(11, 15)));
  const before = (await collect(log)).entries;
  const cursor = cursorAt(before, 7);
  // logrotate: prec.log.1 -> prec.log.2.gz (a new inode, other bytes), prec.log -> prec.log.1.
  writeFileSync(`${log}.2.gz`, gzipSync(zstdFrame(text(lines(1, 10)))));
  renameSync(log, `${log}.1`);
  writeFileSync(log, text(lines(16, 16)));
  const { entries, warnings } = await collect(log, cursor);
  assert.deepEqual(warnings, []);
  assert.deepEqual(entries.map((e) => e.line), [...lines(1, 16)].slice(7));
  // log_order goes on from the cursor's as if read in one go: a re-sent record gets the same value.
  const whole = (await collect(log)).entries;
  assert.deepEqual(entries.map((e) => e.logOrder), whole.slice(7).map((e) => e.logOrder));
});

test('log_order: strictly increasing in log order across files, the record time unless that would not be later', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(`${log}.1`, zstdFrame(text(lines(1, 2))));
  writeFileSync(log, text(lines(3, 3)));
  const { entries } = await collect(log);
  // start 1 (:05.000000001), end 1 (:06.000000001), start 2 (:05.000000002, earlier: moved after end 1), ...
  const s = 1795327445_000000000n;
  assert.deepEqual(entries.map((e) => e.logOrder - s), [1n, 1_000000001n, 1_000000002n, 1_000000003n, 1_000000004n, 1_000000005n]);
});

test('a compressed copy being made next to its original is shipped once', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(`${log}.1`, text(lines(1, 4)));
  writeFileSync(`${log}.1.gz`, gzipSync(text(lines(1, 4))));
  writeFileSync(log, text(lines(5, 6)));
  const { entries } = await collect(log);
  assert.deepEqual(entries.map((e) => e.line), lines(1, 6));
});

test('a cursor whose file is gone is reported, with the start/fail records lost counted by event_id', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(`${log}.1`, text(lines(1, 10)));
  writeFileSync(log, text(lines(11, 20)));
  const cursor = cursorAt((await collect(log)).entries, 5); // start 1..3 shipped, the last one seq 3
  // Rotated away and deleted before prec-ship ran again; what is left starts at seq 11.
  renameSync(log, `${log}.1`);
  writeFileSync(log, text(lines(21, 21)));
  const { entries, warnings } = await collect(log, cursor);
  assert.equal(entries[0]!.line, lines(11, 11)[0]);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0]!, /^the log file the cursor is in \(first record at \S+, 5 of its records shipped, the last at \S+\) is gone: records after those were not shipped and are lost/);
  assert.equal(warnings[1], '7 start/fail records were lost before shipping (event_id 20261122150000-4 to 20261122150000-10), and their end records');
});

test('following: records written later, and after a rotation the new file counted from its own first record', async () => {
  const dir = tempDir();
  const log = join(dir, 'prec.log');
  writeFileSync(log, text(lines(1, 2)));
  const stop = new AbortController();
  const got: Entry[] = [];
  const reading = (async () => {
    for await (const batch of readFromCursor({ logPath: log, follow: true, signal: stop.signal, onWarning: () => {} })) {
      got.push(...batch);
      if (got.length === 4) {
        appendFileSync(log, text(lines(3, 3)));
        renameSync(log, `${log}.1`);
        writeFileSync(log, text(lines(4, 4)));
      }
      if (got.length === 8) stop.abort();
    }
  })();
  await reading;
  assert.deepEqual(got.map((e) => e.line), lines(1, 4));
  assert.deepEqual(got.slice(4).map((e) => [e.file, e.index]), [
    [lineKey(lines(1, 1)[0]!), 5],
    [lineKey(lines(1, 1)[0]!), 6],
    [lineKey(lines(4, 4)[0]!), 1],
    [lineKey(lines(4, 4)[0]!), 2],
  ]);
});

test('the cursor is written atomically (no temp file left) and read back; a damaged one is an error naming it', async () => {
  const dir = tempDir();
  const path = cursorPath(dir, 'clickhouse http://x default.prec');
  assert.equal(await readCursor(path), undefined);
  const entries: Entry[] = [{ line: '{}', record: startRecord(9) as never, file: 'a'.repeat(64), fileFirstNs: 5n, index: 3, logOrder: 7n }];
  const c = advance(undefined, entries);
  await writeCursor(path, c);
  assert.deepEqual(await readCursor(path), c);
  assert.deepEqual(c, {
    file: 'a'.repeat(64), file_first_ns: '5', index: 3, last_timestamp: '2026-11-22T15:04:05.000000009+09:00',
    last_time_ns: '1795327445000000009', last_log_order: '7', last_seq_event_id: '20261122150000-9', sent_total: 1,
  });
  assert.deepEqual(readdirSync(dir), [path.split('/').pop()]);
  writeFileSync(path, '{"file":1}');
  await assert.rejects(readCursor(path), { message: `cursor ${path} is damaged: remove it to ship everything again` });
});
