// prec-ship into real ClickHouse (Debian's clickhouse-server 18.16): two shards, per-shard
// ReplacingMergeTree tables and a Distributed table, all made from `prec-ship --print-schema
// --cluster`; real precd writing a temp log, real commands, real prec-ship processes. After every
// fault (ClickHouse stopped under a stream of commands, prec-ship killed with -9 mid-batch,
// rotation and re-compression while behind) the table holds exactly the log's records after FINAL,
// and `prec --server` over them prints exactly what `prec -a -i LOG` prints (log_order carried over
// the restart and the rotations).
// One ClickHouse cluster for the whole file; each test ships as its own `host` with its own state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseCluster, clickhouseMissing } from '../helpers/clickhouse.js';
import { marker, Precd, sleep } from '../helpers/precd.js';
import { allLogRecords, recordKey, runShipSync, Shipper, writeShipConfig } from '../helpers/ship.js';
import { PREC_BIN } from './prec-cli-fixtures.js';

const skip = process.getuid?.() !== 0 ? 'needs root (precd)' : clickhouseMissing();
const CLUSTER = 'prec_test';
let cluster: ClickHouseCluster;
let work: string;
let logPath: string;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'prec-ship-e2e-'));
  logPath = join(work, 'log', 'prec.log');
  cluster = await ClickHouseCluster.start(2, CLUSTER);
  const ddl = runShipSync(['--print-schema', '--cluster', CLUSTER]);
  assert.equal(ddl.status, 0, ddl.stderr);
  const statements = ddl.stdout.split(';\n').map((s) => s.replace(/^--.*\n/gm, '').trim()).filter((s) => s !== '');
  assert.equal(statements.length, 2, ddl.stdout);
  for (const s of cluster.servers) {
    await s.query(statements[0]!);
    await s.query(statements[1]!);
  }
});

