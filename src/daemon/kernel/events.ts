// Typed kernel events, as decoded from the ring-buffer records laid out in bpf/prec.h.
// This is the contract between the kernel side (bpf/, addon/, decoder.ts) and the daemon pipeline
// (enrichment, filter, writer): everything the start/end/fail records need that the kernel knows.

/**
 * Marks a path the kernel could not walk up to the root (deeper than 64 components or longer than
 * 4 KiB): CUT_PREFIX + the known leaf-side tail, e.g. `…/dir7/dir8`. Never a valid absolute path, so
 * it cannot be mistaken for one; the record builder replaces it by the full path from /proc when the
 * process still lives there.
 */
export const CUT_PREFIX = '…/';

/** Ids exactly as the kernel holds them; 4294967295 means unset for auid and sessionId. */
export interface TaskIds {
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  auid: number;
  sessionId: number;
}

/** What both a successful and a failed exec know of the calling/new task and its real parent. */
export interface TaskContext extends TaskIds {
  /** CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) when the event happened. */
  monoNs: bigint;
  pid: number; // thread-group id
  tid: number; // thread id that exec'd
  ppid: number; // real parent's thread-group id
  comm: string; // task name (after exec, for exec events)
  cwd: string; // absolute, resolved in the kernel by a bounded dentry walk across mounts (or CUT_PREFIX + tail)
  /** Terminal name relative to /dev (`pts/3`, `tty1`), '' when none. */
  tty: string;
  /** Encoded device number as in /proc/PID/stat field 7; 0 when none. */
  ttyNr: number;
  parentComm: string;
  parentExe: string; // '' when it could not be resolved; CUT_PREFIX + tail when too deep
  parentTty: string;
  parentTtyNr: number;
  /** cgroup v2 path, e.g. `/system.slice/nginx.service` ('/' for the root; CUT_PREFIX + tail when too deep). */
  cgroup: string;
}

/** What the kernel read of the executed file itself at exec (bpf/prec.h, enum prec_file_flags). */
export interface ExeFile {
  /** A memfd_create file (fileless execution). */
  exeMemfd: boolean;
  /** Its inode had no links left (i_nlink 0): deleted, or never linked (every memfd). */
  exeDeleted: boolean;
}

export interface ExecEvent extends TaskContext, ExeFile {
  kind: 'exec';
  /**
   * Absolute path of the executed file (resolved from the new mm's exe_file; CUT_PREFIX + tail when too
   * deep), as /proc/PID/exe shows it: `/memfd:NAME (deleted)` for a memfd, the path it was opened by
   * plus ` (deleted)` when it was unlinked.
   */
  exe: string;
  /** The filename as passed to exec (bprm->filename). */
  filename: string;
  /** Argument bytes as the kernel holds them: each argument followed by NUL, at most 32 KiB. */
  args: Buffer;
  /** bprm->argc: the real count, even when `args` was cut. */
  argc: number;
  /** true when the kernel could not copy every argument byte (limit reached or fault). */
  argsTruncated: boolean;
}

/** exeMemfd/exeDeleted are known only when the kernel had the attempted file open: execveat(fd, "",
 *  AT_EMPTY_PATH); false otherwise. */
export interface ExecFailEvent extends TaskContext, ExeFile {
  kind: 'fail';
  /** The path that was attempted, as given to execve/execveat (made absolute by user space when possible). */
  filename: string;
  /** Attempted arguments, NUL-terminated each, best effort (user pages may be absent). */
  args: Buffer;
  /** Number of arguments read (the real count when every pointer could be read). */
  argc: number;
  argsTruncated: boolean;
  /** Positive errno of the failed exec (ENOENT = 2). */
  errno: number;
  /** dirfd of execveat (AT_FDCWD = -100 for execve), for resolving a relative path. */
  dirfd: number;
  /**
   * Path of `dirfd` resolved by the kernel at the syscall's exit (the fd may be closed, the process
   * gone, by the time user space looks): for a relative filename its directory, for an empty one
   * (AT_EMPTY_PATH) the file itself, rendered as /proc/PID/fd/N would (` (deleted)` when unlinked).
   * '' when not resolved (execve, absolute name, bad fd).
   */
  dirfdPath: string;
}

export interface ExitEvent {
  kind: 'exit';
  monoNs: bigint;
  pid: number; // thread-group id; sent when the last thread of the group has exited
  /** Wait status as the parent sees it: (code << 8) | termsig (| 0x80 for a core dump). */
  exitCode: number;
}

export type KernelEvent = ExecEvent | ExecFailEvent | ExitEvent;
