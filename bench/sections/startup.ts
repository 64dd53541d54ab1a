// prec's start-up: a query over an empty log next to `node -e 0` (node's own start), run in turn
// (A B C A B C ...), wall and CPU time (GNU time) of each run, medians. Every prec invocation pays it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartupRow {
  what: string;
  command: string;
  wall_ms: number[];
  median_wall_ms: number;
  median_cpu_ms: number;
}

export interface StartupResult {
  rounds: number;
  rows: StartupRow[];
  /** Load average (1, 5, 15 min) at the end: the machine is shared. */
  load: number[];
  error?: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/** Wall and CPU (user + system) milliseconds of one run, from GNU time. */
function timed(argv: string[]): { wall: number; cpu: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const [wall, user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (r.status !== 0 || wall === undefined || Number.isNaN(wall)) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr.slice(0, 200)}`);
  return { wall: wall * 1000, cpu: ((user ?? 0) + (sys ?? 0)) * 1000 };
}

export async function startupSection(repo: string, rounds: number): Promise<StartupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'prec-startup-'));
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const prec = join(repo, 'bin', 'prec.js');
  const runs: [string, string, string[]][] = [
    ['node itself', 'node -e 0', [process.execPath, '-e', '0']],
    ['prec, a query over an empty log', 'prec -i EMPTY -q user=nginx', [process.execPath, prec, '-i', empty, '-q', 'user=nginx']],
    ['prec --version', 'prec --version', [process.execPath, prec, '--version']],
  ];
  const walls: number[][] = runs.map(() => []);
  const cpus: number[][] = runs.map(() => []);
  try {
    for (let i = 0; i < rounds; i++) {
      for (const [k, [, , argv]] of runs.entries()) {
        const t = timed(argv);
        walls[k]!.push(t.wall);
        cpus[k]!.push(t.cpu);
      }
    }
    const rows = runs.map(([what, command], k) => ({ what, command, wall_ms: walls[k]!, median_wall_ms: median(walls[k]!), median_cpu_ms: median(cpus[k]!) }));
    return { rounds, rows, load: loadavg() };
  } catch (e) {
    return { rounds, rows: [], load: loadavg(), error: String(e).slice(0, 300) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
