// prec-ship: ships every record of precd's log to ClickHouse and syslog (SPEC 11).
//   prec-ship [-c PATH] [--check-config] [--print-schema [--cluster NAME]] [--status]
// Bad input (flags, config): one line on stderr and exit 2 (1 for a failure while running).
import { parseArgs } from 'node:util';
import { checkMode, DEFAULT_SHIP_CONFIG_PATH, loadShipConfig, ShipConfigError, sinkLabel, type ShipConfig, type SinkConfig } from './config.js';
import { cursorPath, ensureStateDir, readCursor } from './cursor.js';
import { measureLag } from './lag.js';
import { createDistributedSql, createTableSql } from '../schema/clickhouse.js';
import { runShipper } from './shipper.js';
import { ClickHouseSink } from './sinks/clickhouse.js';
import type { Sink } from './sinks/sink.js';
import { SyslogSink } from './sinks/syslog.js';

const USAGE = `usage: prec-ship [-c PATH] [--check-config] [--print-schema [--cluster NAME]] [--status]
  -c, --config PATH   the config (default ${DEFAULT_SHIP_CONFIG_PATH})
  --check-config      check the config and exit
  --print-schema      print the ClickHouse DDL for each clickhouse sink's table (default.prec without a config)
  --cluster NAME      with --print-schema: a local table per shard (TABLE_local) and a Distributed TABLE
  --status            print how far each sink is behind (records and seconds) and exit`;

function say(line: string): void {
  process.stderr.write(`prec-ship: ${line}\n`);
}

/** What a sink is, for its cursor's name: the destination, never the credentials. */
function sinkIdentity(s: SinkConfig): string {
  return s.type === 'clickhouse' ? `clickhouse ${sinkLabel(s)}` : `syslog ${s.address}`;
}

function makeSink(s: SinkConfig, host: string): Sink {
  return s.type === 'clickhouse' ? new ClickHouseSink(s, host) : new SyslogSink(s, host);
}

function printSchema(tables: readonly string[], cluster: string | undefined): void {
  for (const table of tables) {
    if (cluster === undefined) {
      process.stdout.write(`${createTableSql(table)};\n`);
      continue;
    }
    const local = `${table}_local`;
    process.stdout.write(`-- on every shard of cluster ${cluster}:\n${createTableSql(local)};\n\n`);
    process.stdout.write(`-- on every node that is queried or written to:\n${createDistributedSql(table, cluster, local)};\n`);
  }
}

async function status(config: ShipConfig): Promise<void> {
  for (const s of config.sink) {
    const label = sinkLabel(s);
    const cursor = await readCursor(cursorPath(config.state_dir, sinkIdentity(s)));
    const lag = await measureLag(config.log_path, cursor, (m) => say(`${label}: ${m}`));
    const last = cursor ? `last shipped record ${cursor.last_timestamp}, ${cursor.sent_total} shipped in all` : 'nothing shipped yet';
    process.stdout.write(`${label}: ${lag.records} records behind, ${lag.seconds.toFixed(1)} s behind (${last})\n`);
  }
}

async function ship(config: ShipConfig): Promise<void> {
  ensureStateDir(config.state_dir);
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
  // SIGHUP: nothing to reload that matters mid-run (the log path is followed across rotations).
  process.on('SIGHUP', () => {});
  const sinks = config.sink.map((s) => ({ s, sink: makeSink(s, config.host) }));
  await Promise.all(sinks.map(async ({ s, sink }) => {
    try {
      await runShipper({
        logPath: config.log_path,
        sinkConfig: s,
        sink,
        cursorPath: cursorPath(config.state_dir, sinkIdentity(s)),
        signal: stop.signal,
        log: say,
      });
    } finally {
      await sink.close().catch(() => {});
    }
  }));
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        'check-config': { type: 'boolean' },
        'print-schema': { type: 'boolean' },
        cluster: { type: 'string' },
        status: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    say(`${(e as Error).message.split('\n')[0]}`);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const path = args.config ?? DEFAULT_SHIP_CONFIG_PATH;
  try {
    if (args['print-schema'] && args.config === undefined) {
      printSchema(['default.prec'], args.cluster);
      return 0;
    }
    const config = loadShipConfig(path);
    const loose = checkMode(path);
    if (loose) say(loose);
    if (args['check-config']) {
      process.stdout.write(`config ${path}: ok (${config.sink.length} sink${config.sink.length === 1 ? '' : 's'}: ${config.sink.map(sinkLabel).join('; ')})\n`);
      return 0;
    }
    if (args['print-schema']) {
      const tables = config.sink.flatMap((s) => (s.type === 'clickhouse' ? [s.table] : []));
      printSchema(tables.length > 0 ? tables : ['default.prec'], args.cluster);
      return 0;
    }
    if (args.status) await status(config);
    else await ship(config);
    return 0;
  } catch (e) {
    if (e instanceof ShipConfigError) {
      say(e.message);
      return 2;
    }
    say((e as Error).message.split('\n')[0]!);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// A keep-alive socket or a watcher left by a library must not keep a stopped shipper alive.
setTimeout(() => process.exit(code), 2000).unref();
