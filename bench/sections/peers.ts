// Issue 19's peers table: CPU of the whole logging stack at a steady exec rate (100 / 400 / 1,600
// `/bin/true` per second), as % of one core, for auditd, auditd + laurel, bcc's execsnoop,
// bpftrace's execsnoop.bt and precd; and each one's bytes per exec on disk.
//
// laurel's method: utime+stime of every process of the stack (/proc/PID/stat of the root and all
// its descendants), from just before the paced execs start until the stack has gone quiet again
// after them (its backlog is counted), divided by the pacer's wall time. BPF program time runs in
// the exec'ing task, not in the stack's processes: it is not in that figure for any peer, and is
// given beside it from the kernel's own counters (kernel.bpf_stats_enabled, run_time_ns of the
// programs the stack holds). The kernel's audit work (in the task, and kauditd) is in neither.
//
// Peers are interleaved: each round starts every peer in turn (the order rotated by one per round),
// runs every rate against it (that order rotated per round as well), and stops it; the figures are
// medians over the rounds.
import { spawn } from 'node:child_process';
import { log, median, onAbort, sleep } from '../lib/proc.js';
import { PEERS, fileBytes, startPeer, type PeerName, type PeerStack } from '../lib/peers.js';
import { bpfProgStats, hostForks, load1, processTree, setBpfStats, stackCpu } from '../lib/stack.js';
import { uniquePrefix } from '../lib/storm.js';

export interface PeersParams {
  rates: number[];
  seconds: number;
  rounds: number;
}

export interface PaceResult {
  n: number;
  failed: number;
  skipped: number;
  wall_s: number;
  execs_per_s: number;
  behind_max_ms: number;
}

export interface PeerSample {
  round: number;
  peer: PeerName;
  rate: number;
  pace: PaceResult;
  /** CPU seconds of the stack's processes over the window (the pacer's run and the drain after it). */
  cpu_s: number;
  /** cpu_s over the pacer's wall time, % of one core. */
  cpu_pct: number;
  /** Processes in the stack at the end of the window. */
  procs: number;
  /** Kernel run time of the stack's BPF programs over the window, % of one core (null: no BPF). */
  bpf_pct: number | null;
  /** The window: the pacer's run and the stack's drain after it, s. */
  window_s: number;
  /** Exec records the stack logged in the window (the host's other execs included). */
  execs_logged: number;
  /** Processes the whole host forked per second during the window (ours included). */
  host_forks_per_s: number;
  load1: number;
}

export interface PeerBytes {
  round: number;
  peer: PeerName;
  bytes: number;
  exec_records: number;
  bytes_per_exec: number;
  lost: number | null;
}

export interface PeerRow {
  peer: PeerName;
  rate: number;
  achieved_per_s: number;
  cpu_pct: number;
  cpu_pct_all: number[];
  /** Stack CPU over the exec records it logged in the window (the host's other execs included), µs. */
  cpu_us_per_exec: number;
  /** The same for its BPF programs' kernel run time, µs. */
  bpf_us_per_exec: number | null;
  /** cpu_us_per_exec × the rate asked: the stack's CPU at that rate were the host's other execs and the pacer's shortfall taken out (assumes linear cost). */
  cpu_pct_at_rate: number;
  execs_logged_per_s: number;
  bpf_pct: number | null;
  host_forks_per_s: number;
}

export interface PeersResults {
  params: PeersParams;
  how: Partial<Record<PeerName, string>>;
  samples: PeerSample[];
  bytes: PeerBytes[];
  rows: PeerRow[];
  bytes_per_exec: Partial<Record<PeerName, number>>;
  bpf_stats: boolean;
  pace: string;
  /** Whether the rates' order was rotated per round (absent: ascending in every round). */
  rates_rotated?: boolean;
  errors: string[];
}

function runPace(pace: string, rate: number, seconds: number): Promise<PaceResult> {
  // SCHED_FIFO for the pacer and its children: on a machine shared with other jobs a normal-priority
  // forker (or a /bin/true waiting for a CPU) falls far behind the schedule, and the rate is the
  // thing measured against. The stacks themselves keep their normal priority.
  return new Promise((resolve, reject) => {
    const c = spawn('chrt', ['-f', '10', pace, String(rate), String(seconds), uniquePrefix('peers')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (x: string) => (out += x));
    c.stderr.setEncoding('utf8').on('data', (x: string) => (err += x));
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as PaceResult) : reject(new Error(`pace exited ${code}: ${err.trim()}`))));
  });
}

/**
 * Waits until the stack's CPU stops growing (its backlog is done): < 2 % of a core over 1 s, or
 * `maxMs`: it logs the host's other execs too, so it may never be quite idle.
 */
async function waitStackQuiet(root: number, maxMs = 5000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = stackCpu(root).cpuS;
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = stackCpu(root).cpuS;
    if (now - last <= 0.02) return;
    last = now;
  }
}

async function measure(stack: PeerStack, round: number, rate: number, seconds: number, pace: string): Promise<{ s: PeerSample; from: number; to: number }> {
  const from = stack.mark();
  const bpf0 = bpfProgStats(processTree(stack.root).keys());
  const cpu0 = stackCpu(stack.root).cpuS;
  const forks0 = hostForks();
  const t0 = Date.now();
  const p = await runPace(pace, rate, seconds);
  const l1 = load1();
  await stack.drain();
  await waitStackQuiet(stack.root);
  const to = stack.mark();
  const tree = processTree(stack.root);
  const cpu1 = stackCpu(stack.root);
  const bpf1 = bpfProgStats(tree.keys());
  const windowS = (Date.now() - t0) / 1000;
  const s: PeerSample = {
    round,
    peer: stack.name,
    rate,
    pace: p,
    cpu_s: cpu1.cpuS - cpu0,
    cpu_pct: ((cpu1.cpuS - cpu0) / p.wall_s) * 100,
    procs: cpu1.procs,
    bpf_pct: bpf1.progs ? ((bpf1.runNs - bpf0.runNs) / 1e9 / p.wall_s) * 100 : null,
    window_s: windowS,
    execs_logged: NaN, // counted once the stack has stopped and its log is complete
    host_forks_per_s: (hostForks() - forks0) / windowS,
    load1: l1,
  };
  return { s, from, to };
}

