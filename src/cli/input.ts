// The CLI's door to src/log. TEMPORARY: plain-text reading until src/log lands.
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { LogRecord } from '../schema/index.js';

export interface ReadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  readonly onWarning?: (message: string) => void;
}

export interface ReadStats {
  badLines: number;
}

export async function resolveInputs(input: string, _allLogs: boolean): Promise<string[]> {
  statSync(input);
  return [input];
}

export async function* readRecordsFrom(files: readonly string[], opts: ReadOptions, stats: ReadStats): AsyncGenerator<LogRecord> {
  for (const f of files) {
    const rl = createInterface({ input: createReadStream(f), crlfDelay: Infinity });
    for await (const line of rl) {
      if (opts.signal?.aborted) return;
      try {
        const r = JSON.parse(line) as LogRecord;
        if (typeof r !== 'object' || r === null || typeof r.record_type !== 'string') throw new Error('bad');
        yield r;
      } catch {
        stats.badLines++;
      }
    }
  }
}
