// Kernel events -> record objects. Fields are gathered into a bag first (the filter reads the bag);
// a record that is written is laid out in exactly the catalogue's key order (recordKeys), with absent
// optional keys omitted, never null.
import { posix } from 'node:path';
import { readlinkSync } from 'node:fs';
import { recordKeys, type RecordType } from '../schema/index.js';
import { CUT_PREFIX, type ExeFile, type ExecEvent, type ExecFailEvent, type TaskContext } from './kernel/events.js';
import { decodeArgv, type ArgvLimits } from './enrich/argv.js';
import { containerIdFromCgroup } from './enrich/container.js';
import { errnoText, signalName } from './enrich/errors.js';
import type { ParentCmdlines } from './enrich/parents.js';
import { classifySource } from './enrich/source.js';
import { ttyPath } from './enrich/tty.js';
import type { UserNames } from './enrich/users.js';

export type Bag = Record<string, unknown>;

// Every bag starts as a copy of its record type's template: all the keys the type carries
// (recordKeys), in catalogue order, each undefined until set. JSON.stringify writes own keys in
// insertion order and leaves out undefined values, so serializing a bag is one JSON.stringify call
// (catalogue order, absent keys omitted, V8's own escaping), and all bags of a type share one
// hidden class, which keeps the per-exec property stores and loads cheap.
const TEMPLATES: Readonly<Record<RecordType, Readonly<Bag>>> = {
  start: template('start'),
  end: template('end'),
  fail: template('fail'),
  loss: template('loss'),
  seal: template('seal'),
};

function template(type: RecordType): Bag {
  // fromEntries builds a fast-properties object; adding 30 keys one by one would leave a dictionary
  // (hash table) object, which is slow to copy and to read.
  return Object.fromEntries(recordKeys(type).map((k) => [k, undefined]));
}

/** A bag for a record of this type: set only keys recordKeys(type) lists (serialize() relies on it). */
export function newBag(type: RecordType): Bag {
  // One copy site per type: a site that copies objects of several shapes takes V8's slow path.
  switch (type) {
    case 'start':
      return { ...TEMPLATES.start };
    case 'end':
      return { ...TEMPLATES.end };
    case 'fail':
      return { ...TEMPLATES.fail };
    case 'loss':
      return { ...TEMPLATES.loss };
    case 'seal':
      return { ...TEMPLATES.seal };
  }
}

const UNSET_ID = 4294967295;
const AT_FDCWD = -100;

export interface Enrichment {
  users: UserNames;
  parents: ParentCmdlines;
  limits: ArgvLimits;
  /** RFC3339Nano of a kernel monotonic time. */
  timestamp: (monoNs: bigint) => string;
}

/** Fields shared by start and fail: who, where, which terminal, which parent. */
function contextFields(e: TaskContext, bag: Bag, x: Enrichment): void {
  bag.timestamp = x.timestamp(e.monoNs);
  bag.uid = e.uid;
  bag.gid = e.gid;
  bag.euid = e.euid;
  bag.egid = e.egid;
  if (e.auid !== UNSET_ID) bag.auid = e.auid;
  if (e.sessionId !== UNSET_ID) bag.session_id = e.sessionId;
  bag.user = x.users.user(e.uid);
  bag.group = x.users.group(e.gid);
  bag.pid = e.pid;
  bag.ppid = e.ppid;
  bag.comm = e.comm;
  bag.cwd = completePath(e.cwd, `/proc/${e.pid}/cwd`);
  bag.cgroup = e.cgroup;
  const cid = containerIdFromCgroup(e.cgroup);
  if (cid !== undefined) bag.container_id = cid;
  const tty = ttyPath(e.tty);
  if (tty !== undefined) bag.tty = tty;
  if (e.ttyNr !== 0) bag.tty_nr = e.ttyNr;
  bag.source = classifySource(e);
  bag.parent_comm = e.parentComm;
  bag.parent_exe = completePath(e.parentExe, `/proc/${e.ppid}/exe`);
  bag.parent_cmdline = x.parents.get(e.ppid);
  const ptty = ttyPath(e.parentTty);
  if (ptty !== undefined) bag.parent_tty = ptty;
  if (e.parentTtyNr !== 0) bag.parent_tty_nr = e.parentTtyNr;
}

/** exe_memfd and exe_deleted: present (true) only when the kernel saw it on the executed file. */
function exeFileFields(e: ExeFile, bag: Bag): void {
  if (e.exeMemfd) bag.exe_memfd = true;
  if (e.exeDeleted) bag.exe_deleted = true;
}

function argvFields(args: Buffer, argc: number, truncated: boolean, bag: Bag, x: Enrichment): void {
  const a = decodeArgv(args, argc, truncated, x.limits);
  bag.argv = a.argv;
  bag.argc = a.argc;
  if (a.truncated) bag.argv_truncated = true;
  if (a.raw !== undefined) bag.argv_raw = a.raw;
}

export function startBag(e: ExecEvent, x: Enrichment): Bag {
  const bag = newBag('start');
  bag.record_type = 'start';
  contextFields(e, bag, x);
  bag.exe = e.exe !== '' ? completePath(e.exe, `/proc/${e.pid}/exe`) : resolveAttempted(e.filename, bag.cwd as string, AT_FDCWD, e.pid);
  exeFileFields(e, bag);
  argvFields(e.args, e.argc, e.argsTruncated, bag, x);
  return bag;
}

