// The rows API as a reader other than `prec`'s views calls it: records or files in, rows out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRows, finalize, rowsFromFiles, selectRows, type RecordSource, type RowBag } from '../../src/rows/index.js';
import { END_PART_FIELDS, keysOnlyIn, type EndRecord, type LogRecord } from '../../src/schema/index.js';

function start(id: string, sec: number): Record<string, unknown> {
  return {
    timestamp: `2026-11-22T15:00:${String(sec).padStart(2, '0')}.000000001+09:00`, event_id: id, uid: 0, gid: 0, euid: 0,
    egid: 0, user: 'root', group: 'root', pid: sec, ppid: 1, comm: id, exe: `/bin/${id}`, cwd: '/', argv: [id], argc: 1,
    cgroup: '/', source: 'user', record_type: 'start', parent_comm: 'sh', parent_exe: '/bin/sh', parent_cmdline: 'sh',
  };
}
function end(id: string, sec: number, status: number): Record<string, unknown> {
  return {
    timestamp: `2026-11-22T15:00:${String(sec).padStart(2, '0')}.5+09:00`, event_id: id, pid: 1, source: 'user',
    record_type: 'end', duration_ns: 500_000_000, exit_status: status,
  };
}
// a ends last; b fails; c never ends.
const RECORDS = [start('a', 1), start('b', 2), end('b', 3, 1), start('c', 4), end('a', 5, 0)];

const source = (batchSize: number): RecordSource => async function* () {
  const recs = structuredClone(RECORDS) as unknown as LogRecord[];
  for (let i = 0; i < recs.length; i += batchSize) yield recs.slice(i, i + batchSize);
};

async function all(gen: AsyncIterable<RowBag[]>): Promise<RowBag[]> {
  const out: RowBag[] = [];
  for await (const batch of gen) out.push(...batch);
  return out;
}

test('selectRows: merged rows in log order, filtered, all or the last N; a small window gives the same rows', async () => {
  const failed = (r: RowBag): boolean => r.exit_status !== 0;
  for (const window of [1, 1000]) {
    const rows = await all(selectRows(source(2), { needEnd: true, matches: failed, window }));
    assert.deepEqual(rows.map((r) => [r.comm, r.exit_status]), [['b', 1], ['c', undefined]]);
  }
  const last = await all(selectRows(source(1), { needEnd: true, limit: 2 }));
  assert.deepEqual(last.map((r) => r.comm), ['b', 'c']);
  const noEnd = await all(selectRows(source(3), { needEnd: false }));
  assert.deepEqual(noEnd.map((r) => [r.comm, r.record_type, r.exit_status]), [['a', 'command', undefined], ['b', 'command', undefined], ['c', 'command', undefined]]);
});

test('selectRows stops reading once its signal is aborted', async () => {
  const abort = new AbortController();
  const batches: number[] = [];
  for await (const batch of selectRows(source(1), { needEnd: false, signal: abort.signal })) {
    batches.push(batch.length);
    abort.abort();
  }
  assert.deepEqual(batches, [1]);
});

test('collectRows: every row complete, in log order', async () => {
  const rows = await collectRows(source(2)(true));
  assert.deepEqual(rows.map((r) => [r.comm, r.exit_status, r.end_timestamp !== undefined]), [['a', 0, true], ['b', 1, true], ['c', undefined, false]]);
});

test('rowsFromFiles reads log files in turn, counting lines that are not records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prec-rows-'));
  const one = join(dir, 'one.log');
  const two = join(dir, 'two.log');
  writeFileSync(one, RECORDS.slice(0, 3).map((r) => JSON.stringify(r)).join('\n') + '\nnot json\n');
  writeFileSync(two, RECORDS.slice(3).map((r) => JSON.stringify(r)).join('\n') + '\n');
  const stats = { badLines: 0 };
  const rows = await all(rowsFromFiles([one, two], { needEnd: true, matches: (r) => r.comm !== 'b', stats }));
  assert.deepEqual(rows.map((r) => [r.comm, r.exit_status]), [['a', 0], ['c', undefined]]);
  assert.equal(stats.badLines, 1);
});

test('finalize copies exactly the catalogue\'s end part, under the row names', () => {
  assert.deepEqual(END_PART_FIELDS.map(([name]) => name), ['end_timestamp', 'duration_ns', 'exit_status', 'signal', 'exec_replaced']);
  const row: RowBag = { record_type: 'command', pid: 7 };
  finalize(row, { ...end('x', 9, 0), exec_replaced: true, pid: 99 } as unknown as EndRecord);
  assert.deepEqual(row, {
    record_type: 'command', pid: 7, end_timestamp: '2026-11-22T15:00:09.5+09:00', duration_ns: 500_000_000, exit_status: 0, exec_replaced: true,
  });
  assert.deepEqual(keysOnlyIn('loss'), ['lost_samples', 'lost_samples_total']);
});
