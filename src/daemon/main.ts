// precd: `precd [-c|--config PATH] [--check-config] [--setup-keys] [--version]`.
//
// Start-up order: arguments, config (nothing is loaded before it is valid), root check, lock, priority_boost, log,
// kernel collector, then one line `precd: ready (pid N) logging to PATH` on stderr: from then on every
// exec is recorded. Every failure is one line `precd: ...` on stderr and exit status 1.
// Signals: SIGHUP reopens the log (logrotate); SIGTERM/SIGINT detach the probes, drain the ring
// buffer, finish the frame, fsync and exit 0.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, logPathProblem, type Config } from './config.js';
import { shownPath } from '../config/checks.js';
import { compileFilter } from './filter.js';
import { acquireLock, type InstanceLock } from './lock.js';
import { LogWriter } from './writer.js';
import { Sealer } from '../seal/sealer.js';
import { chainStatePath, loadChainState, loadState, saveChainState, saveState, setupKeys, SealStateError, type ChainState, type SealState } from '../seal/state.js';
import { LossMonitor } from './loss.js';
import { boostPriority } from './priority.js';
import { MetricsFile } from './metrics.js';
import { Pipeline } from './pipeline.js';
import { MonoClock } from './clock.js';
import { openCollector, type Collector } from './kernel/addon.js';
import { decode } from './kernel/decoder.js';
import type { KernelEvent } from './kernel/events.js';

const LOSS_POLL_MS = 500; // SPEC: the drop counter is read at least once a second
const CLOCK_REFRESH_MS = 10_000;
const PID_SWEEP_MS = 30_000;
const STARTED_MS = Date.now(); // prec_start_time_seconds

const USAGE = 'usage: precd [-c|--config PATH] [--check-config] [--setup-keys] [--version]';

class Fatal extends Error {}