export function failBag(e: ExecFailEvent, x: Enrichment): Bag {
  const bag = newBag('fail');
  bag.record_type = 'fail';
  contextFields(e, bag, x);
  bag.exe = resolveAttempted(e.filename, bag.cwd as string, e.dirfd, e.pid, e.dirfdPath);
  exeFileFields(e, bag);
  // argv/argc only where the attempted arguments could be read (best effort in the kernel).
  if (e.args.length > 0 || e.argc > 0) argvFields(e.args, e.argc, e.argsTruncated, bag, x);
  bag.exec_errno = e.errno;
  bag.exec_error = errnoText(e.errno);
  return bag;
}

/**
 * Paths the kernel walk cut at its limits (too deep; CUT_PREFIX + the known tail, see
 * kernel/events.ts). What a record says for them, in this order:
 * - the full path from /proc (`procLink`: /proc/PID/cwd, /proc/PID/exe, /proc/PPID/exe,
 *   /proc/PID/fd/N) while the process lives and that link still ends with the known tail (so it is
 *   the same file, not one it moved on to);
 * - otherwise the tail as the kernel gave it, `…/dir7/.../dir70`: visibly not an absolute path, so
 *   neither a reader nor a query mistakes it for one (a bare `/dir7/...` would look valid and be wrong).
 * Paths that were not cut are returned unchanged.
 */
export function completePath(path: string, procLink: string): string {
  if (!path.startsWith(CUT_PREFIX)) return path;
  let full: string;
  try {
    full = readlinkSync(procLink);
  } catch {
    return path; // the process (or fd) is gone
  }
  return full.startsWith('/') && full.endsWith(path.slice(CUT_PREFIX.length - 1)) ? full : path;
}

/**
 * The attempted path made absolute when possible: relative to cwd for execve (and execveat with
 * AT_FDCWD), relative to the directory fd of execveat, whose path the kernel resolved at the
 * syscall's exit (`dirfdPath`; with AT_EMPTY_PATH and an empty name it is the file itself). When the
 * kernel could not, the fd is read from /proc while the caller lives. A base that is itself cut
 * (CUT_PREFIX) gives a cut result; with no base at all the name stays as given.
 */
export function resolveAttempted(filename: string, cwd: string, dirfd: number, pid: number, dirfdPath = ''): string {
  if (filename.startsWith('/')) return filename;
  let base: string | undefined;
  if (dirfd === AT_FDCWD) base = cwd;
  else if (dirfdPath !== '') base = completePath(dirfdPath, `/proc/${pid}/fd/${dirfd}`);
  else {
    try {
      base = readlinkSync(`/proc/${pid}/fd/${dirfd}`);
    } catch {
      base = undefined;
    }
  }
  if (base === undefined) return filename;
  if (base.startsWith(CUT_PREFIX)) {
    if (filename === '') return base;
    return CUT_PREFIX + posix.normalize(`${base.slice(CUT_PREFIX.length)}/${filename}`);
  }
  if (!base.startsWith('/')) return filename;
  if (filename === '') return base; // execveat(fd, "", AT_EMPTY_PATH): the fd itself
  return posix.resolve(base, filename);
}

/** Wait status -> shell-visible status and, when killed, the signal name. */
export function exitStatusOf(waitStatus: number): { exitStatus: number; signal?: string } {
  const sig = waitStatus & 0x7f;
  if (sig !== 0) return { exitStatus: 128 + sig, signal: signalName(sig) };
  return { exitStatus: (waitStatus >> 8) & 0xff };
}

export function endBag(
  timestamp: string,
  eventId: string,
  pid: number,
  source: string,
  durationNs: bigint,
  how: { waitStatus: number } | { execReplaced: true },
): Bag {
  const bag = newBag('end');
  bag.timestamp = timestamp;
  bag.event_id = eventId;
  bag.pid = pid;
  bag.source = source;
  bag.record_type = 'end';
  bag.duration_ns = Number(durationNs < 0n ? 0n : durationNs);
  if ('waitStatus' in how) {
    const s = exitStatusOf(how.waitStatus);
    bag.exit_status = s.exitStatus;
    if (s.signal !== undefined) bag.signal = s.signal;
  } else {
    bag.exec_replaced = true;
  }
  return bag;
}

export function lossBag(timestamp: string, lost: number, total: number): Bag {
  const bag = newBag('loss');
  bag.timestamp = timestamp;
  bag.record_type = 'loss';
  bag.lost_samples = lost;
  bag.lost_samples_total = total;
  return bag;
}

/** The bag as a record object in catalogue key order; keys not carried by this record type dropped.
 *  The straightforward form of serialize(): JSON.stringify(orderRecord(type, bag)) is the reference
 *  the tests hold serialize() to. */
export function orderRecord(type: RecordType, bag: Bag): Bag {
  const out: Bag = {};
  for (const k of recordKeys(type)) {
    const v = bag[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

/** One JSON line in catalogue key order, without its newline (the writer adds it). `bag` comes from
 *  newBag(type) (startBag, failBag, endBag, lossBag): its keys are already in that order. */
export function serialize(bag: Bag): string {
  return JSON.stringify(bag);
}
