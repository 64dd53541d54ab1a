// What a logging stack costs, read from /proc: the user+system CPU of a process and all its
// descendants (laurel's method: every process of the stack, e.g. auditd and the laurel it forked),
// the kernel's own run time of the BPF programs those processes hold (kernel.bpf_stats_enabled),
// and the host's fork counter (how many processes the whole machine started meanwhile).
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

interface Stat {
  ppid: number;
  cpuS: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the comm (which may hold spaces and parentheses): state is field 3, ppid 4, utime 14, stime 15.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** The process and every live descendant of it, with their CPU seconds (all threads of each). */
export function processTree(root: number): Map<number, number> {
  const all = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.set(Number(name), st);
  }
  const tree = new Map<number, number>();
  const rootStat = all.get(root);
  if (!rootStat) return tree;
  tree.set(root, rootStat.cpuS);
  // Parents before children is not guaranteed by pid order (pids wrap): repeat until nothing is added.
  for (let added = true; added; ) {
    added = false;
    for (const [pid, st] of all) {
      if (!tree.has(pid) && tree.has(st.ppid)) {
        tree.set(pid, st.cpuS);
        added = true;
      }
    }
  }
  return tree;
}

/** utime+stime of the stack rooted at `root`, in seconds, and how many processes it has. */
export function stackCpu(root: number): { cpuS: number; procs: number } {
  const t = processTree(root);
  let cpuS = 0;
  for (const c of t.values()) cpuS += c;
  return { cpuS, procs: t.size };
}

/**
 * Total run_time_ns and run_cnt of the BPF programs the given processes hold open (each program
 * once, however many fds or links point at it). Zero unless kernel.bpf_stats_enabled is 1.
 */
export function bpfProgStats(pids: Iterable<number>): { runNs: number; runCnt: number; progs: number } {
  const seen = new Set<number>();
  let runNs = 0;
  let runCnt = 0;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let info: string;
      try {
        if (!readlinkSync(`/proc/${pid}/fd/${fd}`).includes('bpf-prog')) continue;
        info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      } catch {
        continue;
      }
      const id = /^prog_id:\s+(\d+)/m.exec(info);
      if (!id || seen.has(Number(id[1]))) continue;
      seen.add(Number(id[1]));
      runNs += Number(/^run_time_ns:\s+(\d+)/m.exec(info)?.[1] ?? 0);
      runCnt += Number(/^run_cnt:\s+(\d+)/m.exec(info)?.[1] ?? 0);
    }
  }
  return { runNs, runCnt, progs: seen.size };
}

/** Processes the host has forked since boot (/proc/stat `processes`). */
export function hostForks(): number {
  return Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? NaN);
}

/** The 1-minute load average. */
export function load1(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Sets kernel.bpf_stats_enabled; returns the value it had. */
export function setBpfStats(on: boolean): string {
  const path = '/proc/sys/kernel/bpf_stats_enabled';
  const before = readFileSync(path, 'utf8').trim();
  writeFileSync(path, on ? '1' : '0');
  return before;
}
