// precd's metrics file as monitoring sees it: Debian's real prometheus-node-exporter, on a loopback
// port with only its textfile collector, reads the file precd writes (in a temp directory, never
// /var/lib/prometheus) and serves it on /metrics. After a forced loss (1 MiB ring, precd stopped
// with SIGSTOP during a burst) prec_lost_samples_total is above zero there, and the ring buffer's
// high-water mark shows how full the ring got (at least half of it, never more than all of it).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Precd, marker, recordsFor, run, sleep } from '../helpers/precd.js';

const EXPORTER = '/usr/bin/prometheus-node-exporter';
const skip = existsSync(EXPORTER) ? undefined : `${EXPORTER} is not installed (packaging/setup.sh installs it)`;

/** A port nothing listens on right now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** node_exporter serving only `dir`'s *.prom files; stopped by pid when the test ends. */
async function startExporter(t: TestContext, dir: string): Promise<string> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    EXPORTER,
    [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`, '--web.disable-exporter-metrics'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    assert.equal(child.exitCode, null, `node_exporter exited: ${err}`);
    try {
      if ((await fetch(url)).ok) return url;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < deadline, `node_exporter did not answer on ${url}: ${err}`);
    await sleep(100);
  }
}

/** The samples of a scrape: `name{labels}` -> value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Scrapes until `done` holds; fails with the last scrape after a generous bound (not a speed check). */
async function scrapeUntil(url: string, done: (s: Map<string, number>) => boolean, what: string): Promise<Map<string, number>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await scrape(url);
    if (done(s)) return s;
    assert.ok(Date.now() < deadline, `${what}; last scrape: ${JSON.stringify(Object.fromEntries([...s].filter(([k]) => k.startsWith('prec_'))))}`);
    await sleep(200);
  }
}

test('node_exporter serves precd\'s counters from metrics_path; a forced loss shows as prec_lost_samples_total > 0', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'prec-textfiles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = await startExporter(t, dir);
  const m = marker();
  const precd = await Precd.start({
    config: { metrics_path: join(dir, 'prec.prom'), metrics_interval_s: 1, ring_buffer_mb: 1, filter_default: 'deny', filter: [`+argv~=${m}`] },
  });
  t.after(() => precd.cleanup());

  run('/bin/true', [`${m}-one`]);
  const s = await scrapeUntil(url, (x) => (x.get('prec_records_written_total{type="start"}') ?? 0) >= 1 && (x.get('prec_flushes_total') ?? 0) >= 1, 'the start shows up');
  assert.equal(s.get('node_textfile_scrape_error'), 0, 'node_exporter parsed the file');
  assert.equal(s.get('prec_ring_buffer_bytes'), 1024 * 1024);
  const hw0 = s.get('prec_ring_buffer_high_water_bytes');
  assert.ok(hw0 !== undefined && hw0 >= 0 && hw0 <= 1024 * 1024, `high-water mark within the ring: ${hw0}`);
  assert.equal(s.get('prec_lost_samples_total'), 0);
  assert.equal(s.get('prec_write_errors_total'), 0);
  assert.ok(s.get('prec_bytes_written_total')! > 0);
  assert.ok(s.get('prec_compressed_bytes_total')! > 0);
  const start = s.get('prec_start_time_seconds')!;
  assert.ok(start > 1.5e9 && s.get('prec_last_flush_timestamp_seconds')! >= start);
  assert.ok([...s.keys()].some((k) => /^prec_build_info\{.*version="\d+\.\d+\.\d+"/.test(k)), 'prec_build_info{version}');

  // Forced loss, as in precd-filters-loss: the burst overflows the 1 MiB ring while precd is stopped.
  process.kill(precd.pid, 'SIGSTOP');
  try {
    const pad = 'p'.repeat(4000);
    run('sh', ['-c', `i=0; while [ $i -lt 1500 ]; do /bin/true ${m}-$i ${pad}; i=$((i+1)); done`]);
  } finally {
    process.kill(precd.pid, 'SIGCONT');
  }
  const before = s.get('prec_records_written_total{type="start"}')!;
  const after = await scrapeUntil(
    url,
    (x) => (x.get('prec_lost_samples_total') ?? 0) > 0 && x.get('prec_records_written_total{type="start"}')! > before,
    'prec_lost_samples_total rises after the forced loss, and the burst\'s starts that fit in the ring are counted',
  );
  assert.ok((after.get('prec_records_written_total{type="loss"}') ?? 0) >= 1, 'the loss record is counted too');
  // The ring overflowed while precd was stopped: when its reader woke, the ring was (nearly) full.
  const hw = after.get('prec_ring_buffer_high_water_bytes')!;
  assert.ok(hw >= 512 * 1024 && hw <= 1024 * 1024, `high-water mark after the overflow: ${hw} (capacity 1048576)`);
  assert.ok(hw >= hw0!, 'the high-water mark never goes down');
  assert.equal(after.get('node_textfile_scrape_error'), 0);
});

test('a missing metrics directory is said once on stderr and precd keeps recording', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'prec-nometrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = marker();
  const precd = await Precd.start({ config: { metrics_path: join(dir, 'absent', 'prec.prom'), metrics_interval_s: 1 } });
  t.after(() => precd.cleanup());
  await precd.waitForStderr(/metrics: directory .*absent does not exist/);
  run('/bin/true', [m]);
  await precd.waitForRecords((all) => recordsFor(all, m).ends.length >= 1);
  const stopped = await precd.stop();
  assert.equal(stopped.code, 0, precd.stderr);
  assert.equal(precd.stderr.match(/metrics: /g)?.length, 1, precd.stderr);
});
