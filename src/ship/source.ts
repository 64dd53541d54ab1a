// The records to ship, from a cursor on: the log's rotated files and the current one as `prec -a`
// reads them (src/log: discovery, decompression, damage, rotation while following), each record
// with its raw line and its position (file = hash of the file's first record line, index in it).
//
// Rotated files are read whole (readLogBatches) and the log is listed again after them, until the
// cursor is in the current file, which is then followed (followLineBatches, which reads the files
// rotated while following and says when it moves on to one: onFile).
import {
  discoverLogs,
  followLineBatches,
  LogError,
  openLog,
  parseRecord,
  pinLog,
  readFirstRecord,
  readLogBatches,
  takePinned,
} from '../log/index.js';
import { parseTimestampNs, type LogRecord } from '../schema/index.js';
import { nextLogOrder, recordTimeNs } from '../schema/clickhouse.js';
import { lineKey, type Cursor } from './cursor.js';

export interface Entry {
  /** The line as written (its record is sent unchanged). */
  line: string;
  record: LogRecord;
  /** Position after this record: its file and the count of that file's records up to it. */
  file: string;
  fileFirstNs: bigint;
  index: number;
  /** Its place in the log as one strictly increasing number (schema's nextLogOrder). */
  logOrder: bigint;
}

export interface SourceOptions {
  logPath: string;
  cursor?: Cursor;
  /** Follow the current file (ship) or stop at its end (--status). */
  follow: boolean;
  signal?: AbortSignal;
  /** A problem worth a line on stderr: damage, a cursor whose file is gone, records lost. */
  onWarning(message: string): void;
  /** Called once the records present when reading began have been yielded (follow only). */
  onCaughtUp?(): void;
}

interface Head {
  path: string;
  key: string | undefined;
  firstNs: bigint | undefined;
}

/** Each listed file with the key of its first record; the handles discoverLogs opened stay pinned. */
async function listHeads(logPath: string): Promise<Head[]> {
  const paths = await discoverLogs(logPath, true);
  const heads: Head[] = [];
  for (const path of paths) {
    const fh = takePinned(path) ?? (await openLog(path).catch(() => undefined));
    if (!fh) continue; // gone between listing and now: its compressed copy is listed
    const first = await readFirstRecord(fh, path);
    pinLog(path, fh);
    heads.push({ path, key: first ? lineKey(first.line) : undefined, firstNs: first?.time });
  }
  // A compressed copy being made sits next to its original: ship one of them (the original, older
  // by name order, is listed first; the current file is always kept).
  const seen = new Set<string>();
  return heads.filter((h, i) => {
    if (h.key === undefined) return true;
    if (seen.has(h.key) && i < heads.length - 1) return false;
    seen.add(h.key);
    return true;
  });
}

async function unpin(heads: readonly Head[]): Promise<void> {
  for (const h of heads) await takePinned(h.path)?.close().catch(() => {});
}

/** The sequence number and run prefix of an event_id (`<YYYYMMDDhhmmss>-<seq>`). */
function splitEventId(id: string | undefined): { run: string; seq: number } | undefined {
  const m = id === undefined ? null : /^(.*)-(\d+)$/.exec(id);
  return m ? { run: m[1]!, seq: Number(m[2]) } : undefined;
}

/** The log_order of the records read, carried across files from the cursor's last one. */
class LogOrder {
  constructor(private prev: bigint | undefined) {}

  next(record: LogRecord): bigint {
    this.prev = nextLogOrder(this.prev, recordTimeNs(record as unknown as Record<string, unknown>));
    return this.prev;
  }
}

function logOrderAfter(cursor: Cursor | undefined): LogOrder {
  const last = cursor?.last_log_order ?? cursor?.last_time_ns; // a cursor from before log_order
  return new LogOrder(last === undefined ? undefined : BigInt(last));
}

/** Counts records of one file as they stream by, skipping the first `skip`. */
class FileCounter {
  key: string | undefined;
  firstNs = 0n;
  index = 0;

  constructor(
    key: string | undefined,
    firstNs: bigint | undefined,
    private skip: number,
    private readonly order: LogOrder,
  ) {
    this.key = key;
    this.firstNs = firstNs ?? 0n;
  }

  entries(batch: readonly string[]): Entry[] {
    const out: Entry[] = [];
    for (const line of batch) {
      const record = parseRecord(line);
      if (record === undefined) continue;
      if (this.key === undefined) {
        this.key = lineKey(line);
        this.firstNs = parseTimestampNs(record.timestamp) ?? 0n;
      }
      this.index++;
      if (this.index <= this.skip) continue;
      out.push({ line, record, file: this.key, fileFirstNs: this.firstNs, index: this.index, logOrder: this.order.next(record) });
    }
    return out;
  }
}

/**
 * Where to start among `heads` for `cursor`: the file it is in and how many of its records to skip,
 * or (its file gone) the first file newer than it, with the loss reported.
 */
