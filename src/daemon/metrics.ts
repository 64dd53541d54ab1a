// precd's metrics for monitoring, without a network port: a Prometheus text-format file that
// node_exporter's textfile collector serves (SPEC sections 6 and 9, `metrics_path`). The daemon's
// modules keep plain counters; this module only turns a snapshot of them into the exposition format
// and replaces the file atomically (temp file in the same directory + rename), so that a scrape never
// sees half a file. A missing directory (node_exporter not installed) is not an error: said once.
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { systemErrorText } from './errors.js';

/** What precd has done since it started; counters only grow. */
export interface MetricsSnapshot {
  /** Records handed to the log, by record type (start, end, fail, loss, ...). */
  readonly recordsWritten: Readonly<Record<string, number>>;
  /** Events lost in the kernel plus records the writer could not write (lost_samples_total). */
  readonly lostSamples: number;
  /** Capacity of the BPF ring buffer (ring_buffer_mb). */
  readonly ringBufferBytes: number;
  /** The most bytes seen waiting in the ring buffer since precd started (at most ringBufferBytes). */
  readonly ringBufferHighWaterBytes: number;
  /** Bytes of serialized records (JSON lines, before compression) passed to the log file's encoder. */
  readonly bytesWritten: number;
  /** Bytes appended to the log file, after compression. */
  readonly compressedBytes: number;
  /** Flushes that made buffered records readable in the file. */
  readonly flushes: number;
  /** Failed writes to the log (disk full, I/O errors), retries included. */
  readonly writeErrors: number;
  /** Unix time (ms) of the last successful flush; undefined before the first. */
  readonly lastFlushMs: number | undefined;
  /** Unix time (ms) precd started. */
  readonly startMs: number;
  readonly version: string;
}

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly samples: ReadonlyArray<readonly [labels: Readonly<Record<string, string>>, value: number]>;
}

/** The snapshot in the Prometheus text exposition format (version 0.0.4), ending in a newline. */
export function renderMetrics(s: MetricsSnapshot): string {
  const one = (value: number) => [[{}, value] as const];
  const families: Family[] = [
    {
      name: 'prec_records_written_total',
      type: 'counter',
      help: 'Records precd handed to its log, by record type.',
      samples: Object.keys(s.recordsWritten)
        .sort()
        .map((type) => [{ type }, s.recordsWritten[type]!] as const),
    },
    { name: 'prec_lost_samples_total', type: 'counter', help: 'Commands lost: kernel ring-buffer drops plus records that could not be written (as lost_samples_total in loss records).', samples: one(s.lostSamples) },
    { name: 'prec_ring_buffer_bytes', type: 'gauge', help: 'Capacity of the BPF ring buffer between the kernel and precd (ring_buffer_mb).', samples: one(s.ringBufferBytes) },
    {
      name: 'prec_ring_buffer_high_water_bytes',
      type: 'gauge',
      help: 'Most bytes seen waiting in the BPF ring buffer since precd started; near prec_ring_buffer_bytes, records are about to be lost.',
      samples: one(s.ringBufferHighWaterBytes),
    },
    { name: 'prec_bytes_written_total', type: 'counter', help: 'Bytes of records (JSON lines, before compression) written to the log.', samples: one(s.bytesWritten) },
    { name: 'prec_compressed_bytes_total', type: 'counter', help: 'Bytes appended to the log file, after compression (equal to prec_bytes_written_total for compress = "no").', samples: one(s.compressedBytes) },
    { name: 'prec_flushes_total', type: 'counter', help: 'Flushes that made buffered records readable in the log file.', samples: one(s.flushes) },
    { name: 'prec_write_errors_total', type: 'counter', help: 'Failed writes to the log file (disk full, I/O errors), retries included.', samples: one(s.writeErrors) },
    {
      name: 'prec_last_flush_timestamp_seconds',
      type: 'gauge',
      help: 'Unix time of the last successful flush of the log (the start time until the first one).',
      samples: one((s.lastFlushMs ?? s.startMs) / 1000),
    },
    { name: 'prec_start_time_seconds', type: 'gauge', help: 'Unix time precd started.', samples: one(s.startMs / 1000) },
    { name: 'prec_build_info', type: 'gauge', help: 'Always 1; the labels say which precd is running.', samples: [[{ version: s.version, node: process.version }, 1]] },
  ];
  return families.map(renderFamily).join('');
}

function renderFamily(f: Family): string {
  let out = `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
  for (const [labels, value] of f.samples) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    out += `${f.name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}\n`;
  }
  return out;
}

/** Label values escape backslash, double quote and newline (the exposition format's only escapes). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

export interface MetricsFileOptions {
  /** Target file, e.g. /var/lib/prometheus/node-exporter/prec.prom. */
  readonly path: string;
  readonly intervalS: number;
  readonly snapshot: () => MetricsSnapshot;
  /** One line for stderr. */
  readonly report: (message: string) => void;
}

/**
 * Writes the metrics file every `intervalS` seconds and once more on stop(). A failure (missing
 * directory, permission, full disk) is reported once, then retried silently at each interval; the
 * first write that works after a failure says so.
 */
export class MetricsFile {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  // Not *.prom: node_exporter reads only those, so it never sees the temp file.
  private readonly tmp: string;

  constructor(private readonly opts: MetricsFileOptions) {
    this.tmp = join(dirname(opts.path), `.${basename(opts.path)}.${process.pid}.tmp`);
  }

  start(): void {
    this.write();
    this.timer = setInterval(() => this.write(), this.opts.intervalS * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.write();
  }

  /** Replaces the file with the current snapshot; never throws. */
  write(): void {
    try {
      writeFileSync(this.tmp, renderMetrics(this.opts.snapshot()));
      // node_exporter runs as its own user and precd.service has UMask=0027: readable by all, always.
      chmodSync(this.tmp, 0o644);
      renameSync(this.tmp, this.opts.path);
    } catch (e) {
      try {
        rmSync(this.tmp, { force: true });
      } catch {
        // Nothing more to do: the next write replaces it.
      }
      if (!this.failing) this.opts.report(this.problem(e));
      this.failing = true;
      return;
    }
    if (this.failing) this.opts.report(`metrics: writing ${this.opts.path} again`);
    this.failing = false;
  }

  private problem(e: unknown): string {
    const dir = dirname(this.opts.path);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return `metrics: directory ${dir} does not exist (prometheus-node-exporter not installed?): no metrics file until it does`;
    }
    return `metrics: cannot write ${this.opts.path}: ${systemErrorText(e)}; retrying every ${this.opts.intervalS} s`;
  }
}
