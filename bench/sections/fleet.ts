// The fleet goals of issue 16 (SPEC 11), against a real clickhouse-server (Debian's, the test helper's
// temp instance on loopback ports, stopped by pid; never the system's):
//  1. prec-ship catching up a generated backlog: records/s and CPU-s per 100k records (prec-ship and
//     clickhouse-server each, from /proc/PID/stat), and count() FINAL = the log's records;
//  2. lag exec -> queryable at a paced exec rate: real precd (defaults) + prec-ship (default batching)
//     + ClickHouse polled every 100 ms; p50/p99 over every exec;
//  3. `prec --server -q user=nginx` against local `prec -i LOG -q user=nginx` over the same generated
//     log, loaded with prec-ship's own reader and row function (bench/fleetload.ts), alternated;
//  4. bytes per command in ClickHouse (compressed column data) for that load.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { clickHouseLine } from '../../src/ship/sinks/clickhouse.js';
import { readFromCursor } from '../../src/ship/source.js';
import { followLineBatches } from '../../src/log/index.js';
import { basename, join } from 'node:path';
import { ClickHouseCluster, ClickHouseServer, freePort } from '../../test/helpers/clickhouse.js';
import { createDistributedSql, createTableSql, tableColumns } from '../../src/schema/clickhouse.js';
import { cpuSeconds, log, median, onAbort, percentile, sleep, timed } from '../lib/proc.js';
import { PrecdTracer } from '../lib/tracers.js';
import { uniquePrefix } from '../lib/storm.js';
import { ensureQueryLog } from './query.js';

const HOST = 'bench-1';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const load1 = (): number => Math.round(loadavg()[0]! * 100) / 100;

export interface FleetParams {
  ship_commands: number;
  lag_rate: number;
  lag_seconds: number;
  query_commands: number[];
  rounds: number;
}

export interface ShipThroughput {
  commands: number;
  records: number;
  counted_final: number;
  wall_s: number;
  records_per_s: number;
  ship_cpu_s: number;
  ship_cpu_s_per_100k: number;
  clickhouse_cpu_s: number;
  clickhouse_cpu_s_per_100k: number;
  load1: number[];
  command: string;
  error?: string;
}

export interface LagResult {
  rate: number;
  seconds: number;
  /** skipped: starts due while 256 children still ran (bench/pace.c); absent in runs before that cap. */
  pace: { n: number; failed: number; skipped?: number; wall_s: number; execs_per_s: number; behind_max_ms: number };
  seen: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Execs never seen within the polling window (counted as infinitely late). */
  unseen: number;
  /**
   * One part of the lag on its own, after the run: the wall time of an INSERT of `rows` of the run's
   * own records (the JSONEachRow prec-ship sends) into a copy of the table, `samples` times.
   */
  insert?: { rows: number; samples: number; p50_ms: number; p99_ms: number; error?: string };
  /** Exec -> its start record in precd's log, seen by a follower in the bench (as prec-ship follows it). */
  in_log?: { seen: number; p50_ms: number; p99_ms: number };
  /** The poller's queries: how long each took (a marker is dated at the start of the query that saw it). */
  poll?: { queries: number; p50_ms: number; p99_ms: number };
  load1: number[];
  config: string;
  error?: string;
}

export interface ServerQueryCase {
  commands: number;
  /** Hosts that shipped the generated log (commands / HOST_COMMANDS), and shards; absent in older runs: 1 host, 1 server. */
  hosts?: number;
  shards?: number;
  records: number;
  expected: number;
  load_s: number;
  /** cpu_s: user + sys of the command (prec, and wc); ClickHouse's own CPU not included. Absent in older runs. */
  local: { command: string; wall_s: number[]; cpu_s?: number[]; median_s: number; max_rss_mb: number; matches: number | null };
  server: { command: string; wall_s: number[]; cpu_s?: number[]; median_s: number; max_rss_mb: number; matches: number | null };
  speedup: number;
  bytes: { compressed: number; uncompressed: number; on_disk: number; per_command: number; per_record: number; top_columns: [string, number][] };
  load1: number[];
  error?: string;
}

export interface FleetResults {
  clickhouse: string;
  params: FleetParams;
  throughput?: ShipThroughput;
  lag?: LagResult;
  query: ServerQueryCase[];
}