function locate(heads: readonly Head[], cursor: Cursor | undefined, done: ReadonlySet<string>, warn: (m: string) => void):
  { from: number; skip: number; gone: boolean } {
  let lastDone = -1;
  heads.forEach((h, i) => void (h.key !== undefined && done.has(h.key) && (lastDone = i)));
  if (lastDone >= 0) return { from: lastDone + 1, skip: 0, gone: false };
  if (cursor === undefined) return { from: 0, skip: 0, gone: false };
  const at = heads.findIndex((h) => h.key === cursor.file);
  if (at >= 0) return { from: at, skip: cursor.index, gone: false };
  const firstNs = BigInt(cursor.file_first_ns);
  const from = heads.findIndex((h) => h.firstNs === undefined || h.firstNs > firstNs);
  warn(`the log file the cursor is in (first record at ${new Date(Number(firstNs / 1_000_000n)).toISOString()}, ` +
    `${cursor.index} of its records shipped, the last at ${cursor.last_timestamp}) is gone: ` +
    `records after those were not shipped and are lost; counting them by event_id`);
  return { from: from < 0 ? heads.length - 1 : from, skip: 0, gone: true };
}

/** Reports how many start/fail records are missing between the cursor and the first one read. */
function lossReporter(cursor: Cursor | undefined, warn: (m: string) => void): (e: Entry) => boolean {
  const last = splitEventId(cursor?.last_seq_event_id);
  return (e) => {
    if (e.record.record_type !== 'start' && e.record.record_type !== 'fail') return false;
    const next = splitEventId(e.record.event_id);
    if (!last || !next || next.run !== last.run) {
      warn(`the number of records lost is unknown (precd restarted in between, or no start/fail record was shipped before)`);
    } else if (next.seq - last.seq - 1 > 0) {
      warn(`${next.seq - last.seq - 1} start/fail records were lost before shipping ` +
        `(event_id ${last.run}-${last.seq + 1} to ${next.run}-${next.seq - 1}), and their end records`);
    } else {
      warn('no start/fail record was lost (event_ids follow on)');
    }
    return true;
  };
}

/**
 * The listed files once the log exists (precd may not have created it yet, on a fresh install);
 * undefined when aborted meanwhile. Other errors (permission denied) are thrown.
 */
async function waitForLog(opts: SourceOptions): Promise<Head[] | undefined> {
  let said = false;
  while (!opts.signal?.aborted) {
    try {
      return await listHeads(opts.logPath);
    } catch (e) {
      if (!(e instanceof LogError) || e.code !== 'ENOENT') throw e;
      if (!said) opts.onWarning(`${e.message}; waiting for it to appear`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  return undefined;
}

/** Batches of entries from the cursor on; see the module comment. */
export async function* readFromCursor(opts: SourceOptions): AsyncGenerator<Entry[]> {
  const warn = opts.onWarning;
  /** Files read whole in this run: listed again, they are skipped. */
  const done = new Set<string>();
  let checkLoss: ((e: Entry) => boolean) | undefined;
  const order = logOrderAfter(opts.cursor);
  for (;;) {
    const heads = opts.follow ? await waitForLog(opts) : await listHeads(opts.logPath);
    if (heads === undefined) return;
    const at = locate(heads, opts.cursor, done, warn);
    if (at.gone && checkLoss === undefined) checkLoss = lossReporter(opts.cursor, warn);
    await unpin(heads.slice(0, at.from));
    const rest = heads.slice(at.from);
    const history = opts.follow ? rest.slice(0, -1) : rest;
    let skip = at.skip;
    for (const h of history) {
      const counter = new FileCounter(h.key, h.firstNs, skip, order);
      skip = 0;
      for await (const batch of readLogBatches(h.path, { onWarning: warn })) {
        const entries = counter.entries(batch);
        if (checkLoss && entries.some(checkLoss)) checkLoss = () => false;
        if (entries.length > 0) yield entries;
        if (opts.signal?.aborted) return void (await unpin(rest));
      }
      if (counter.key !== undefined) done.add(counter.key);
    }
    if (!opts.follow) return;
    if (history.length > 0) {
      // Rotations may have happened while the history was read: list again.
      await unpin(rest.slice(-1));
      continue;
    }
    const current = rest[rest.length - 1]!;
    yield* followCurrent(current, skip, opts, order, checkLoss);
    return;
  }
}

async function* followCurrent(current: Head, skip: number, opts: SourceOptions, order: LogOrder, checkLoss?: (e: Entry) => boolean): AsyncGenerator<Entry[]> {
  let counter = new FileCounter(current.key, current.firstNs, skip, order);
  const lines = followLineBatches(opts.logPath, {
    fromStart: true,
    signal: opts.signal,
    onWarning: opts.onWarning,
    onCaughtUp: opts.onCaughtUp,
    onFile: () => void (counter = new FileCounter(undefined, undefined, 0, order)),
  });
  for await (const batch of lines) {
    const entries = counter.entries(batch);
    if (checkLoss && entries.some(checkLoss)) checkLoss = undefined;
    if (entries.length > 0) yield entries;
  }
}
