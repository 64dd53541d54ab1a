// How far a sink is behind the log: the records after its cursor, and the time between the last
// record it acknowledged and the newest record in the log. Reads the log from the cursor to its end
// (streaming, as shipping does), so it costs about what catching up would read.
import { parseTimestampNs } from '../schema/index.js';
import type { Cursor } from './cursor.js';
import { readFromCursor } from './source.js';

export interface Lag {
  records: number;
  /** 0 when no record is behind. */
  seconds: number;
}

export async function measureLag(logPath: string, cursor: Cursor | undefined, onWarning: (m: string) => void, signal?: AbortSignal): Promise<Lag> {
  let records = 0;
  let newest = 0n;
  let oldest: bigint | undefined;
  for await (const batch of readFromCursor({ logPath, cursor, follow: false, onWarning, signal })) {
    records += batch.length;
    for (const e of batch) {
      const ns = parseTimestampNs(e.record.timestamp) ?? 0n;
      if (ns > newest) newest = ns;
      if (oldest === undefined || ns < oldest) oldest = ns;
    }
  }
  if (records === 0) return { records, seconds: 0 };
  // Nothing shipped yet: as far behind as the log is long.
  const since = cursor ? BigInt(cursor.last_time_ns) : oldest!;
  const behind = newest - since;
  return { records, seconds: behind > 0n ? Number(behind / 1_000_000n) / 1000 : 0 };
}
