// Workload slowdown: the same storm with a tracer off (A) and on (B), alternated A B A B ... so that
// the shared machine's drift hits both sides alike; the figure is the median of the pair ratios B/A.
import { log, median } from '../lib/proc.js';
import { AuditdTracer, PrecdTracer } from '../lib/tracers.js';
import { runStorm, uniquePrefix, type StormResult } from '../lib/storm.js';

export interface SlowdownResult {
  tracer: 'precd' | 'auditd';
  n: number;
  p: number;
  pairs: { off_s: number; on_s: number; ratio: number; off_cpu_s: number; on_cpu_s: number; cpu_ratio: number }[];
  median_ratio: number;
  /** The same for the storm's own CPU time (a second view, steadier under other load). */
  median_cpu_ratio: number;
  /** (median_ratio - 1) as a percentage */
  slowdown_pct: number;
  error?: string;
}

function summarize(tracer: SlowdownResult['tracer'], n: number, p: number, pairs: SlowdownResult['pairs']): SlowdownResult {
  const r = median(pairs.map((x) => x.ratio));
  return { tracer, n, p, pairs, median_ratio: r, median_cpu_ratio: median(pairs.map((x) => x.cpu_ratio)), slowdown_pct: (r - 1) * 100 };
}

const pair = (off: StormResult, on: StormResult): SlowdownResult['pairs'][number] => ({
  off_s: off.wall_s,
  on_s: on.wall_s,
  ratio: on.wall_s / off.wall_s,
  off_cpu_s: off.cpu_s,
  on_cpu_s: on.cpu_s,
  cpu_ratio: on.cpu_s / off.cpu_s,
});

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

/** precd is started before each B run and stopped after it (off really means no daemon, no probes). */
export async function precdSlowdown(storm: string, n: number, p: number, pairs: number): Promise<SlowdownResult> {
  const out: SlowdownResult['pairs'] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      log(`slowdown precd: pair ${i + 1}/${pairs}`);
      const off = await runStorm(storm, n, p, uniquePrefix('off'));
      const d = await PrecdTracer.start();
      let on;
      try {
        on = await runStorm(storm, n, p, uniquePrefix('on'));
      } finally {
        await d.cleanup();
      }
      out.push(pair(off, on));
    }
    return summarize('precd', n, p, out);
  } catch (e) {
    return { ...summarize('precd', n, p, out), error: msg(e) };
  }
}

/** auditd runs throughout; B loads the exec rule, A removes it (the daemon idles without rules). */
export async function auditdSlowdown(storm: string, n: number, p: number, pairs: number): Promise<SlowdownResult> {
  const out: SlowdownResult['pairs'] = [];
  let a: AuditdTracer | undefined;
  try {
    a = await AuditdTracer.start();
    for (let i = 0; i < pairs; i++) {
      log(`slowdown auditd: pair ${i + 1}/${pairs}`);
      const off = await runStorm(storm, n, p, uniquePrefix('off'));
      a.rulesOn();
      let on;
      try {
        on = await runStorm(storm, n, p, uniquePrefix('on'));
        await a.drain();
      } finally {
        a.rulesOff();
      }
      out.push(pair(off, on));
    }
    return summarize('auditd', n, p, out);
  } catch (e) {
    return { ...summarize('auditd', n, p, out), error: msg(e) };
  } finally {
    await a?.stop().catch(() => undefined);
    a?.cleanup();
  }
}