function say(line: string): void {
  process.stderr.write(`precd: ${line}\n`);
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface Args {
  config?: string;
  checkConfig: boolean;
  setupKeys: boolean;
  version: boolean;
  help: boolean;
}

function parseCommandLine(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        'check-config': { type: 'boolean' },
        'setup-keys': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    // node's messages run on with hints; keep the first sentence.
    const msg = String((e as Error).message).split('. ')[0]!.replace(/\.$/, '');
    throw new Fatal(`${msg}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.config === '') throw new Fatal(`-c needs a path\n${USAGE}`);
  return {
    config: v.config,
    checkConfig: v['check-config'] ?? false,
    setupKeys: v['setup-keys'] ?? false,
    version: v.version ?? false,
    help: v.help ?? false,
  };
}

function load(args: Args): { config: Config; origin: string } {
  try {
    const loaded = loadConfig(args.config);
    compileFilter(loaded.config); // a rule that does not compile stops precd here, before anything loads
    if (loaded.usedDefaults) say(`no config file at ${DEFAULT_CONFIG_PATH}: running on the embedded defaults`);
    return { config: loaded.config, origin: loaded.origin };
  } catch (e) {
    if (e instanceof ConfigError) throw new Fatal(e.message);
    throw e;
  }
}

async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`precd ${version()} (node ${process.version}, ${process.platform}-${process.arch})\n`);
    return 0;
  }
  const { config, origin } = load(args);
  if (args.checkConfig) {
    const problem = logPathProblem(config); // a path that can never be opened fails the check, not only the start
    if (problem !== undefined) throw new Fatal(`config ${shownPath(origin)}: ${problem}`);
    process.stdout.write(`config ok: ${shownPath(origin)}\n`);
    return 0;
  }
  if (args.setupKeys) return makeKeys(config.seal_key_path);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Fatal(`must run as root (it loads eBPF programs); running as uid ${process.getuid()}`);
  }
  return daemon(config);
}

/** `precd --setup-keys`: key(0) and an empty sealing state; the verification key printed once. */
function makeKeys(path: string): number {
  let key: Buffer;
  try {
    key = setupKeys(path);
  } catch (e) {
    throw new Fatal(e instanceof SealStateError ? e.message : `cannot create the seal key file ${path}: ${oneLine(e)}`);
  }
  process.stdout.write(
    `Sealing key and state written to ${path} (mode 0600). precd evolves this key at every seal.\n` +
      `\n` +
      `The VERIFICATION KEY is shown now and never again. Copy it OFF this host (a password manager,\n` +
      `paper, another machine) and do not store it here: whoever has it can forge every seal.\n` +
      `Check the log with: prec verify -a --key KEY\n` +
      `\n` +
      `${key.toString('hex')}\n`,
  );
  return 0;
}

/** The key file's state, or undefined (chain-only: then where the chain-only seals left off, if known). */
function sealState(config: Config): { state: SealState | undefined; chainOnly?: ChainState } {
  try {
    const state = loadState(config.seal_key_path);
    if (state) return { state };
    return { state, chainOnly: loadChainState(chainStatePath(config.seal_key_path)) };
  } catch (e) {
    throw new Fatal(e instanceof SealStateError ? e.message : oneLine(e));
  }
}

/** Saves the state after a seal: the key file, or the chain-only file when there is no key. */
function sealPersister(config: Config, keyed: boolean): (s: SealState) => void {
  if (keyed) return (s) => saveState(config.seal_key_path, s);
  const path = chainStatePath(config.seal_key_path);
  return (s) => saveChainState(path, s);
}

/** The sealing state, the writer with the sealer in its seal slot, and the log opened. */
function openWriter(config: Config, clock: MonoClock, lossRecord: (count: number) => string): LogWriter {
  const { state, chainOnly } = sealState(config);
  const writer = new LogWriter({
    path: config.log_path,
    compress: config.compress,
    level: config.compress_level,
    flushIntervalMs: config.flush_interval_ms,
    report: (m) => say(m),
    lossRecord,
    // Every line on its way to the file passes here, loss records included.
    seal: new Sealer({
      state,
      chainOnly,
      persist: sealPersister(config, state !== undefined),
      now: () => clock.now(),
      report: (m) => say(m),
    }),
  });
  writer.open();
  // Said once the log is open, so that a log that cannot be opened is precd's one line of error.
  if (!state) {
    say(`no seal key file at ${config.seal_key_path}: seals carry the hash chain only, no MAC (they detect damage, not a root intruder); run precd --setup-keys to create one`);
  }
  return writer;
}

async function daemon(config: Config): Promise<number> {
  // Until the log is open a SIGHUP (logrotate) must not kill precd, whose default action it is.
  let onHup = () => {};
  process.on('SIGHUP', () => onHup());
  const lock: InstanceLock = acquireLock(config.lock_path);
  // Before the collector starts: its reader thread inherits the main thread's nice value.
  const priorityProblem = boostPriority(config.priority_boost);
  if (priorityProblem !== undefined) say(priorityProblem);
  const clock = new MonoClock();
  let loss: LossMonitor | undefined;
  let writer: LogWriter;
  try {
    writer = openWriter(config, clock, (count) => loss!.unwrittenLine(count));
  } catch (e) {
    lock.release();
    throw e;
  }
  onHup = () => writer.reopen();
  const pipeline = new Pipeline({
    limits: { maxArgs: config.max_args, maxArgLength: config.max_arg_length },
    filter: compileFilter(config),
    sink: writer,
    clock,
  });

  let collector: Collector;
  try {
    collector = openCollector({ ringBufferBytes: config.ring_buffer_mb * 1024 * 1024 });
  } catch (e) {
    writer.close();
    lock.release();
    throw e;
  }

  let badRecords = 0;
  const onBatch = (records: Buffer[]) => {
    const events: KernelEvent[] = [];
    for (const r of records) {
      try {
        events.push(decode(r));
      } catch (e) {
        // A layout mismatch between the BPF object and the decoder: say so once, keep going.
        if (badRecords++ === 0) say(`skipping undecodable kernel record: ${oneLine(e)}`);
      }
    }
    pipeline.handleBatch(events);
  };

  return new Promise<number>((resolve) => {
    let stopping = false;
    let metrics: MetricsFile | undefined;
    const timers: NodeJS.Timeout[] = [];
    const shutdown = async (status: number) => {
      if (stopping) return;
      stopping = true;
      for (const t of timers) clearInterval(t);
      try {
        await collector.stop(); // detach, then hand over everything still in the ring buffer
        pipeline.fold.flush(); // held PATH-search failures: written, not lost
        loss!.poll();
      } catch (e) {
        say(`while stopping: ${oneLine(e)}`);
        status = status || 1;
      }
      writer.close();
      metrics?.stop(); // the final counts
      lock.release();
      const st = pipeline.stats;
      say(`stopped (kernel drops: ${Number(collector.dropCount())}; written: ${st.starts} starts, ${st.ends} ends, ${st.fails} fails)`);
      resolve(status);
    };
    loss = new LossMonitor(
      () => collector.dropCount(),
      config.lost_samples_action,
      writer,
      () => clock.now(),
      (lost) => {
        say(`${lost} events lost in the kernel and lost_samples_action is "stop": exiting`);
        void shutdown(2);
      },
    );
    timers.push(setInterval(() => loss!.poll(), LOSS_POLL_MS));
    timers.push(setInterval(() => clock.refresh(), CLOCK_REFRESH_MS));
    timers.push(setInterval(() => pipeline.running.sweep(), PID_SWEEP_MS));
    timers.push(setInterval(() => writer.tick(), config.seal_interval_s * 1000));
    collector.start(onBatch, (err) => {
      say(`kernel reader failed: ${oneLine(err)}`);
      void shutdown(1);
    });
    process.on('SIGTERM', () => void shutdown(0));
    process.on('SIGINT', () => void shutdown(0));
    metrics = startMetrics(config, writer, pipeline, loss, () => collector.highWater());
    say(`ready (pid ${process.pid}) logging to ${config.log_path}`);
  });
}

/** precd's metrics file (metrics_path; "" for none), fed by the counters of the writer, pipeline and loss monitor. */
function startMetrics(config: Config, writer: LogWriter, pipeline: Pipeline, loss: LossMonitor, ringHighWater: () => number): MetricsFile | undefined {
  if (config.metrics_path === '') return undefined;
  const v = version();
  const metrics = new MetricsFile({
    path: config.metrics_path,
    intervalS: config.metrics_interval_s,
    report: say,
    snapshot: () => {
      const st = pipeline.stats;
      return {
        recordsWritten: { start: st.starts, end: st.ends, fail: st.fails, loss: loss.records },
        lostSamples: loss.lostTotal,
        ringBufferBytes: config.ring_buffer_mb * 1024 * 1024,
        ringBufferHighWaterBytes: ringHighWater(),
        ...writer.stats,
        startMs: STARTED_MS,
        version: v,
      };
    },
  });
  metrics.start();
  return metrics;
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!;
}

function fail(e: unknown): never {
  if (e instanceof Fatal) {
    process.stderr.write(`precd: ${e.message}\n`);
  } else {
    say(oneLine(e));
  }
  process.exit(1);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
run(process.argv.slice(2)).then((status) => process.exit(status), fail);
