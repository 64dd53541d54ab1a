// Bytes on disk per command: precd's log after the same storm with compress = "zstd", "gz" and "no";
// auditd's log of a storm of the same size comes from the capture run.
import { log } from '../lib/proc.js';
import { PrecdTracer } from '../lib/tracers.js';
import { runStorm, STORM_PROGRAM, uniquePrefix } from '../lib/storm.js';

export interface BytesRow {
  writer: string;
  n: number;
  /** Commands in the log (the storm plus whatever else the host ran meanwhile). */
  commands: number;
  bytes: number;
  bytes_per_command: number;
  error?: string;
}

export async function bytesSection(storm: string, n: number, p: number, compress: string[]): Promise<BytesRow[]> {
  const rows: BytesRow[] = [];
  for (const c of compress) {
    log(`bytes: precd compress=${c}, N=${n}`);
    let d: PrecdTracer | undefined;
    try {
      d = await PrecdTracer.start({ compress: c });
      await runStorm(storm, n, p, uniquePrefix(`bytes${c}`));
      await d.stop();
      const cap = d.capture('-', STORM_PROGRAM);
      rows.push({ writer: `precd compress="${c}"`, n, commands: cap.execRecords, bytes: cap.bytes, bytes_per_command: cap.bytes / cap.execRecords });
    } catch (e) {
      rows.push({ writer: `precd compress="${c}"`, n, commands: 0, bytes: 0, bytes_per_command: NaN, error: String(e).slice(0, 300) });
    } finally {
      await d?.cleanup().catch(() => undefined);
    }
  }
  return rows;
}
