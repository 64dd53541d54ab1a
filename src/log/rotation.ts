// Which rotated files a follower must read when the log path moves on to a new file. Normally
// none: the file it was reading (held open, so read to its end whatever its name is now) was the
// one precd wrote to before the new one. But when logrotate ran twice between two looks at the
// path (or precd got SIGHUP twice), a file was current only in between: it is a rotated sibling
// now (prec.log.1, maybe already compressed to prec.log.1.gz), and nothing of it was read.
//
// A sibling is such a file when all of these hold:
// - it is a new file: not among the siblings there when following began (history), nor a file
//   already read or followed, nor the new current file. A file is its device, inode number and
//   birth time: compressing a rotated file unlinks it, and the next file created (the compressed
//   copy, or the file that becomes current) often gets its inode number at once;
// - it has a record at its start (an empty file holds nothing to lose; a file whose head cannot
//   be decoded is reported and skipped);
// - its first record is not the first record of a file already read: logrotate compressing
//   prec.log.1 into prec.log.2.gz makes a new inode with the same content, which must not be
//   read twice (content is compared by that first line only, not as a whole);
// - its first record is not older than that of the file just finished (a rotation older than
//   it, or a compressed copy of one), or, when no file read had a record yet, than the newest
//   history file's (the last of each naming scheme, read when following began).
// They are read oldest first by their first record, each once, before the new current file.
import { statSync } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { readFirstRecord, readHead, rotatedSiblings, type FirstRecord } from './discover.js';
import { openLog } from './chunks.js';

/** An open rotated file to read whole. */
export interface MissedFile {
  path: string;
  fh: FileHandle;
  id: string;
  first: FirstRecord;
}

/** Identity of a file, from a stat with `bigint: true` (birth time 0 where the file system has none). */
export function fileId(st: { dev: bigint; ino: bigint; birthtimeNs: bigint }): string {
  return `${st.dev}:${st.ino}:${realBirthTimes() ? st.birthtimeNs : 0n}`;
}

let birthTimes: boolean | undefined;

/**
 * Whether stat gives real birth times. Where statx(2) is missing (older kernels, sandboxes that
 * block it) libuv reports the ctime instead, which changes with every write: a file would not
 * stay itself, and each write would look like a rotation. The root directory tells: its ctime
 * moves whenever an entry is added or removed there, its birth time never; with the ctime
 * reported as birth time they are always equal. Without real birth times a file is its device
 * and inode number.
 */
function realBirthTimes(): boolean {
  if (birthTimes === undefined) {
    try {
      const st = statSync('/', { bigint: true });
      birthTimes = st.birthtimeNs !== st.ctimeNs;
    } catch {
      birthTimes = false;
    }
  }
  return birthTimes;
}

export class RotationTracker {
  /** Files never to read: history at the start, and every file read or followed since. */
  private readonly known = new Set<string>();
  /** First lines of the files read or followed. */
  private readonly firstLines = new Set<string>();
  /** Time of the newest first record of a file read or followed. */
  private floor: bigint | undefined;
  /** Time of the first record of the newest history file. */
  private historyFloor: bigint | undefined;

  constructor(
    private readonly path: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** Takes note of the siblings there now: history, which following never reads. */
  async snapshot(): Promise<void> {
    const siblings = await rotatedSiblings(this.path).catch(() => []);
    for (const { path, newest } of siblings) {
      const id = await idOf(path);
      if (id) this.known.add(id);
      if (!newest) continue;
      // Compressed later (a new inode), a history file is told by its records' age.
      const fh = await openLog(path).catch(() => undefined);
      if (!fh) continue;
      const first = await readFirstRecord(fh, path).finally(() => fh.close());
      if (first === undefined) continue;
      this.firstLines.add(first.line);
      if (this.historyFloor === undefined || first.time > this.historyFloor) this.historyFloor = first.time;
    }
  }

  /**
   * The files that were current between `old` (the file just read to its end) and the new
   * current file `nextId`, opened, oldest first. The caller reads each, calls done() for it, and
   * closes them all.
   */
  async missed(old: FileHandle, oldId: string, nextId: string): Promise<MissedFile[]> {
    this.done(oldId, await readFirstRecord(old, this.path));
    let paths: string[];
    try {
      paths = (await rotatedSiblings(this.path)).map((s) => s.path);
    } catch (err) {
      this.warn(`${(err as Error).message}: rotated files written while following may be missing`);
      return [];
    }
    const floor = this.floor ?? this.historyFloor;
    const found: MissedFile[] = [];
    for (const path of paths) {
      // Most siblings are known: a stat tells, without opening them.
      const seen = await idOf(path);
      if (seen === undefined || this.known.has(seen) || seen === nextId) continue;
      const fh = await openLog(path).catch(() => undefined);
      if (!fh) continue; // gone since listed (renamed or compressed: seen under its new name)
      let keep = false;
      try {
        const st = await fh.stat({ bigint: true });
        const id = fileId(st);
        if (this.known.has(id) || id === nextId || st.size === 0n) continue;
        const { first, content } = await readHead(fh, path);
        if (first === undefined) {
          this.known.add(id);
          // An empty log compressed holds nothing to miss.
          if (content) this.warn(`${path}: rotated while following, but no record found at its start: not read`);
          continue;
        }
        // A compressed copy being made (logrotate's `compress`) is there next to its original,
        // which is listed first, until it is complete: one of them only.
        const copy = found.some((f) => f.first.line === first.line);
        if (copy || this.firstLines.has(first.line) || (floor !== undefined && first.time < floor)) {
          this.known.add(id);
          continue;
        }
        found.push({ path, fh, id, first });
        keep = true;
      } finally {
        if (!keep) await fh.close();
      }
    }
    return found.sort((a, b) => (a.first.time < b.first.time ? -1 : a.first.time > b.first.time ? 1 : 0));
  }

  /** A file read to its end (its first record, if it had one). */
  done(id: string, first: FirstRecord | undefined): void {
    this.known.add(id);
    if (first === undefined) return;
    this.firstLines.add(first.line);
    if (this.floor === undefined || first.time > this.floor) this.floor = first.time;
  }
}

async function idOf(path: string): Promise<string | undefined> {
  const st = await stat(path, { bigint: true }).catch(() => undefined);
  return st ? fileId(st) : undefined;
}
