// Opening the files precd creates or writes (log, lock, disk-full probe, seal key, metrics) so that a
// link or someone else's file put where one is expected is refused, never followed or kept (issue
// 20, item 1). The last component is opened with O_NOFOLLOW (libuv adds O_CLOEXEC to every open),
// and what was opened is checked on the descriptor itself (fstat, fchmod): no window between a check
// and the open for another user to swap the file in.
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** A path precd refuses to open or use; the message is one line naming the path and what is wrong. */
export class UnsafeFileError extends Error {
  override name = 'UnsafeFileError';
}

export interface SafeOpenOptions {
  /**
   * The access flags (fs.constants: O_WRONLY | O_APPEND | O_CREAT, O_RDWR | O_CREAT | O_EXCL, ...).
   * O_NOFOLLOW and O_NONBLOCK are added (a fifo must not block the open; regular files ignore it).
   */
  readonly flags: number;
  /** The mode the file has once open, set on the descriptor whatever the umask or its old mode. */
  readonly mode: number;
  /** What the file is, for messages: "log", "lock", "seal key", "metrics file". */
  readonly what: string;
}

/**
 * Opens `path` without following a symbolic link and returns the descriptor, which is a regular
 * file with one link, owned by root or by precd's effective uid, with mode `mode`. Throws
 * UnsafeFileError `<what> <path> is <problem>; refusing it` for a link, a directory, a fifo, a
 * device, a socket, another user's file or a hard-linked one; other open errors (ENOENT, EACCES,
 * ENOSPC...) are thrown as they are, for the caller's own message.
 */
export function openNoFollow(path: string, o: SafeOpenOptions): number {
  let fd: number;
  try {
    fd = openSync(path, o.flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, o.mode);
  } catch (e) {
    const problem = OPEN_PROBLEMS[(e as NodeJS.ErrnoException).code ?? ''];
    if (problem === undefined) throw e;
    throw refused(o.what, path, problem);
  }
  try {
    const problem = fileProblem(fstatSync(fd));
    if (problem !== undefined) throw refused(o.what, path, problem);
    fchmodSync(fd, o.mode);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

// What an open error means when it is about the kind of file, not about access or space.
const OPEN_PROBLEMS: Readonly<Record<string, string>> = {
  ELOOP: 'a symbolic link',
  EISDIR: 'a directory',
  ENXIO: 'a fifo or a device, not a regular file', // a fifo without reader, opened O_NONBLOCK for writing
  ENODEV: 'a device, not a regular file',
};

function fileProblem(st: Stats): string | undefined {
  if (!st.isFile()) return `${kind(st)}, not a regular file`;
  const euid = process.geteuid?.() ?? 0;
  if (st.uid !== 0 && st.uid !== euid) return `owned by uid ${st.uid}, not by root`;
  if (st.nlink > 1) return `a file with ${st.nlink} hard links`;
  return undefined;
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a fifo';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

function refused(what: string, path: string, problem: string): UnsafeFileError {
  return new UnsafeFileError(`${what} ${path} is ${problem}; refusing it`);
}

/**
 * Refuses a directory that others can write to, unless it is sticky and owned by root (like /tmp):
 * there another user could swap the file for a link or their own file between two opens (a
 * rotation, a retry). Throws UnsafeFileError; stat errors (ENOENT...) as they are.
 */
export function checkDirectory(dir: string, what: string): void {
  const st = statSync(dir);
  if (!st.isDirectory()) throw new UnsafeFileError(`${what} directory ${dir} is not a directory; refusing it`);
  const othersWrite = (st.mode & 0o002) !== 0;
  const sticky = (st.mode & 0o1000) !== 0;
  if (othersWrite && !(sticky && st.uid === 0)) {
    throw new UnsafeFileError(`${what} directory ${dir} is writable by others and not sticky and owned by root; refusing it`);
  }
}

/**
 * mkdir -p where every directory created is 0750 whatever the umask; returns the topmost one it
 * created. Not node's recursive mkdir: on a directory that cannot exist (/proc/1/x) it retries
 * ENOENT forever, and where a parent is a regular file it reports EEXIST instead of ENOTDIR.
 */
export function makeDirs(dir: string): string | undefined {
  const created = mkdirs(dir);
  // mkdir's mode is filtered by the umask: set it explicitly on every directory created here.
  if (created !== undefined) for (let d = dir; d.length >= created.length; d = dirname(d)) chmodSync(d, 0o750);
  return created;
}

function mkdirs(dir: string): string | undefined {
  try {
    mkdirSync(dir, { mode: 0o750 });
    return dir;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR' });
      return undefined;
    }
    if (code !== 'ENOENT' || dirname(dir) === dir) throw e;
  }
  const first = mkdirs(dirname(dir)); // the parent is missing: create it, then try once more
  mkdirSync(dir, { mode: 0o750 });
  return first ?? dir;
}
