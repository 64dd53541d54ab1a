// Ring-buffer record -> KernelEvent. Mirrors the layouts in bpf/prec.h (offsets below are the
// ones commented there); a record that does not fit them throws, since it means the BPF object and
// this decoder were built from different prec.h versions.
import { CUT_PREFIX, type ExecEvent, type ExecFailEvent, type ExitEvent, type KernelEvent } from './events.js';

const KIND_EXEC = 1;
const KIND_FAIL = 2;
const KIND_EXIT = 3;

const FLAG_ARGS_TRUNCATED = 1;
const FLAG_EXE_CUT = 4;
const FLAG_CWD_CUT = 8;
const FLAG_PARENT_EXE_CUT = 16;
const FLAG_CGROUP_CUT = 32;
const FLAG_EXE_IS_DIRFD = 64;

// exe_file (enum prec_file_flags) at offset 116.
const EXE_FILE_OFFSET = 116;
const FILE_MEMFD = 1;
const FILE_NO_LINKS = 2;
const FILE_UNLINKED = 4;
// d_path's mark for a file whose dentry was unlinked, as /proc/PID/exe and /proc/PID/fd/N show it.
const DELETED_SUFFIX = ' (deleted)';

const EXIT_SIZE = 24;
const TASK_HDR_SIZE = 120;

// Section order in the data area (enum prec_section).
const S_ARGS = 0;
const S_FILENAME = 1;
const S_EXE = 2;
const S_CWD = 3;
const S_PARENT_EXE = 4;
const S_CGROUP = 5;
const S_TTY = 6;
const S_PARENT_TTY = 7;
const LEN_OFFSET = 68; // __u16 len[PREC_S_COUNT]

export class RecordError extends Error {}

/** NUL-terminated string in a fixed-size field. */
function fixedString(buf: Buffer, start: number, size: number): string {
  const nul = buf.indexOf(0, start);
  const end = nul === -1 || nul > start + size ? start + size : nul;
  return buf.toString('utf8', start, end);
}

/**
 * Leaf-first NUL-terminated components -> absolute path ('/' when there are none). A walk the kernel
 * cut at its limits (`cut`) lacks the root side: its components are a tail, given as CUT_PREFIX + tail.
 */
function reversedPath(buf: Buffer, start: number, end: number, cut = false): string {
  if (cut) return CUT_PREFIX + reversedPath(buf, start, end).slice(1);
  if (start === end) return '/';
  const str = buf.toString('utf8', start, end);
  let e = str.charCodeAt(str.length - 1) === 0 ? str.length - 1 : str.length;
  let path = '';
  while (e > 0) {
    const b = str.lastIndexOf('\0', e - 1);
    path += '/' + str.slice(b + 1, e);
    e = b;
  }
  return path || '/';
}

/** Kernel tty->name to the name under /dev: Unix98 pty slaves are `ptsN` in the kernel and
 *  /dev/pts/N on disk; every other driver's name is its /dev name already (tty1, ttyS0). */
function ttyName(buf: Buffer, start: number, end: number): string {
  if (start === end) return '';
  const raw = buf.toString('latin1', start, end);
  return /^pts\d+$/.test(raw) ? `pts/${raw.slice(3)}` : raw;
}

