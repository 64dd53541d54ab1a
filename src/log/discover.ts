// The rotated siblings logrotate leaves next to a log: numbered (`prec.log.1`, `prec.log.2.gz`)
// or dated with `dateext` (`prec.log-20261122`, `prec.log-20261122.gz`), compressed or not.
import { isUtf8 } from 'node:buffer';
import { readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseTimestampNs } from '../schema/index.js';
import { AutoDecoder } from './decode.js';
import { LogError, toLogError } from './errors.js';
import { LineSplitter } from './lines.js';
import { openLog } from './chunks.js';
import { pinLog } from './read.js';
import { parseRecord } from './record.js';
import { ZstdHead } from './zstd-head.js';
import { ZSTD_MAGIC } from '../codec/format.js';

const SUFFIX = '(?:\\.gz|\\.zst|\\.zstd)?';

interface Sibling {
  path: string;
  /** Rotation scheme: 0 dated, 1 numbered. */
  group: number;
  /** Oldest first within a scheme. */
  order: number | string;
  /** Time of the file's first record (ns), when it could be read. */
  first?: bigint;
}

/** Compressed bytes read from a file's start to find its first record: first, and at most per read. */
const HEAD_FIRST_READ = 1024;
const HEAD_READ = 16 * 1024;
/** Rotated files kept open from listing to reading (discoverLogs), and heads read at once. */
const PIN_MAX = 256;
const HEAD_CONCURRENCY = 16;
const HEAD_MAX = 256 * 1024;

/** The first record of a log: its line as written, and its time (ns). */
export interface FirstRecord {
  line: string;
  time: bigint;
}

/**
 * The first record of an open log, from its first bytes only, whatever its compression;
 * undefined when none is found there (empty, damaged, not a log, unreadable).
 */
export async function readFirstRecord(fh: FileHandle, label: string): Promise<FirstRecord | undefined> {
  return (await readHead(fh, label)).first;
}

/**
 * The first record of an open log (see readFirstRecord), and whether its first bytes hold
 * anything at all: a line that is not blank, or damage (a compressed empty file holds nothing).
 */
export async function readHead(fh: FileHandle, label: string): Promise<{ first: FirstRecord | undefined; content: boolean }> {
  const fast = await zstdHead(fh).catch(() => undefined);
  if (fast !== undefined) return fast;
  let found: FirstRecord | undefined;
  let content = false;
  const take = (line: string): void => {
    if (line.trim() !== '') content = true;
    const record = found === undefined ? parseRecord(line) : undefined;
    const time = record === undefined ? undefined : parseTimestampNs(record.timestamp);
    if (time !== undefined) found = { line, time };
  };
  const splitter = new LineSplitter({
    lines: (batch) => {
      for (const line of batch) {
        if (found !== undefined) return;
        take(line);
      }
    },
    invalidLine: () => void (content = true),
    tail: take,
  });
  const decoder = new AutoDecoder(splitter, label, () => void (content = true));
  try {
    // Small reads first, growing: the decoder decodes every whole block it is given, and the first
    // record is usually in the first block (365 daily files are 365 heads for a time window).
    for (let pos = 0, want = HEAD_FIRST_READ; pos < HEAD_MAX && found === undefined; want = Math.min(HEAD_READ, want * 2)) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) {
        decoder.finish();
        break;
      }
      pos += bytesRead;
      decoder.write(buf.subarray(0, bytesRead));
    }
  } catch {
    // An I/O error (the file truncated or gone under us, say): what was found so far.
    content = true;
  }
  return { first: found, content };
}

/** A zstd record line's record and time; undefined for a line the full pipeline must judge (not UTF-8). */
function recordLine(bytes: Buffer): FirstRecord | undefined | null {
  if (!isUtf8(bytes)) return null;
  const line = bytes.toString('utf8');
  const record = parseRecord(line);
  const time = record === undefined ? undefined : parseTimestampNs(record.timestamp);
  return time === undefined ? undefined : { line, time };
}

/**
 * readHead of a zstd log the cheap way (ZstdHead: only the blocks up to the first record are
 * decoded); undefined when the file is not zstd, is damaged there, or holds no record that is
 * plainly one in its first HEAD_MAX bytes: the full pipeline then decides, as it always did.
 */
async function zstdHead(fh: FileHandle): Promise<{ first: FirstRecord; content: true } | undefined> {
  const head = new ZstdHead();
  try {
    let found: FirstRecord | undefined;
    let doubt = false;
    const take = (bytes: Buffer): boolean => {
      const r = recordLine(bytes);
      if (r === null) doubt = true;
      else found = r;
      return doubt || found !== undefined;
    };
    for (let pos = 0, want = HEAD_FIRST_READ; pos < HEAD_MAX; want = Math.min(HEAD_READ, want * 2)) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0 || (pos === 0 && !buf.subarray(0, 4).equals(ZSTD_MAGIC))) return undefined;
      pos += bytesRead;
      if (head.push(buf.subarray(0, bytesRead), take)) return found && !doubt ? { first: found, content: true } : undefined;
    }
    return undefined;
  } finally {
    head.close();
  }
}

/**
 * The timestamp of the first record of a log, from its first bytes only, whatever its
 * compression; undefined when none is found there (empty, damaged, not a log).
 */
export async function firstRecordTime(path: string): Promise<bigint | undefined> {
  const fh = await openLog(path).catch(() => undefined);
  if (!fh) return undefined;
  try {
    return (await readFirstRecord(fh, path))?.time;
  } finally {
    await fh.close();
  }
}

