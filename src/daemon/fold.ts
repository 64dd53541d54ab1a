// PATH folding (SPEC 6): a shell or execvp looking for `id` tries /usr/local/sbin/id,
// /usr/local/bin/id, /usr/sbin/id before /usr/bin/id; each miss is a failed exec. Such a failure
// (ENOENT, ENOTDIR, EACCES) is held for up to 1 s. When the same thread's next attempt has the same
// argv and the same file name (in another directory, or the same one listed twice in PATH), the
// failure gets no record of its own: its path
// goes into that attempt's `exec_tried`. Otherwise it is released and written as before, late by at
// most the hold time. event_ids are handed out when a record is written, so held records stay in
// strictly increasing order of the log.
//
// Records are folded as bags, already enriched: enrichment reads /proc and the parent table while
// the process and its parent still exist, which a held failure may no longer be able to do later.
import { posix } from 'node:path';
import type { ExecEvent, ExecFailEvent } from './kernel/events.js';
import type { Bag } from './records.js';

const ENOENT = 2;
const ENOTDIR = 20;
const EACCES = 13;
/** How long a failure waits for the next attempt, and how much later than unfolded it may be written. */
export const HOLD_NS = 1_000_000_000n;
/**
 * A search ends within HOLD_NS of its first attempt and after at most MAX_TRIED misses: a program
 * that retries one exec in a loop gets records of bounded size, held for a bounded time.
 */
export const MAX_TRIED = 64;

interface Held {
  pid: number;
  /** Kernel time of the first attempt of the search: the next one must come within HOLD_NS of it. */
  firstNs: bigint;
  /** When it was held (the `now` clock): released HOLD_NS after. */
  heldAt: bigint;
  filename: string;
  args: Buffer;
  argc: number;
  bag: Bag;
}

export interface FoldTiming {
  /** Monotonic ns (CLOCK_MONOTONIC, as the kernel's times). */
  now?: () => bigint;
  /** Runs `fn` in `ms` milliseconds (tests pass their own and call it when they like). */
  schedule?: (fn: () => void, ms: number) => void;
}

function timer(fn: () => void, ms: number): void {
  setTimeout(fn, ms).unref(); // a held failure never keeps precd alive: shutdown flushes it
}

export class PathFold {
  /** By thread id; a Map keeps insertion order, which is the order the failures were held in. */
  private readonly held = new Map<number, Held>();
  /** Thread ids held per process: exec and exit release a process's without scanning every one. */
  private readonly tidsByPid = new Map<number, Set<number>>();
  private readonly now: () => bigint;
  private readonly schedule: (fn: () => void, ms: number) => void;
  private armed = false;

