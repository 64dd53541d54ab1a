// precd's metrics file (metrics.ts): the Prometheus text format it renders, and how the file is
// replaced (atomically, in a temp directory here) and what is said when it cannot be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsFile, renderMetrics, type MetricsSnapshot } from '../../src/daemon/metrics.js';

const SNAP: MetricsSnapshot = {
  recordsWritten: { start: 10, end: 9, fail: 1, loss: 2 },
  lostSamples: 37,
  ringBufferBytes: 16 * 1024 * 1024,
  ringBufferHighWaterBytes: 409_600,
  bytesWritten: 123_456,
  compressedBytes: 7_890,
  flushes: 42,
  writeErrors: 3,
  lastFlushMs: 1_765_000_000_250,
  startMs: 1_765_000_000_000,
  version: '0.1.0',
};

/** name{labels} -> value, and the TYPE of each family, from an exposition text. */
function parse(text: string): { samples: Map<string, string>; types: Map<string, string>; helps: Set<string> } {
  const samples = new Map<string, string>();
  const types = new Map<string, string>();
  const helps = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\w+) (counter|gauge)$/.exec(line);
    if (t) {
      types.set(t[1]!, t[2]!);
      continue;
    }
    const h = /^# HELP (\w+) \S/.exec(line);
    if (h) {
      helps.add(h[1]!);
      continue;
    }
    const m = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    samples.set(m[1]!, m[2]!);
  }
  return { samples, types, helps };
}

/** Runs `fn` with a fresh temp directory, removed afterwards. */
function inTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'prec-metrics-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every metric of SPEC 9 is rendered with its value, TYPE and HELP', () => {
  const text = renderMetrics(SNAP);
  assert.ok(text.endsWith('\n'));
  const { samples, types, helps } = parse(text);
  assert.deepEqual(Object.fromEntries(samples), {
    'prec_records_written_total{type="end"}': '9',
    'prec_records_written_total{type="fail"}': '1',
    'prec_records_written_total{type="loss"}': '2',
    'prec_records_written_total{type="start"}': '10',
    prec_lost_samples_total: '37',
    prec_ring_buffer_bytes: '16777216',
    prec_ring_buffer_high_water_bytes: '409600',
    prec_bytes_written_total: '123456',
    prec_compressed_bytes_total: '7890',
    prec_flushes_total: '42',
    prec_write_errors_total: '3',
    prec_last_flush_timestamp_seconds: '1765000000.250',
    prec_start_time_seconds: '1765000000',
    [`prec_build_info{version="0.1.0",node="${process.version}"}`]: '1',
  });
  for (const name of new Set([...samples.keys()].map((k) => k.replace(/\{.*/, '')))) {
    assert.ok(helps.has(name), `HELP for ${name}`);
    assert.equal(types.get(name), name.endsWith('_total') ? 'counter' : 'gauge', `TYPE of ${name}`);
  }
});

test('before the first flush the last flush time is the start time (an idle start does not look like a stall)', () => {
  const { samples } = parse(renderMetrics({ ...SNAP, lastFlushMs: undefined }));
  assert.equal(samples.get('prec_last_flush_timestamp_seconds'), '1765000000');
});

test('label values escape backslash, double quote and newline', () => {
  const { samples } = parse(renderMetrics({ ...SNAP, version: 'a"b\\c\nd' }));
  assert.ok(samples.has(`prec_build_info{version="a\\"b\\\\c\\nd",node="${process.version}"}`), [...samples.keys()].join('\n'));
});

test('the file is replaced with the current snapshot, 0644 whatever the umask, with no temp file left in the directory', () => {
  const umask = process.umask(0o027); // precd.service's
  try {
    inTempDir(checkReplaced);
  } finally {
    process.umask(umask);
  }
});

function checkReplaced(dir: string): void {
  const path = join(dir, 'prec.prom');
  let flushes = 1;
  const said: string[] = [];
  const m = new MetricsFile({ path, intervalS: 3600, snapshot: () => ({ ...SNAP, flushes }), report: (s) => said.push(s) });
  m.write();
  assert.match(readFileSync(path, 'utf8'), /^prec_flushes_total 1$/m);
  flushes = 2;
  m.write();
  assert.match(readFileSync(path, 'utf8'), /^prec_flushes_total 2$/m);
  assert.equal(statSync(path).mode & 0o777, 0o644);
  assert.deepEqual(readdirSync(dir), ['prec.prom']);
  assert.deepEqual(said, []);
}

test('a missing directory is said once, not thrown; writing starts when the directory appears', () => {
  inTempDir((dir) => {
    const textfiles = join(dir, 'node-exporter');
    const path = join(textfiles, 'prec.prom');
    const said: string[] = [];
    const m = new MetricsFile({ path, intervalS: 15, snapshot: () => SNAP, report: (s) => said.push(s) });
    m.write();
    m.write();
    m.write();
    assert.deepEqual(said, [`metrics: directory ${textfiles} does not exist (prometheus-node-exporter not installed?): no metrics file until it does`]);
    mkdirSync(textfiles);
    m.write();
    assert.equal(said[1], `metrics: writing ${path} again`);
    assert.equal(said.length, 2);
    assert.match(readFileSync(path, 'utf8'), /^prec_lost_samples_total 37$/m);
  });
});

test('start() writes at once and stop() writes the final counts', () => {
  inTempDir((dir) => {
    const path = join(dir, 'prec.prom');
    let lost = 0;
    const m = new MetricsFile({ path, intervalS: 3600, snapshot: () => ({ ...SNAP, lostSamples: lost }), report: () => {} });
    m.start();
    assert.match(readFileSync(path, 'utf8'), /^prec_lost_samples_total 0$/m);
    lost = 5;
    m.stop();
    assert.match(readFileSync(path, 'utf8'), /^prec_lost_samples_total 5$/m);
  });
});
