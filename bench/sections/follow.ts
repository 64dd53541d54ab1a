// Follow latency: precd on its defaults (flush_interval_ms = 200) and `prec -F -A -o json` on its
// log; each sample execs /bin/true with a unique marker and times exec -> the marker's line on
// prec's stdout. Samples are spaced 20-60 ms apart at random so they fall on every phase of the
// flush timer.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { log, onAbort, percentile, sleep } from '../lib/proc.js';
import { PrecdTracer } from '../lib/tracers.js';
import { uniquePrefix } from '../lib/storm.js';

export interface FollowResult {
  samples: number;
  received: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  command: string;
  error?: string;
}

export async function followSection(repoRoot: string, samples: number): Promise<FollowResult> {
  const prefix = uniquePrefix('follow');
  const command = 'prec -F -A -o json -i LOG';
  let d: PrecdTracer | undefined;
  let prec: ReturnType<typeof spawn> | undefined;
  const sent = new Map<string, bigint>();
  const got = new Map<string, bigint>();
  let stderr = '';
  let unregister = (): void => undefined;
  try {
    d = await PrecdTracer.start();
    prec = spawn(process.execPath, [join(repoRoot, 'bin', 'prec.js'), '-F', '-A', '-o', 'json', '-i', d.logPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const re = new RegExp(`${prefix}-(w|\\d+)`, 'g');
    let buf = '';
    prec.stdout!.setEncoding('utf8').on('data', (s: string) => {
      const now = process.hrtime.bigint();
      buf += s;
      const nl = buf.lastIndexOf('\n');
      if (nl < 0) return;
      const done = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      for (const m of done.matchAll(re)) if (!got.has(m[1]!)) got.set(m[1]!, now);
    });
    prec.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let exited = false;
    prec.on('exit', () => (exited = true));
    const p = prec;
    unregister = onAbort(() => p.kill('SIGKILL'));

    // Warm up: exec until prec prints one, so the samples measure steady state.
    const deadline = Date.now() + 30_000;
    while (!got.has('w')) {
      if (exited) throw new Error(`prec -F exited: ${stderr.trim().split('\n')[0] ?? ''}`);
      if (Date.now() > deadline) throw new Error(`prec -F printed no warm-up line within 30 s: ${stderr.trim().split('\n')[0] ?? ''}`);
      spawn('/bin/true', [`${prefix}-w`], { stdio: 'ignore' });
      await sleep(300);
    }
    log(`follow: ${samples} samples`);
    for (let i = 0; i < samples; i++) {
      sent.set(String(i), process.hrtime.bigint());
      spawn('/bin/true', [`${prefix}-${i}`], { stdio: 'ignore' });
      await sleep(20 + Math.random() * 40);
    }
    const end = Date.now() + 5_000;
    while (Date.now() < end && [...sent.keys()].some((k) => !got.has(k))) await sleep(50);
  } catch (e) {
    return { samples, received: 0, p50_ms: NaN, p99_ms: NaN, max_ms: NaN, command, error: String(e).slice(0, 300) };
  } finally {
    if (prec && prec.exitCode === null && prec.signalCode === null) {
      const gone = new Promise((res) => prec!.once('exit', res));
      prec.kill('SIGINT');
      await Promise.race([gone, sleep(5_000)]);
      if (prec.exitCode === null && prec.signalCode === null) prec.kill('SIGKILL');
    }
    unregister();
    await d?.cleanup().catch(() => undefined);
  }
  // A sample that never arrived counts as infinitely late: it pushes p99 up, as it should.
  const lat = [...sent].map(([k, t0]) => (got.has(k) ? Number(got.get(k)! - t0) / 1e6 : Infinity));
  const received = lat.filter(Number.isFinite).length;
  return { samples, received, p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99), max_ms: Math.max(...lat), command };
}