export function decode(buf: Buffer): KernelEvent {
  if (buf.length < 16) throw new RecordError(`kernel record too short (${buf.length} bytes)`);
  const kind = buf[0];
  if (kind === KIND_EXIT) {
    if (buf.length < EXIT_SIZE) throw new RecordError(`exit record too short (${buf.length} bytes)`);
    const exit: ExitEvent = {
      kind: 'exit',
      monoNs: buf.readBigUInt64LE(8),
      pid: buf.readUInt32LE(4),
      exitCode: buf.readUInt32LE(16),
    };
    return exit;
  }
  if (kind !== KIND_EXEC && kind !== KIND_FAIL) throw new RecordError(`unknown kernel record kind ${kind}`);
  if (buf.length < TASK_HDR_SIZE) throw new RecordError(`task record too short (${buf.length} bytes)`);

  // Section boundaries (this runs for every exec on the host: plain locals, no allocations).
  const argsEnd = TASK_HDR_SIZE + buf.readUInt16LE(LEN_OFFSET + 2 * S_ARGS);
  const filenameEnd = argsEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_FILENAME);
  const exeEnd = filenameEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_EXE);
  const cwdEnd = exeEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_CWD);
  const parentExeEnd = cwdEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_PARENT_EXE);
  const cgroupEnd = parentExeEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_CGROUP);
  const ttyEnd = cgroupEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_TTY);
  const parentTtyEnd = ttyEnd + buf.readUInt16LE(LEN_OFFSET + 2 * S_PARENT_TTY);
  if (parentTtyEnd !== buf.length) {
    throw new RecordError(`task record sections cover ${parentTtyEnd - TASK_HDR_SIZE} bytes, data area has ${buf.length - TASK_HDR_SIZE}`);
  }

  const flags = buf[1];
  // A view, not a copy: argv is decoded into strings while the batch is handled, and nothing keeps
  // the bytes after that (the addon hands each batch over in a buffer of its own).
  const args = buf.subarray(TASK_HDR_SIZE, argsEnd);
  const argc = buf.readInt32LE(56);
  const argsTruncated = (flags & FLAG_ARGS_TRUNCATED) !== 0;
  const filename = buf.toString('utf8', argsEnd, filenameEnd);
  const monoNs = buf.readBigUInt64LE(8);
  const pid = buf.readUInt32LE(4);
  const tid = buf.readUInt32LE(16);
  const ppid = buf.readUInt32LE(20);
  const uid = buf.readUInt32LE(24);
  const gid = buf.readUInt32LE(28);
  const euid = buf.readUInt32LE(32);
  const egid = buf.readUInt32LE(36);
  const auid = buf.readUInt32LE(40);
  const sessionId = buf.readUInt32LE(44);
  const ttyNr = buf.readUInt32LE(48);
  const parentTtyNr = buf.readUInt32LE(52);
  const comm = fixedString(buf, 84, 16);
  const cwd = reversedPath(buf, exeEnd, cwdEnd, (flags & FLAG_CWD_CUT) !== 0);
  // '' when it could not be resolved (a kernel thread parent has no mm).
  const parentExe = cwdEnd === parentExeEnd ? '' : reversedPath(buf, cwdEnd, parentExeEnd, (flags & FLAG_PARENT_EXE_CUT) !== 0);
  const cgroup = reversedPath(buf, parentExeEnd, cgroupEnd, (flags & FLAG_CGROUP_CUT) !== 0);
  const tty = ttyName(buf, cgroupEnd, ttyEnd);
  const parentTty = ttyName(buf, ttyEnd, parentTtyEnd);
  const parentComm = fixedString(buf, 100, 16);
  const exeFile = buf.readUInt32LE(EXE_FILE_OFFSET);
  const exeMemfd = (exeFile & FILE_MEMFD) !== 0;
  const exeDeleted = (exeFile & FILE_NO_LINKS) !== 0;
  const exeSuffix = (exeFile & FILE_UNLINKED) !== 0 ? DELETED_SUFFIX : '';
  // The task and parent fields (TaskContext) are listed in both literals rather than spread from a
  // shared object: one allocation per event instead of two and a copy.
  if (kind === KIND_EXEC) {
    const exec: ExecEvent = {
      kind: 'exec',
      monoNs, pid, tid, ppid, uid, gid, euid, egid, auid, sessionId,
      comm, cwd, tty, ttyNr, parentComm, parentExe, parentTty, parentTtyNr, cgroup,
      exe: filenameEnd === exeEnd ? '' : reversedPath(buf, filenameEnd, exeEnd, (flags & FLAG_EXE_CUT) !== 0) + exeSuffix,
      exeMemfd, exeDeleted, filename, args, argc, argsTruncated,
    };
    return exec;
  }
  const fail: ExecFailEvent = {
    kind: 'fail',
    monoNs, pid, tid, ppid, uid, gid, euid, egid, auid, sessionId,
    comm, cwd, tty, ttyNr, parentComm, parentExe, parentTty, parentTtyNr, cgroup,
    exeMemfd, exeDeleted, filename, args, argc, argsTruncated,
    errno: buf.readInt32LE(60),
    dirfd: buf.readInt32LE(64),
    dirfdPath: (flags & FLAG_EXE_IS_DIRFD) !== 0 ? reversedPath(buf, filenameEnd, exeEnd, (flags & FLAG_EXE_CUT) !== 0) + exeSuffix : '',
  };
  return fail;
}