/** A temp clickhouse-server (the e2e helper's), stopped by pid on an interrupted run. */
async function startClickHouse(root: string): Promise<{ ch: ClickHouseServer; unregister: () => void }> {
  const ch = new ClickHouseServer('fleet', await freePort(), await freePort(), await freePort(), root);
  ch.writeConfig('prec_bench', [ch]);
  await ch.start();
  const unregister = onAbort(() => ch.child?.kill('SIGKILL'));
  return { ch, unregister };
}

/** A ship.conf (0600) in `dir` for one clickhouse sink with the default batching. */
function shipConfig(dir: string, logPath: string, ch: ClickHouseServer, table: string): string {
  const path = join(dir, 'ship.conf');
  writeFileSync(path, [
    `log_path = ${JSON.stringify(logPath)}`,
    `state_dir = ${JSON.stringify(join(dir, 'state'))}`,
    `host = ${JSON.stringify(HOST)}`,
    '[[sink]]',
    'type = "clickhouse"',
    `url = ${JSON.stringify(ch.url)}`,
    `table = ${JSON.stringify(table)}`,
    '',
  ].join('\n'));
  chmodSync(path, 0o600);
  return path;
}

/**
 * One statement, retried once on a network error: Node's fetch reuses a keep-alive connection that
 * clickhouse-server may have closed meanwhile (its keep_alive_timeout is 3 s). Statements here are
 * reads, CREATE/DROP IF [NOT] EXISTS: safe to repeat.
 */
async function chq(ch: ClickHouseServer, sql: string): Promise<string> {
  try {
    return await ch.query(sql);
  } catch (e) {
    if (!String(e).includes('fetch failed')) throw e;
    await sleep(100);
    return ch.query(sql);
  }
}

class Shipper {
  stderr = '';
  readonly child: ChildProcess;
  private readonly unregister: () => void;