after(async () => {
  if (skip) return;
  await cluster.stop();
  cluster.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function shipConfig(host: string, batch = 500): string {
  const dir = join(work, host);
  return writeShipConfig(join(work, `${host}.conf`), {
    log_path: logPath,
    state_dir: dir,
    host,
    sink: [{ type: 'clickhouse', url: cluster.servers[0]!.url, table: 'default.prec', batch_records: batch, batch_interval_ms: 100 }],
  });
}

/** `prec --server --host HOST` (the Distributed table) prints what `prec -a -i LOG` prints, row for row. */
function assertServerShowsLog(host: string): void {
  const args = ['-A', '-o', 'json', '-f', 'all,-host'];
  const prec = (a: string[]): string => {
    const r = spawnSync(process.execPath, [PREC_BIN, ...a, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const local = prec(['-a', '-i', logPath]);
  assert.notEqual(local, '');
  assert.equal(prec(['--server', cluster.servers[0]!.url, '--host', host]), local, `prec --server --host ${host}`);
}

async function rows(host: string, final = true): Promise<Record<string, unknown>[]> {
  const text = await cluster.servers[0]!.query(
    `SELECT * FROM default.prec ${final ? 'FINAL' : ''} WHERE host = '${host}' FORMAT JSONEachRow`);
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function rawCount(host: string): Promise<number> {
  return Number((await cluster.servers[0]!.query(`SELECT count() FROM default.prec WHERE host = '${host}'`)).trim());
}

/** Waits until the table (after FINAL) holds exactly the log's records for `host`; returns both counts. */
async function waitShipped(host: string, shipper: Shipper, timeoutMs = 400_000): Promise<number> {
  const want = new Set(allLogRecords(logPath).map(recordKey));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await rows(host).catch(() => []);
    const keys = new Set(got.map((r) => recordKey(r as never)));
    if (got.length === want.size && [...want].every((k) => keys.has(k))) return got.length;
    if (Date.now() > deadline) {
      const missing = [...want].filter((k) => !keys.has(k)).slice(0, 5);
      assert.fail(`table has ${got.length} rows for ${host}, log has ${want.size}; missing e.g. ${missing.join(', ')}; prec-ship: ${shipper.stderr}`);
    }
    await sleep(300);
  }
}

function runCommands(mark: string, n: number): void {
  const r = spawnSync('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/true ${mark} $i; i=$((i+1)); done`]);
  assert.equal(r.status, 0);
}

test('ships every record, fields intact, and loses nothing while ClickHouse is stopped under a stream of commands', { skip }, async () => {
  const precd = await Precd.start({ config: { log_path: logPath } });
  const shipper = Shipper.start(shipConfig('h1'));
  try {
    const mark = marker();
    runCommands(mark, 20);
    await shipper.waitForStderr(/caught up/);
    await Promise.all(cluster.servers.map((s) => s.stop()));
    const during = marker();
    for (let i = 0; i < 10; i++) {
      runCommands(during, 20);
      await sleep(100);
    }
    await shipper.waitForStderr(/down: /);
    runCommands(during, 50);
    await Promise.all(cluster.servers.map((s) => s.start()));
    await shipper.waitForStderr(/up again after \d+ s/);
    await precd.stop();
    await waitShipped('h1', shipper);

    // One record, column by column: the record's keys unchanged, absent ones NULL, time columns.
    const start = allLogRecords(logPath).find((r) => r.record_type === 'start' && (r.argv as string[])[1] === mark)!;
    const row = (await rows('h1')).find((r) => r.record_type === 'start' && r.event_id === start.event_id)!;
    for (const [k, v] of Object.entries(start)) {
      const want = typeof v === 'boolean' ? Number(v) : typeof v === 'number' ? String(v) : v;
      const got = typeof row[k] === 'number' ? String(row[k]) : row[k];
      assert.deepEqual(got, want, k);
    }
    assert.equal(row.has_argv, 1);
    assert.equal(row.container_id, null);
    assert.equal(row.exit_status, null);
    assert.match(String(row.time_ns), /^\d{19}$/);
    const stderrLines = shipper.stderr.split('\n').filter((l) => / down: /.test(l));
    assert.equal(stderrLines.length, 1, `one line when the sink goes down: ${shipper.stderr}`);
  } finally {
    await shipper.stop();
    await precd.stop();
  }
});

test('prec-ship killed with -9 mid-batch and restarted: nothing lost, nothing duplicated after FINAL, at most one batch re-sent', { skip }, async () => {
  const precd = await Precd.start({ config: { log_path: logPath } });
  runCommands(marker(), 300);
  await precd.stop();
  // The whole log is the backlog (every exec on the host since the first test): many batches.
  const batch = 200;
  const config = shipConfig('h2', batch);
  const first = Shipper.start(config);
  let shipped = 0;
  for (let i = 0; shipped === 0 && i < 2000; i++) {
    await sleep(10);
    shipped = await rawCount('h2').catch(() => 0);
  }
  await first.kill9();
  const total = allLogRecords(logPath).length;
  assert.ok(shipped > 0 && shipped < total, `killed mid-stream: ${shipped} of ${total} shipped`);
  const second = Shipper.start(config);
  try {
    assert.equal(await waitShipped('h2', second), total);
    const raw = await rawCount('h2');
    assert.ok(raw - total <= batch, `re-sent ${raw - total} rows, more than the batch in flight (${batch})`);
    assertServerShowsLog('h2');
  } finally {
    await second.stop();
  }
});

test('rotation and re-compression while behind (prec.log.1 -> prec.log.2.gz): resumes at its place, nothing lost or re-sent', { skip }, async () => {
  const precd = await Precd.start({ config: { log_path: logPath } });
  const config = shipConfig('h3');
  let shipper = Shipper.start(config);
  try {
    runCommands(marker(), 20);
    await shipper.waitForStderr(/caught up/);
    await shipper.stop();
    runCommands(marker(), 100);
    const hup = (): void => void process.kill(precd.pid, 'SIGHUP');
    // logrotate with `compress` (no delaycompress), twice: the cursor's file ends up as prec.log.2.gz.
    renameSync(logPath, `${logPath}.1`);
    hup();
    await sleep(500);
    runCommands(marker(), 100);
    renameSync(`${logPath}.1`, `${logPath}.2`);
    assert.equal(spawnSync('gzip', [`${logPath}.2`]).status, 0);
    assert.ok(existsSync(`${logPath}.2.gz`));
    renameSync(logPath, `${logPath}.1`);
    hup();
    await sleep(500);
    runCommands(marker(), 100);
    shipper = Shipper.start(config);
    await shipper.waitForStderr(/caught up/);
    // And once more while following: the follower reads the renamed file to its end, then the new one.
    renameSync(`${logPath}.1`, `${logPath}.2`);
    renameSync(logPath, `${logPath}.1`);
    hup();
    runCommands(marker(), 100);
    await precd.stop();
    const total = allLogRecords(logPath).length;
    assert.equal(await waitShipped('h3', shipper), total);
    assert.equal(await rawCount('h3'), total, 're-sent rows after a clean stop');
    assert.doesNotMatch(shipper.stderr, /is gone/);
    assertServerShowsLog('h3');
  } finally {
    await shipper.stop();
    await precd.stop();
  }
});

test('--status prints the lag per sink in records and seconds', { skip }, async () => {
  const r = runShipSync(['-c', shipConfig('h3'), '--status']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^clickhouse http:\/\/127\.0\.0\.1:\d+ default\.prec: 0 records behind, 0\.0 s behind \(last shipped record \S+, \d+ shipped in all\)\n$/);
  const fresh = runShipSync(['-c', shipConfig('h4'), '--status']);
  const total = allLogRecords(logPath).length;
  assert.match(fresh.stdout, new RegExp(`: ${total} records behind, \\d+\\.\\d s behind \\(nothing shipped yet\\)`));
});
