// precd's resident memory under an exec storm: the real precd (embedded defaults but a temp log and
// lock) while two shell loops exec 20,000 short-lived programs with unique argv; VmRSS sampled every
// 100 ms, VmHWM at the end. Goal (SPEC 10): <= 100 MB.
//
//   npx tsc -p . && node build/bench/precd-rss.bench.js [--execs N]      (root)
//
// Node flags side by side: `--variants 'FLAGS|FLAGS|...' --rounds R` runs precd with each flag set
// in turn (A B C A B C ...; `default` = bin/precd.js's own line), then prints each one's medians.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Precd, PRECD_NODE_FLAGS, marker, recordsFor } from '../test/helpers/precd.js';

function kb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function loop(mark: string, w: number, n: number): Promise<void> {
  const script = `i=0; while [ $i -lt ${n} ]; do /bin/true ${mark}-${w}-$i; i=$((i+1)); done`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', () => resolve()));
}

/** precd's CPU seconds so far (user + system), from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Result { hwm: number; anonMax: number; cpu: number }

async function main(): Promise<void> {
  const execs = Number(arg('--execs') ?? 20_000);
  const variants = arg('--variants');
  if (variants === undefined) {
    await measure(execs, PRECD_NODE_FLAGS);
    return;
  }
  const sets = variants.split('|').map((v) => (v.trim() === 'default' ? PRECD_NODE_FLAGS : v.trim().split(/\s+/).filter((f) => f !== '')));
  const rounds = Number(arg('--rounds') ?? 3);
  const results: Result[][] = sets.map(() => []);
  for (let r = 0; r < rounds; r++) for (const [k, flags] of sets.entries()) results[k]!.push(await measure(execs, flags));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [k, flags] of sets.entries()) {
    const rs = results[k]!;
    console.log(`[${flags.join(' ')}] VmHWM median ${median(rs.map((x) => x.hwm)).toFixed(1)} MB (${rs.map((x) => x.hwm.toFixed(1)).join(', ')}); ` +
      `RssAnon max median ${median(rs.map((x) => x.anonMax)).toFixed(1)} MB; CPU median ${median(rs.map((x) => x.cpu)).toFixed(2)} s (${rs.map((x) => x.cpu.toFixed(2)).join(', ')})`);
  }
}

async function measure(execs: number, nodeFlags: readonly string[]): Promise<Result> {
  const precd = await Precd.start({ config: { flush_interval_ms: 200 }, nodeFlags, readyTimeoutMs: 180_000 });
  try {
    const idle = kb(precd.pid, 'VmRSS');
    const idleAnon = kb(precd.pid, 'RssAnon');
    let max = idle;
    let maxAnon = idleAnon;
    const timer = setInterval(() => {
      max = Math.max(max, kb(precd.pid, 'VmRSS'));
      maxAnon = Math.max(maxAnon, kb(precd.pid, 'RssAnon'));
    }, 100);
    const m = marker();
    const cpu0 = cpuSeconds(precd.pid);
    const t0 = Date.now();
    await Promise.all([loop(m, 0, execs / 2), loop(m, 1, execs / 2)]);
    const seconds = (Date.now() - t0) / 1000;
    const recs = await precd.waitForRecords((all) => recordsFor(all, m).ends.length >= execs, 120_000);
    clearInterval(timer);
    const hwm = kb(precd.pid, 'VmHWM');
    const cpu = cpuSeconds(precd.pid) - cpu0;
    const got = recordsFor(recs, m);
    console.log(`precd RSS: idle ${(idle / 1024).toFixed(1)} MB, max sampled under the storm ${(max / 1024).toFixed(1)} MB, high-water mark ${(hwm / 1024).toFixed(1)} MB (goal <= 100 MB)`);
    console.log(`of which private (RssAnon): idle ${(idleAnon / 1024).toFixed(1)} MB, max ${(maxAnon / 1024).toFixed(1)} MB; the rest is file-backed node text and the ring-buffer mapping`);
    console.log(`node flags: ${nodeFlags.join(' ')}; precd CPU during the storm ${cpu.toFixed(2)} s`);
    console.log(`storm: ${execs} execs in ${seconds.toFixed(1)} s (${Math.round(execs / seconds)}/s); recorded ${got.starts.length} starts, ${got.ends.length} ends`);
    console.log(JSON.stringify({ bench: 'precd_rss', execs, idle_mb: idle / 1024, rss_max_mb: max / 1024, rss_hwm_mb: hwm / 1024, anon_idle_mb: idleAnon / 1024, anon_max_mb: maxAnon / 1024, starts: got.starts.length, ends: got.ends.length, storm_s: seconds, cpu_s: cpu, node_flags: nodeFlags }));
    return { hwm: hwm / 1024, anonMax: maxAnon / 1024, cpu };
  } finally {
    await precd.cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`precd-rss bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