  constructor(repoRoot: string, config: string) {
    this.child = spawn(process.execPath, [join(repoRoot, 'bin', 'prec-ship.js'), '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    const c = this.child;
    this.unregister = onAbort(() => c.kill('SIGKILL'));
  }

  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stderr.match(re);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`prec-ship exited ${this.child.exitCode}: ${this.stderr.trim().split('\n').pop()}`);
      if (Date.now() > deadline) throw new Error(`prec-ship: no ${re} within ${timeoutMs / 1000} s: ${this.stderr.trim().split('\n').pop()}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await Promise.race([gone, sleep(10_000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    this.unregister();
  }
}

async function countFinal(ch: ClickHouseServer, table: string): Promise<number> {
  return Number((await chq(ch, `SELECT count() FROM ${table} FINAL`)).trim());
}

/** 1. prec-ship from no cursor to "caught up" over the generated log (a hard link named prec.log). */
async function shipThroughput(repoRoot: string, resultsDir: string, ch: ClickHouseServer, commands: number): Promise<ShipThroughput> {
  const g = ensureQueryLog(resultsDir, commands);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-ship-'));
  const table = 'default.prec_ship';
  const command = 'prec-ship -c ship.conf (log_path = the generated log, default batching, no cursor)';
  const loads = [load1()];
  try {
    mkdirSync(join(dir, 'log'));
    linkSync(g.path, join(dir, 'log', 'prec.log'));
    await chq(ch, createTableSql(table));
    const chPid = ch.child!.pid!;
    const ch0 = cpuSeconds(chPid);
    const t0 = process.hrtime.bigint();
    const s = new Shipper(repoRoot, shipConfig(dir, join(dir, 'log', 'prec.log'), ch, table));
    try {
      const m = await s.waitFor(/caught up with the log \((\d+) records shipped in all\)/, 1_800_000);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const shipCpu = cpuSeconds(s.child.pid!);
      const chCpu = cpuSeconds(chPid) - ch0;
      loads.push(load1());
      const shipped = Number(m[1]);
      const counted = await countFinal(ch, table);
      return {
        commands, records: g.records, counted_final: counted, wall_s: wall, records_per_s: shipped / wall,
        ship_cpu_s: shipCpu, ship_cpu_s_per_100k: (shipCpu / shipped) * 1e5,
        clickhouse_cpu_s: chCpu, clickhouse_cpu_s_per_100k: (chCpu / shipped) * 1e5, load1: loads, command,
        ...(counted === g.records && shipped === g.records ? {} : { error: `shipped ${shipped}, count() FINAL ${counted}, log ${g.records}` }),
      };
    } finally {
      await s.stop();
    }
  } catch (e) {
    return { commands, records: g.records, counted_final: 0, wall_s: NaN, records_per_s: NaN, ship_cpu_s: NaN, ship_cpu_s_per_100k: NaN, clickhouse_cpu_s: NaN, clickhouse_cpu_s_per_100k: NaN, load1: loads, command, error: String(e).slice(0, 300) };
  } finally {
    await chq(ch, `DROP TABLE IF EXISTS ${table}`).catch(() => '');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls ClickHouse every 100 ms for the markers' start records; the first poll that sees one dates it. */
class MarkerPoller {
  readonly seenAt = new Map<number, number>();
  readonly execNs = new Map<number, bigint>();
  readonly durations: number[] = [];
  private stopped = false;
  readonly done: Promise<void>;

  constructor(private readonly ch: ClickHouseServer, private readonly table: string, private readonly prefix: string, private readonly windowS: number) {
    this.done = this.loop();
  }

  private sql(sinceNs: bigint): string {
    return `SELECT arrayElement(argv, 2), time_ns FROM ${this.table} WHERE record_type = 'start' AND time_ns > ${sinceNs} ` +
      `AND startsWith(arrayElement(argv, 2), '${this.prefix}-') FORMAT TabSeparated`;
  }

  /** One query; each marker in the answer not seen before is dated at the query's start (it saw parts as of then). */
  async poll(sinceNs: bigint): Promise<void> {
    const at = Date.now();
    const text = await chq(this.ch, this.sql(sinceNs));
    this.durations.push(Date.now() - at);
    for (const line of text.split('\n')) {
      if (!line) continue;
      const [m, ns] = line.split('\t');
      const i = Number(m!.slice(this.prefix.length + 1));
      if (this.seenAt.has(i)) continue;
      this.seenAt.set(i, at);
      this.execNs.set(i, BigInt(ns!));
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const t = Date.now();
      await this.poll(BigInt(t - this.windowS * 1000) * 1_000_000n);
      await sleep(Math.max(0, 100 - (Date.now() - t)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

/** When each marker's start record reached precd's log: a follower in this process, as prec-ship's. */
class LogWatcher {
  readonly at = new Map<number, number>();
  private readonly stop = new AbortController();
  private readonly done: Promise<void>;

  constructor(logPath: string, prefix: string) {
    const re = new RegExp(`"${prefix}-(\\d+)"`);
    this.done = (async () => {
      for await (const batch of followLineBatches(logPath, { fromStart: true, signal: this.stop.signal })) {
        const now = Date.now();
        for (const line of batch) {
          const m = line.includes('"record_type":"start"') ? re.exec(line) : null;
          if (m && !this.at.has(Number(m[1]))) this.at.set(Number(m[1]), now);
        }
      }
    })().catch(() => {});
  }

  async end(): Promise<void> {
    this.stop.abort();
    await this.done;
  }
}

/** 2. precd (defaults) + prec-ship (default batching) + ClickHouse, execs paced at `rate`/s. */
async function lag(repoRoot: string, ch: ClickHouseServer, pace: string, rate: number, seconds: number): Promise<LagResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-lag-'));
  const table = 'default.prec_lag';
  const prefix = uniquePrefix('lag');
  // FLEET_SHIP_REPO=DIR runs another checkout's (built) prec-ship, for an A/B of a shipper change.
  const shipRepo = process.env.FLEET_SHIP_REPO ?? repoRoot;
  // FLEET_LAG_RT=1: the pipeline under SCHED_FIFO (see realtime()), to measure prec's own lag apart
  // from the load of other jobs on a shared machine.
  const rt = process.env.FLEET_LAG_RT === '1';
  const config = 'precd defaults (flush_interval_ms 200); prec-ship defaults (batch_records 10000, batch_interval_ms 1000)' +
    (shipRepo === repoRoot ? '' : `; prec-ship from ${shipRepo}`) +
    (rt ? '; SCHED_FIFO: precd 30, prec-ship, clickhouse-server and the poller 20, the pacer and its children 10' : '');
  const loads = [load1()];
  const empty = { n: 0, failed: 0, skipped: 0, wall_s: 0, execs_per_s: 0, behind_max_ms: 0 };
  let d: PrecdTracer | undefined;
  let s: Shipper | undefined;
  let poller: MarkerPoller | undefined;
  let watcher: LogWatcher | undefined;
  try {
    await chq(ch, createTableSql(table));
    d = await PrecdTracer.start();
    s = new Shipper(shipRepo, shipConfig(dir, d.logPath, ch, table));
    await s.waitFor(/caught up with the log/, 60_000);
    if (rt) {
      await realtime(d.pid, 30, true);
      await realtime(s.child.pid!, 20, true);
      await realtime(ch.child!.pid!, 20, true);
      await realtime(process.pid, 20, true); // every thread: the watcher's reads run on libuv's
    }
    poller = new MarkerPoller(ch, table, prefix, 15);
    watcher = new LogWatcher(d.logPath, prefix);
    log(`fleet: lag: ${rate} execs/s for ${seconds} s`);
    // SCHED_FIFO for the pacer alone (-R: its children run as usual): on a machine shared with other
    // jobs a normal-priority forker waits a scheduler round after every fork and falls far behind.
    // With FLEET_LAG_RT the children stay SCHED_FIFO too (no -R): /bin/true exits at once, and at
    // normal priority on a machine loaded by others they queue for seconds before their exec.
    const p = JSON.parse(await runAsync('chrt', ['-f', ...(rt ? [] : ['-R']), '10', pace, String(rate), String(seconds), prefix])) as LagResult['pace'];
    loads.push(load1());
    // Every exec is either seen within 15 s of its start or counted as unseen.
    const until = Date.now() + 15_000;
    const started = p.n - p.failed - (p.skipped ?? 0);
    while (Date.now() < until && poller.seenAt.size < started) await sleep(200);
    await poller.stop();
    // Ask once more over the whole run: any exec that reached the table too late for the window.
    await poller.poll(0n);
    const lat = [...poller.seenAt].map(([i, at]) => at - Number(poller!.execNs.get(i)! / 1_000_000n));
    const unseen = started - lat.length;
    const all = [...lat, ...Array<number>(Math.max(0, unseen)).fill(Infinity)];
    await watcher.end();
    const inLog = [...watcher.at].filter(([i]) => poller!.execNs.has(i)).map(([i, at]) => at - Number(poller!.execNs.get(i)! / 1_000_000n));
    const polls = poller.durations;
    // A batch at this rate holds ~1 s of records (a start and an end per exec).
    const insert = await insertLatency(ch, table, d.logPath, Math.max(1, Math.round(2 * rate)), 20);
    return {
      rate, seconds, pace: p, seen: lat.length, p50_ms: percentile(all, 50), p90_ms: percentile(all, 90), p99_ms: percentile(all, 99),
      max_ms: Math.max(...all), unseen, insert, load1: loads, config,
      in_log: { seen: inLog.length, p50_ms: percentile(inLog, 50), p99_ms: percentile(inLog, 99) },
      poll: { queries: polls.length, p50_ms: percentile(polls, 50), p99_ms: percentile(polls, 99) },
    };
  } catch (e) {
    return { rate, seconds, pace: empty, seen: 0, p50_ms: NaN, p90_ms: NaN, p99_ms: NaN, max_ms: NaN, unseen: 0, load1: loads, config, error: String(e).slice(0, 300) };
  } finally {
    if (rt) await runAsync('chrt', ['-a', '-o', '-p', '0', String(process.pid)]).catch(() => '');
    await poller?.stop().catch(() => undefined);
    await watcher?.end();
    await s?.stop();
    await d?.cleanup().catch(() => undefined);
    await chq(ch, `DROP TABLE IF EXISTS ${table}`).catch(() => '');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first `n` records of a log as prec-ship's JSONEachRow rows. */
async function shipRows(logPath: string, n: number): Promise<string[]> {
  const rows: string[] = [];
  for await (const batch of readFromCursor({ logPath, follow: false, onWarning: () => {} })) {
    for (const e of batch) if (rows.length < n) rows.push(clickHouseLine(e, HOST));
    if (rows.length >= n) break;
  }
  return rows;
}

/** INSERT latency alone: `rows` of the log's records into a scratch copy of `table`, `samples` times. */
async function insertLatency(ch: ClickHouseServer, table: string, logPath: string, rows: number, samples: number): Promise<NonNullable<LagResult['insert']>> {
  const scratch = `${table}_insert`;
  const ms: number[] = [];
  try {
    const body = (await shipRows(logPath, rows)).join('\n');
    await chq(ch, `CREATE TABLE IF NOT EXISTS ${scratch} AS ${table}`);
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await ch.query(`INSERT INTO ${scratch} FORMAT JSONEachRow\n${body}`, '?input_format_skip_unknown_fields=1');
      ms.push(performance.now() - t);
    }
    return { rows, samples, p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99) };
  } catch (e) {
    return { rows, samples: ms.length, p50_ms: NaN, p99_ms: NaN, error: String(e).slice(0, 200) };
  } finally {
    await chq(ch, `DROP TABLE IF EXISTS ${scratch}`).catch(() => '');
  }
}

/** SCHED_FIFO at `prio` for a process (`all`: every thread of it; the kernel's RT throttling still applies). */
async function realtime(pid: number, prio: number, all: boolean): Promise<void> {
  await runAsync('chrt', [...(all ? ['-a'] : []), '-f', '-p', String(prio), String(pid)]);
}

/** Runs a program to completion without blocking the event loop (the poller runs meanwhile). */
function runAsync(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (x: string) => (out += x));
    c.stderr.setEncoding('utf8').on('data', (x: string) => (err += x));
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))));
  });
}

/** The table's compressed and uncompressed column bytes, bytes on disk, and its five largest columns, summed over the shards. */
async function tableBytes(shards: readonly ClickHouseServer[], table: string, commands: number, records: number): Promise<ServerQueryCase['bytes']> {
  const [db, name] = table.split('.') as [string, string];
  const where = `database = '${db}' AND table = '${name}'`;
  let c = 0;
  let u = 0;
  let disk = 0;
  const cols = new Map<string, number>();
  for (const s of shards) {
    const [ci, ui] = (await chq(s, `SELECT sum(data_compressed_bytes), sum(data_uncompressed_bytes) FROM system.columns WHERE ${where}`)).trim().split('\t').map(Number);
    c += ci!;
    u += ui!;
    disk += Number((await chq(s, `SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND ${where}`)).trim());
    for (const l of (await chq(s, `SELECT name, data_compressed_bytes FROM system.columns WHERE ${where}`)).trim().split('\n')) {
      const [n, b] = l.split('\t');
      cols.set(n!, (cols.get(n!) ?? 0) + Number(b));
    }
  }
  const top = [...cols].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return { compressed: c, uncompressed: u, on_disk: disk, per_command: c / commands, per_record: c / records, top_columns: top };
}

/**
 * Commands per host of the `prec --server` comparison: a larger size is a fleet of that many hosts
 * (bench-1, bench-2, ...), each having shipped the same generated log, and the local side reads
 * those logs one after the other (the zstd file repeated: frames concatenate). Generating and
 * loading 10,000,000 distinct commands takes hours on this machine; copies per host in ClickHouse
 * (INSERT ... SELECT on each shard) take seconds, and the local side reads every record all the same.
 */
const HOST_COMMANDS = 1_000_000;

/** The per-host log repeated `hosts` times, cached beside it. */
function fleetLog(resultsDir: string, path: string, hosts: number): string {
  if (hosts === 1) return path;
  const out = join(resultsDir, `${basename(path, '.zst')}-x${hosts}.zst`);
  const one = readFileSync(path);
  if (existsSync(out) && statSync(out).size === one.length * hosts) return out;
  const fd = openSync(`${out}.tmp`, 'w', 0o640);
  for (let i = 0; i < hosts; i++) writeSync(fd, one);
  closeSync(fd);
  renameSync(`${out}.tmp`, out);
  return out;
}

/**
 * Host k's copy of host 1's rows, on one shard: every column as it is but host. The new host is
 * not aliased `host`: ClickHouse would read the alias in the WHERE, which then selects nothing.
 */
function copyHostSql(local: string, k: number): string {
  const cols = tableColumns().map((c) => c.name);
  const select = cols.map((c) => (c === 'host' ? `'bench-${k}'` : `\`${c}\``)).join(', ');
  return `INSERT INTO ${local} (${cols.map((c) => `\`${c}\``).join(', ')}) SELECT ${select} FROM ${local} WHERE host = '${HOST}'`;
}

/**
 * 3 and 4. Two shards (clickhouse-server 18.16 each, a Distributed table over them, as a fleet
 * runs it), loaded with the generated log (and per-host copies above HOST_COMMANDS); then
 * `prec --server` and local `prec` alternated; then the table's bytes.
 */
async function serverQuery(repoRoot: string, resultsDir: string, commands: number, rounds: number): Promise<ServerQueryCase> {
  const hosts = Math.max(1, Math.ceil(commands / HOST_COMMANDS));
  const g = ensureQueryLog(resultsDir, Math.round(commands / hosts));
  const logPath = fleetLog(resultsDir, g.path, hosts);
  const table = `default.prec_q${commands}`;
  const local = `${table}_local`;
  const loads = [load1()];
  const localCmd = `node bin/prec.js -i ${q(logPath)} -A -q user=nginx -o json | wc -l`;
  const run = { wall_s: [] as number[], cpu_s: [] as number[], median_s: NaN, max_rss_mb: 0, matches: null as number | null };
  const out: ServerQueryCase = {
    commands, hosts, shards: 2, records: g.records * hosts, expected: g.expected.nginx * hosts, load_s: NaN,
    local: { command: localCmd, ...structuredClone(run) }, server: { command: '', ...structuredClone(run) }, speedup: NaN,
    bytes: { compressed: 0, uncompressed: 0, on_disk: 0, per_command: NaN, per_record: NaN, top_columns: [] }, load1: loads,
  };
  const cluster = await ClickHouseCluster.start(2, 'prec_bench');
  const unregister = onAbort(() => cluster.servers.forEach((s) => s.child?.kill('SIGKILL')));
  const [first] = cluster.servers as [ClickHouseServer];
  out.server.command = `node bin/prec.js --server ${first.url} --table ${table} -A -q user=nginx -o json | wc -l`;
  try {
    for (const s of cluster.servers) {
      await chq(s, createTableSql(local));
      await chq(s, createDistributedSql(table, 'prec_bench', local));
    }
    log(`fleet: loading ${g.records} records into ${table} (2 shards)${hosts > 1 ? `, then ${hosts - 1} more hosts' copies` : ''}`);
    const t = await timed(
      `node build/bench/fleetload.js ${q(g.path)} ${HOST} | clickhouse-client --port ${first.tcpPort} --input_format_skip_unknown_fields=1 --insert_distributed_sync=1 --max_insert_block_size=100000 --query ${q(`INSERT INTO ${table} FORMAT JSONEachRow`)}`,
      { cwd: repoRoot, timeoutMs: 7_200_000 },
    );
    if (t.status !== 0) throw new Error(`load: ${t.stderr.trim().split('\n').pop()}`);
    const t0 = Date.now();
    for (let k = 2; k <= hosts; k++) for (const s of cluster.servers) await chq(s, copyHostSql(local, k));
    out.load_s = t.wallS + (Date.now() - t0) / 1000;
    const counted = await countFinal(first, table);
    if (counted !== out.records) throw new Error(`load: count() FINAL ${counted}, logs ${out.records}`);
    loads.push(load1());
    for (let i = 0; i < rounds; i++) {
      for (const side of ['local', 'server'] as const) {
        log(`fleet: ${side} query over ${commands} commands, round ${i + 1}`);
        const r = await timed(out[side].command, { cwd: repoRoot, timeoutMs: 1_800_000 });
        if (r.status !== 0) throw new Error(`${side}: ${r.stderr.trim().split('\n')[0]}`);
        out[side].wall_s.push(r.wallS);
        out[side].cpu_s!.push(r.userS + r.sysS);
        out[side].max_rss_mb = Math.max(out[side].max_rss_mb, r.maxRssKb / 1024);
        out[side].matches = Number(r.stdout.trim());
      }
      loads.push(load1());
    }
    out.local.median_s = median(out.local.wall_s);
    out.server.median_s = median(out.server.wall_s);
    out.speedup = out.local.median_s / out.server.median_s;
    if (out.local.matches !== out.expected || out.server.matches !== out.expected) {
      out.error = `matches: local ${out.local.matches}, server ${out.server.matches}, expected ${out.expected}`;
    }
    out.bytes = await tableBytes(cluster.servers, local, commands, out.records);
  } catch (e) {
    out.error = String(e).slice(0, 300);
  } finally {
    await cluster.stop();
    cluster.cleanup();
    unregister();
  }
  return out;
}

export async function fleetSection(repoRoot: string, resultsDir: string, pace: string, p: FleetParams): Promise<FleetResults> {
  const root = mkdtempSync(join(tmpdir(), 'fleet-ch-'));
  const { ch, unregister } = await startClickHouse(root);
  try {
    const version = (await chq(ch, 'SELECT version()')).trim();
    const res: FleetResults = { clickhouse: version, params: p, query: [] };
    if (p.ship_commands > 0) {
      log(`fleet: prec-ship catching up ${p.ship_commands} commands`);
      res.throughput = await shipThroughput(repoRoot, resultsDir, ch, p.ship_commands);
    }
    if (p.lag_rate > 0) res.lag = await lag(repoRoot, ch, pace, p.lag_rate, p.lag_seconds);
    for (const n of p.query_commands) res.query.push(await serverQuery(repoRoot, resultsDir, n, p.rounds));
    return res;
  } finally {
    await ch.stop();
    unregister();
    rmSync(root, { recursive: true, force: true });
  }
}
