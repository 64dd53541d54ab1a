// Ring-buffer record -> KernelEvent. Mirrors the layouts in bpf/prec.h (offsets below are the
// ones commented there); a record that does not fit them throws, since it means the BPF object and
// this decoder were built from different prec.h versions.
import type { ExecEvent, ExecFailEvent, ExitEvent, KernelEvent, TaskContext } from './events.js';

const KIND_EXEC = 1;
const KIND_FAIL = 2;
const KIND_EXIT = 3;

const FLAG_ARGS_TRUNCATED = 1;

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
const S_COUNT = 8;

export class RecordError extends Error {}

/** NUL-terminated string in a fixed-size field. */
function fixedString(buf: Buffer, start: number, size: number): string {
  const nul = buf.indexOf(0, start);
  const end = nul === -1 || nul > start + size ? start + size : nul;
  return buf.toString('utf8', start, end);
}

/** Leaf-first NUL-terminated components -> absolute path ('/' when there are none). */
function reversedPath(buf: Buffer, start: number, end: number): string {
  if (start === end) return '/';
  const parts = buf.toString('utf8', start, end).split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  let path = '';
  for (let i = parts.length - 1; i >= 0; i--) path += '/' + parts[i];
  return path || '/';
}

/** Kernel tty->name to the name under /dev: Unix98 pty slaves are `ptsN` in the kernel and
 *  /dev/pts/N on disk; every other driver's name is its /dev name already (tty1, ttyS0). */
function ttyName(raw: string): string {
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

  // Section boundaries; their sum must be the data area exactly.
  const bounds: number[] = new Array(S_COUNT + 1);
  let pos = TASK_HDR_SIZE;
  for (let i = 0; i < S_COUNT; i++) {
    bounds[i] = pos;
    pos += buf.readUInt16LE(68 + 2 * i);
  }
  bounds[S_COUNT] = pos;
  if (pos !== buf.length) {
    throw new RecordError(`task record sections cover ${pos - TASK_HDR_SIZE} bytes, data area has ${buf.length - TASK_HDR_SIZE}`);
  }
  const section = (s: number): [number, number] => [bounds[s], bounds[s + 1]];
  const text = (s: number): string => buf.toString('utf8', bounds[s], bounds[s + 1]);
  const path = (s: number): string => reversedPath(buf, ...section(s));
  // The parent's exe is '' when it could not be resolved (kernel thread parent: no mm).
  const parentExe = bounds[S_PARENT_EXE] === bounds[S_PARENT_EXE + 1] ? '' : path(S_PARENT_EXE);

  const flags = buf[1];
  const context: TaskContext = {
    monoNs: buf.readBigUInt64LE(8),
    pid: buf.readUInt32LE(4),
    tid: buf.readUInt32LE(16),
    ppid: buf.readUInt32LE(20),
    uid: buf.readUInt32LE(24),
    gid: buf.readUInt32LE(28),
    euid: buf.readUInt32LE(32),
    egid: buf.readUInt32LE(36),
    auid: buf.readUInt32LE(40),
    sessionId: buf.readUInt32LE(44),
    comm: fixedString(buf, 84, 16),
    cwd: path(S_CWD),
    tty: ttyName(text(S_TTY)),
    ttyNr: buf.readUInt32LE(48),
    parentComm: fixedString(buf, 100, 16),
    parentExe,
    parentTty: ttyName(text(S_PARENT_TTY)),
    parentTtyNr: buf.readUInt32LE(52),
    cgroup: path(S_CGROUP),
  };
  // A copy, not a view: records of a batch share one buffer that should not be kept alive by a
  // long-lived pid -> start entry.
  const args = Buffer.from(buf.subarray(...section(S_ARGS)));
  const argc = buf.readInt32LE(56);
  const argsTruncated = (flags & FLAG_ARGS_TRUNCATED) !== 0;
  if (kind === KIND_EXEC) {
    const exec: ExecEvent = {
      kind: 'exec',
      ...context,
      exe: bounds[S_EXE] === bounds[S_EXE + 1] ? '' : path(S_EXE),
      filename: text(S_FILENAME),
      args,
      argc,
      argsTruncated,
    };
    return exec;
  }
  const fail: ExecFailEvent = {
    kind: 'fail',
    ...context,
    filename: text(S_FILENAME),
    args,
    argc,
    argsTruncated,
    errno: buf.readInt32LE(60),
    dirfd: buf.readInt32LE(64),
  };
  return fail;
}