  constructor(
    /** Writes a released failure (filter, event_id, writer): the pipeline's normal fail path. */
    private readonly release: (bag: Bag) => void,
    timing: FoldTiming = {},
  ) {
    this.now = timing.now ?? (() => process.hrtime.bigint());
    this.schedule = timing.schedule ?? timer;
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * A successful exec is about to be recorded. Failures of its process that it does not continue
   * are released first (they happened before it); returns the paths it folds, for its exec_tried.
   */
  exec(e: ExecEvent): string[] | undefined {
    const h = this.held.get(e.tid);
    const folds = h !== undefined && h.pid === e.pid && continues(h, e, true);
    if (folds) this.forget(e.tid, h);
    this.releasePid(e.pid); // de_thread: no other thread of the process can try again
    return folds ? tried(h) : undefined;
  }

  /**
   * A failed exec, enriched. Returns true when it is held (nothing is written now); false when the
   * caller writes it now (with the exec_tried this may have set).
   */
  fail(e: ExecFailEvent, bag: Bag): boolean {
    let firstNs = e.monoNs; // this attempt starts a search, unless it continues a held one
    const h = this.held.get(e.tid);
    if (h !== undefined) {
      this.forget(e.tid, h);
      if (h.pid === e.pid && continues(h, e, false)) {
        bag.exec_tried = tried(h);
        firstNs = h.firstNs;
      } else {
        this.release(h.bag);
      }
    }
    if (e.errno !== ENOENT && e.errno !== ENOTDIR && e.errno !== EACCES) return false;
    if (posix.basename(e.filename) === '') return false; // nothing to find elsewhere (execveat on an fd)
    this.hold(e.tid, { pid: e.pid, firstNs, heldAt: this.now(), filename: e.filename, args: e.args, argc: e.argc, bag });
    if (!this.armed) this.arm(Number(HOLD_NS / 1_000_000n));
    return true;
  }

  /** The process has exited: none of its threads will try again. */
  exit(pid: number): void {
    this.releasePid(pid);
  }

  /** Releases the failures held for HOLD_NS or longer; returns the ms until the next one is due. */
  expire(): number | undefined {
    const now = this.now();
    for (const [tid, h] of this.held) {
      const age = now - h.heldAt;
      if (age < HOLD_NS) return Number((HOLD_NS - age + 999_999n) / 1_000_000n);
      this.forget(tid, h);
      this.release(h.bag);
    }
    return undefined;
  }

  /** Releases everything (shutdown). */
  flush(): void {
    for (const h of this.held.values()) this.release(h.bag);
    this.held.clear();
    this.tidsByPid.clear();
  }

  /** One timer at a time, for the oldest held failure; re-armed for the next one when it fires. */
  private arm(ms: number): void {
    this.armed = true;
    this.schedule(() => {
      this.armed = false;
      const next = this.expire();
      if (next !== undefined) this.arm(next);
    }, ms);
  }

  private releasePid(pid: number): void {
    const tids = this.tidsByPid.get(pid);
    if (tids === undefined) return;
    for (const tid of tids) {
      const h = this.held.get(tid)!;
      this.forget(tid, h);
      this.release(h.bag);
    }
  }

  private hold(tid: number, h: Held): void {
    this.held.set(tid, h);
    const tids = this.tidsByPid.get(h.pid);
    if (tids) tids.add(tid);
    else this.tidsByPid.set(h.pid, new Set([tid]));
  }

  private forget(tid: number, h: Held): void {
    this.held.delete(tid);
    const tids = this.tidsByPid.get(h.pid)!;
    tids.delete(tid);
    if (tids.size === 0) this.tidsByPid.delete(h.pid);
  }
}

/** The paths a held failure stands for: the ones it folded itself, then its own. */
function tried(h: Held): string[] {
  const before = h.bag.exec_tried as string[] | undefined;
  return [...(before ?? []), h.bag.exe as string];
}

/**
 * The next attempt of the same thread continues the held search: in time, same argv, same file name.
 * The same path again does continue it: a PATH with a directory twice (common, from shell profiles)
 * tries it twice in one search; a program retrying one path in a loop is bounded by the limits.
 */
function continues(h: Held, next: ExecEvent | ExecFailEvent, started: boolean): boolean {
  if (next.monoNs - h.firstNs > HOLD_NS) return false;
  if (((h.bag.exec_tried as string[] | undefined)?.length ?? 0) + 1 >= MAX_TRIED) return false;
  if (posix.basename(next.filename) !== posix.basename(h.filename)) return false;
  if (next.argc === h.argc && next.args.equals(h.args)) return true;
  return started && scriptArgs(h.args, next.args, next.filename);
}

/**
 * A script that started: binfmt_script replaced argv[0] by the interpreter (and its argument) and
 * the script's path, so the program's argv is `INTERP [ARG] FILENAME argv[1]...` of the attempt.
 */
function scriptArgs(attempted: Buffer, started: Buffer, filename: string): boolean {
  const first = attempted.indexOf(0);
  if (first === -1) return false;
  const tail = Buffer.concat([Buffer.from(`${filename}\0`), attempted.subarray(first + 1)]);
  const at = started.length - tail.length;
  return at > 0 && started[at - 1] === 0 && started.subarray(at).equals(tail);
}
