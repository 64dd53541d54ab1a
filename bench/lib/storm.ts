// The exec-storm driver (bench/storm.c): compiled on demand, run as a child, its JSON line parsed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { mustRun } from './proc.js';

export interface StormResult {
  n: number;
  p: number;
  prefix: string;
  program: string;
  wall_s: number;
  cpu_s: number;
  execs_per_s: number;
  failed: number;
}

export const STORM_PROGRAM = '/bin/true';

export function buildStorm(repoRoot: string): string {
  return buildTool(repoRoot, 'storm');
}

/** Compiles bench/NAME.c to build/bench/NAME when the source is newer; returns the binary. */
export function buildTool(repoRoot: string, name: string): string {
  const src = join(repoRoot, 'bench', `${name}.c`);
  const bin = join(repoRoot, 'build', 'bench', name);
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(join(repoRoot, 'build', 'bench'), { recursive: true });
    mustRun('gcc', ['-O2', '-Wall', '-Wextra', '-o', bin, src]);
  }
  return bin;
}

/** A prefix no other run (or other process on the host) uses. */
export function uniquePrefix(tag: string): string {
  return `precbench${tag}${randomBytes(4).toString('hex')}`;
}

export function runStorm(bin: string, n: number, p: number, prefix: string): Promise<StormResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [String(n), String(p), prefix, STORM_PROGRAM], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('close', (code) => {
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as StormResult;
        if (code !== 0 && r.failed === 0) throw new Error(`exit ${code}`);
        resolve(r);
      } catch (e) {
        reject(new Error(`storm ${n} ${p} failed (${code}): ${err.trim() || String(e)}`));
      }
    });
  });
}

/** The markers a storm of N execs over P workers puts into argv[1]. */
export function expectedMarkers(n: number, p: number, prefix: string): Set<string> {
  const s = new Set<string>();
  for (let w = 0; w < p; w++) {
    const count = Math.floor(n / p) + (w < n % p ? 1 : 0);
    for (let i = 0; i < count; i++) s.add(`${prefix}-${w}-${i}`);
  }
  return s;
}
