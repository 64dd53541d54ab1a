// The durable cursor of one sink: how far its records are acknowledged. Written atomically (temp
// file, fsync, rename, fsync of the directory) only after the sink acknowledged a batch, so a crash
// at any point leaves the previous cursor or the new one, and re-sends at most the batch in flight.
//
// A position must survive logrotate renaming a file and compressing it (a new inode, another name,
// other bytes): a file is named by the SHA-256 of its first record line, which every copy of it
// keeps, and a position is the count of records of that file already acknowledged.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface Cursor {
  /** SHA-256 (hex) of the first record line of the file the cursor is in. */
  file: string;
  /** Time (ns, decimal) of that first record: orders the file among the others when it is gone. */
  file_first_ns: string;
  /** Records of that file acknowledged (they are its first `index` records). */
  index: number;
  /** The last record acknowledged: its timestamp and time (ns) for lag, its event_id for losses. */
  last_timestamp: string;
  last_time_ns: string;
  /** log_order (decimal) of the last record acknowledged: the next record's follows on from it. */
  last_log_order?: string;
  /** event_id of the last start or fail record acknowledged (the sequence precd numbers). */
  last_seq_event_id?: string;
  /** Records acknowledged since the cursor was created. */
  sent_total: number;
}

export function lineKey(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

/** The state file of a sink: named by what it ships to, so that a new destination starts afresh. */
export function cursorPath(stateDir: string, sinkIdentity: string): string {
  return join(stateDir, `cursor-${createHash('sha256').update(sinkIdentity).digest('hex').slice(0, 16)}.json`);
}

/** The cursor in `path`, or undefined when there is none yet. Throws on an unreadable or bad file. */
export async function readCursor(path: string): Promise<Cursor | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read cursor ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let c: Partial<Cursor>;
  try {
    c = JSON.parse(text) as Partial<Cursor>;
  } catch {
    throw new Error(`cursor ${path} is not valid JSON: remove it to ship everything again`);
  }
  const ok = typeof c.file === 'string' && /^[0-9a-f]{64}$/.test(c.file) && typeof c.index === 'number' && Number.isSafeInteger(c.index)
    && c.index >= 0 && typeof c.file_first_ns === 'string' && /^\d+$/.test(c.file_first_ns) && typeof c.last_time_ns === 'string'
    && typeof c.last_timestamp === 'string' && typeof c.sent_total === 'number'
    && (c.last_log_order === undefined || (typeof c.last_log_order === 'string' && /^-?\d+$/.test(c.last_log_order)));
  if (!ok) throw new Error(`cursor ${path} is damaged: remove it to ship everything again`);
  return c as Cursor;
}

/** Replaces the cursor file atomically and durably. */
export async function writeCursor(path: string, cursor: Cursor): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(cursor)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
