// Capture completeness at the machine's maximum exec rate: the storm alone (the rate), then under
// precd, auditd and bpftrace; for precd also its CPU per 10,000 execs and its RSS under the storm.
import { cpuSeconds, log, rssKb, rssSampler, waitCpuQuiet } from '../lib/proc.js';
import { AuditdTracer, BpftraceTracer, PrecdTracer, type Capture } from '../lib/tracers.js';
import { expectedMarkers, runStorm, STORM_PROGRAM, uniquePrefix, type StormResult } from '../lib/storm.js';

export interface CaptureRow {
  tracer: 'none' | 'precd' | 'auditd' | 'bpftrace';
  n: number;
  p: number;
  wall_s: number;
  execs_per_s: number;
  /** Fractions of the storm's execs; null where the tracer has no such record. */
  start_found: number | null;
  end_found: number | null;
  full_argv: number | null;
  lost: number | null;
  /** precd only */
  cpu_s?: number;
  cpu_s_per_10k?: number;
  rss_max_mb?: number;
  rss_hwm_mb?: number;
  /** Largest private (anonymous) part of the RSS: what precd itself allocated. */
  rss_anon_max_mb?: number;
  bytes_per_command?: number;
  error?: string;
}

export interface CaptureResults {
  rows: CaptureRow[];
}

function fromCapture(tracer: CaptureRow['tracer'], s: StormResult, c: Capture, withEnds: boolean): CaptureRow {
  const expected = expectedMarkers(s.n, s.p, s.prefix);
  let found = 0;
  for (const m of c.started) if (expected.has(m)) found++;
  return {
    tracer,
    n: s.n,
    p: s.p,
    wall_s: s.wall_s,
    execs_per_s: s.execs_per_s,
    start_found: found / s.n,
    end_found: withEnds ? (c.ended ?? 0) / s.n : null,
    full_argv: c.fullArgv / s.n,
    lost: c.lost,
  };
}

const errorRow = (tracer: CaptureRow['tracer'], n: number, p: number, e: unknown): CaptureRow => ({
  tracer,
  n,
  p,
  wall_s: NaN,
  execs_per_s: NaN,
  start_found: null,
  end_found: null,
  full_argv: null,
  lost: null,
  error: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300),
});

export async function captureSection(storm: string, ps: number[], nPrecd: number, nPeer: number): Promise<CaptureResults> {
  const rows: CaptureRow[] = [];

  for (const p of ps) {
    log(`capture: storm alone, N=${nPeer} P=${p}`);
    const s = await runStorm(storm, nPeer, p, uniquePrefix('none'));
    rows.push({ tracer: 'none', n: s.n, p, wall_s: s.wall_s, execs_per_s: s.execs_per_s, start_found: null, end_found: null, full_argv: null, lost: null });
  }

  for (const p of ps) {
    log(`capture: precd, N=${nPrecd} P=${p}`);
    let d: PrecdTracer | undefined;
    try {
      d = await PrecdTracer.start();
      const prefix = uniquePrefix('precd');
      const cpu0 = cpuSeconds(d.pid);
      const rss = rssSampler(d.pid);
      const s = await runStorm(storm, nPrecd, p, prefix);
      await waitCpuQuiet(d.pid);
      const cpu = cpuSeconds(d.pid) - cpu0;
      const rssMax = rss.stop();
      const hwm = rssKb(d.pid).hwm;
      await d.stop();
      const c = d.capture(prefix, STORM_PROGRAM);
      rows.push({
        ...fromCapture('precd', s, c, true),
        cpu_s: cpu,
        cpu_s_per_10k: (cpu / s.n) * 10_000,
        rss_max_mb: rssMax.rss / 1024,
        rss_hwm_mb: hwm / 1024,
        rss_anon_max_mb: rssMax.anon / 1024,
        bytes_per_command: c.bytes / c.execRecords,
      });
    } catch (e) {
      rows.push(errorRow('precd', nPrecd, p, e));
    } finally {
      await d?.cleanup().catch(() => undefined);
    }
  }

  // auditd keeps running across both storms; the rule is on only while a storm runs.
  let a: AuditdTracer | undefined;
  try {
    a = await AuditdTracer.start();
    for (const p of ps) {
      log(`capture: auditd, N=${nPeer} P=${p}`);
      const prefix = uniquePrefix('audit');
      a.rulesOn();
      const s = await runStorm(storm, nPeer, p, prefix);
      await a.drain();
      const lost = a.lostSinceRules();
      a.rulesOff();
      const c = a.capture(prefix, STORM_PROGRAM, lost);
      rows.push({ ...fromCapture('auditd', s, c, false), bytes_per_command: c.bytes / c.execRecords });
    }
  } catch (e) {
    for (const p of ps) if (!rows.some((r) => r.tracer === 'auditd' && r.p === p)) rows.push(errorRow('auditd', nPeer, p, e));
  } finally {
    await a?.stop().catch(() => undefined);
    a?.cleanup();
  }

  for (const p of ps) {
    log(`capture: bpftrace, N=${nPeer} P=${p}`);
    let b: BpftraceTracer | undefined;
    try {
      b = await BpftraceTracer.start();
      const prefix = uniquePrefix('bpft');
      const s = await runStorm(storm, nPeer, p, prefix);
      await b.stop();
      rows.push(fromCapture('bpftrace', s, b.capture(prefix, STORM_PROGRAM), false));
    } catch (e) {
      rows.push(errorRow('bpftrace', nPeer, p, e));
      await b?.stop().catch(() => undefined);
    } finally {
      b?.cleanup();
    }
  }
  return { rows };
}
