// Process plumbing for the benchmarks: timed shell commands with peak RSS (GNU time), CPU and RSS
// of a running process from /proc, Debian packages installed on demand.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What must be undone if the harness is interrupted: loaded audit rules, running tracers.
const aborters = new Set<() => void>();

/** Registers an undo step for an interrupted run; returns its unregistration. */
export function onAbort(fn: () => void): () => void {
  aborters.add(fn);
  return () => void aborters.delete(fn);
}

export function runAborters(): void {
  for (const f of aborters) {
    try {
      f();
    } catch {
      // best effort: the next undo step still runs
    }
  }
  aborters.clear();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const T0 = Date.now();

export function log(msg: string): void {
  const s = Math.round((Date.now() - T0) / 1000);
  process.stderr.write(`bench [${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]: ${msg}\n`);
}

/** Installs the Debian packages that are missing (idempotent); returns what it installed. */
export function ensurePackages(pkgs: string[]): string[] {
  const missing = pkgs.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return !r.stdout.includes('install ok installed');
  });
  if (missing.length === 0) return [];
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, encoding: 'utf8' });
  }
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed: ${r.stderr.trim().split('\n').pop()}`);
  return missing;
}

export interface Timed {
  wallS: number;
  maxRssKb: number;
  userS: number;
  sysS: number;
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bash -c CMD` under GNU time. Wall time is measured here (monotonic, sub-ms); peak RSS is
 * GNU time's %M: the largest max-RSS of any process of the pipeline (getrusage of the children).
 */
export async function timed(cmd: string, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'time');
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', out, 'bash', '-o', 'pipefail', '-c', cmd], {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    if (stdout.length < 1 << 20) stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 1 << 16) stderr += s;
  });
  const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
  const status = await new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)));
  if (timer) clearTimeout(timer);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const text = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').pop() ?? '' : '';
  rmSync(dir, { recursive: true, force: true });
  const [m, u, s] = text.split(' ').map(Number);
  return { wallS, maxRssKb: m ?? NaN, userS: u ?? NaN, sysS: s ?? NaN, status, stdout, stderr };
}

const TICKS = 100; // USER_HZ on Linux

/** utime + stime of every thread of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the comm: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Current and peak resident set size, and the private (anonymous) part of the current, in kB. */
export function rssKb(pid: number): { rss: number; hwm: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: get('VmRSS'), hwm: get('VmHWM'), anon: get('RssAnon') };
}

/** Samples a process's RSS every `everyMs` until stopped; returns the largest VmRSS and RssAnon seen (kB). */
export function rssSampler(pid: number, everyMs = 100): { stop(): { rss: number; anon: number } } {
  let rss = 0;
  let anon = 0;
  const tick = () => {
    try {
      const r = rssKb(pid);
      rss = Math.max(rss, r.rss);
      anon = Math.max(anon, r.anon);
    } catch {
      // the process is gone; keep what was seen
    }
  };
  tick();
  const t = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(t);
      tick();
      return { rss, anon };
    },
  };
}

/** Waits until a process's CPU time stops growing (it has drained its backlog). */
export async function waitCpuQuiet(pid: number, maxMs = 20_000, quietMs = 600, epsilonS = 0.02): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = cpuSeconds(pid);
    if (now - last <= epsilonS) return;
    last = now;
  }
}

/** Runs a command to completion, returns stdout; throws with stderr on failure. */
export function mustRun(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1]!;
}