/** One peer in one round: start it, every rate, stop it, its bytes per exec. */
async function peerRound(res: PeersResults, name: PeerName, round: number, pace: string): Promise<void> {
  let stack: PeerStack | undefined;
  try {
    log(`peers: round ${round + 1}/${res.params.rounds}: starting ${name}`);
    stack = await startPeer(name);
    res.how[name] = stack.how;
    await waitStackQuiet(stack.root, 30_000); // its start-up work (bcc compiles C) is not the exec's cost
    await runPace(pace, 100, 2); // warm-up, not measured: first-use costs (JIT, page faults) are not per exec
    await stack.drain();
    await waitStackQuiet(stack.root);
    const bytes0 = fileBytes(stack.files());
    const windows: { s: PeerSample; from: number; to: number }[] = [];
    // The rates' order is rotated per round too: the first window after a start is not always the same rate.
    const rates = res.params.rates.map((_, i) => res.params.rates[(i + round) % res.params.rates.length]!);
    for (const rate of rates) {
      const w = await measure(stack, round, rate, res.params.seconds, pace);
      const s = w.s;
      windows.push(w);
      log(`peers: ${name} @ ${rate}/s: ${s.pace.execs_per_s.toFixed(0)} execs/s ran (${s.pace.skipped} skipped), stack CPU ${s.cpu_pct.toFixed(1)} % of a core${s.bpf_pct === null ? '' : `, BPF ${s.bpf_pct.toFixed(2)} %`} (load ${s.load1})`);
      res.samples.push(s);
    }
    await stack.stop();
    const lost = stack.lost();
    for (const w of windows) {
      w.s.execs_logged = stack.execsBetween(w.from, w.to);
      log(`peers: ${name} @ ${w.s.rate}/s: ${w.s.execs_logged} execs logged in ${w.s.window_s.toFixed(1)} s: ${((w.s.cpu_s * 1e6) / w.s.execs_logged).toFixed(0)} µs of stack CPU each`);
    }
    const bytes = fileBytes(stack.files());
    const execs = stack.execRecords();
    res.bytes.push({ round, peer: name, bytes, exec_records: execs, bytes_per_exec: bytes / execs, lost: lost ?? null });
    log(`peers: ${name}: ${bytes - bytes0} B grown during the rates; ${(bytes / execs).toFixed(0)} B per exec over ${execs} exec records`);
  } catch (e) {
    const msg = `${name}, round ${round + 1}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 400)}`;
    log(`peers: error: ${msg}`);
    res.errors.push(msg);
    await stack?.stop().catch(() => undefined);
  } finally {
    stack?.cleanup();
  }
}

const perExec = (s: PeerSample): number => (s.cpu_s * 1e6) / s.execs_logged;

function summarize(res: PeersResults): void {
  for (const peer of PEERS) {
    for (const rate of res.params.rates) {
      const ss = res.samples.filter((s) => s.peer === peer && s.rate === rate);
      if (!ss.length) continue;
      const bpf = ss.map((s) => s.bpf_pct).filter((x): x is number => x !== null);
      res.rows.push({
        peer,
        rate,
        achieved_per_s: median(ss.map((s) => s.pace.execs_per_s)),
        cpu_pct: median(ss.map((s) => s.cpu_pct)),
        cpu_pct_all: ss.map((s) => s.cpu_pct),
        cpu_us_per_exec: median(ss.map(perExec)),
        bpf_us_per_exec: bpf.length ? median(ss.filter((s) => s.bpf_pct !== null).map((s) => ((s.bpf_pct! / 100) * s.pace.wall_s * 1e6) / s.execs_logged)) : null,
        cpu_pct_at_rate: (median(ss.map(perExec)) * rate) / 1e4,
        execs_logged_per_s: median(ss.map((s) => s.execs_logged / s.window_s)),
        bpf_pct: bpf.length ? median(bpf) : null,
        host_forks_per_s: median(ss.map((s) => s.host_forks_per_s)),
      });
    }
    const b = res.bytes.filter((x) => x.peer === peer);
    if (b.length) res.bytes_per_exec[peer] = median(b.map((x) => x.bytes_per_exec));
  }
}

export async function peersSection(pace: string, params: PeersParams): Promise<PeersResults> {
  const res: PeersResults = { params, how: {}, samples: [], bytes: [], rows: [], bytes_per_exec: {}, bpf_stats: false, pace: 'chrt -f 10 build/bench/pace RATE SECONDS PREFIX', rates_rotated: true, errors: [] };
  let bpfBefore: string | undefined;
  try {
    bpfBefore = setBpfStats(true);
    res.bpf_stats = true;
  } catch (e) {
    res.errors.push(`kernel.bpf_stats_enabled could not be set: ${String(e)}`);
  }
  const unregister = onAbort(() => bpfBefore !== undefined && setBpfStats(bpfBefore === '1'));
  try {
    for (let round = 0; round < params.rounds; round++) {
      const order = PEERS.map((_, i) => PEERS[(i + round) % PEERS.length]!);
      for (const name of order) await peerRound(res, name, round, pace);
    }
  } finally {
    if (bpfBefore !== undefined) setBpfStats(bpfBefore === '1');
    unregister();
  }
  summarize(res);
  return res;
}