/**
 * Oldest first: by the time of each file's first record (file times say nothing once files are
 * copied or restored, and two naming schemes, after a logrotate config change, cannot be ordered
 * by name). A file whose first record cannot be read keeps its place in its scheme's name order:
 * just before the next file of that scheme that has a time (after the last one when none does).
 */
function byContent(siblings: Sibling[]): Sibling[] {
  const keyed = siblings.map((s, i) => {
    let key = s.first;
    let sub = 1;
    if (key === undefined) {
      const later = siblings.slice(i + 1).find((o) => o.group === s.group && o.first !== undefined);
      const earlier = siblings.slice(0, i).reverse().find((o) => o.group === s.group && o.first !== undefined);
      if (later) [key, sub] = [later.first, 0];
      else if (earlier) [key, sub] = [earlier.first, 2];
      // A scheme with no readable file at all: before everything, in name order.
      else [key, sub] = [-1n, 0];
    }
    return { s, key: key!, sub, i };
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.sub - b.sub || a.i - b.i));
  return keyed.map((k) => k.s);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The logs to read for `input`, oldest first: with `allLogs`, its rotated siblings ordered by the
 * time of their first record (see byContent; numbered ones from the highest number down and dated
 * ones from the oldest date up where that is unknown), then `input` itself, last. Never by mtime.
 * Throws LogError when `input` (or its directory, with allLogs) cannot be read.
 */
export async function discoverLogs(input: string, allLogs: boolean): Promise<string[]> {
  return (await discoverLogTimes(input, allLogs, false)).map((f) => f.path);
}

/** A log to read and the time of its first record (ns), when known. */
export interface TimedLog {
  path: string;
  first?: bigint;
}

/**
 * discoverLogs with the time of each file's first record, for skipping the files wholly outside a
 * time window (rows/files.ts); `inputTime` also reads the input's own first record (from the
 * handle that will be read, so a rotation meanwhile cannot mismatch the two).
 */
export async function discoverLogTimes(input: string, allLogs: boolean, inputTime = true): Promise<TimedLog[]> {
  // Fails with the reason (missing, permission denied) before anything is listed. The files
  // listed are kept open and read later from that handle (pinLog; the input and the newest
  // PIN_MAX rotated ones): logrotate may rename or compress files while the ones before them are
  // read, and the files read must be those listed.
  const inputFh = await openLog(input);
  pinLog(input, inputFh);
  const last: TimedLog = { path: input };
  // Never from a pipe (`-i /dev/stdin`): its first bytes would be gone for the read itself.
  if (inputTime && (await inputFh.stat()).isFile()) {
    const first = (await readFirstRecord(inputFh, input))?.time;
    if (first !== undefined) last.first = first;
  }
  if (!allLogs) return [last];
  const siblings = await listSiblings(input);
  const gone = new Set<Sibling>();
  // Descriptors are bounded (a hard limit of 1024 is common, and `rotate 400` is the default):
  // the newest PIN_MAX siblings by name, read last, are pinned; older ones, read first, are
  // read by name. Heads are read a few at a time, so that fewer still are open at once.
  const pinFrom = siblings.length - PIN_MAX;
  const one = async (s: Sibling, i: number): Promise<void> => {
    let fh: FileHandle;
    try {
      fh = await openLog(s.path);
    } catch (err) {
      // Rotated away since the directory was read: not there to read. Out of descriptors,
      // or unreadable: read by name later, and reported then.
      if (err instanceof LogError && err.code === 'ENOENT') gone.add(s);
      return;
    }
    s.first = (await readFirstRecord(fh, s.path))?.time;
    if (i >= pinFrom) pinLog(s.path, fh);
    else await fh.close();
  };
  for (let i = 0; i < siblings.length; i += HEAD_CONCURRENCY) {
    await Promise.all(siblings.slice(i, i + HEAD_CONCURRENCY).map((s, j) => one(s, i + j)));
  }
  const ordered = byContent(siblings.filter((s) => !gone.has(s)));
  return [...ordered.map((s) => (s.first === undefined ? { path: s.path } : { path: s.path, first: s.first })), last];
}

/**
 * The rotated siblings of `input` that are regular files now, in name order (dated: oldest date
 * first, then numbered: highest first), not yet ordered by content; `newest` marks the last of
 * each scheme by name. Throws LogError when the directory cannot be read.
 */
export async function rotatedSiblings(input: string): Promise<{ path: string; newest: boolean }[]> {
  const siblings = await listSiblings(input);
  return siblings.map((s, i) => ({ path: s.path, newest: siblings[i + 1]?.group !== s.group }));
}

async function listSiblings(input: string): Promise<Sibling[]> {
  const dir = dirname(input);
  const base = basename(input);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw toLogError(err, dir);
  }
  const numbered = new RegExp(`^${escapeRegExp(base)}\\.(\\d+)${SUFFIX}$`);
  const dated = new RegExp(`^${escapeRegExp(base)}-(\\d[\\d_-]*)${SUFFIX}$`);

  const byNumber: Sibling[] = [];
  const byDate: Sibling[] = [];
  for (const name of names) {
    const n = numbered.exec(name);
    const d = n ? null : dated.exec(name);
    if (!n && !d) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (n) byNumber.push({ path, group: 1, order: -Number(n[1]) });
    else byDate.push({ path, group: 0, order: d![1]! });
  }
  const sortGroup = (group: Sibling[]): Sibling[] =>
    group.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.path < b.path ? -1 : 1));
  return [...sortGroup(byDate), ...sortGroup(byNumber)];
}
