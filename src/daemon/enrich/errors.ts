// errno -> lower-case strerror text (glibc wording) and signal number -> name. Node 20 has no
// strerror, so the texts are a table; numbers come from os.constants so they follow the platform.
import { constants } from 'node:os';

const TEXTS: Readonly<Record<string, string>> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  E2BIG: 'argument list too long',
  ENOEXEC: 'exec format error',
  EBADF: 'bad file descriptor',
  ECHILD: 'no child processes',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EFAULT: 'bad address',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  ENFILE: 'too many open files in system',
  EMFILE: 'too many open files',
  ENOTTY: 'inappropriate ioctl for device',
  ETXTBSY: 'text file busy',
  EFBIG: 'file too large',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EMLINK: 'too many links',
  ENAMETOOLONG: 'file name too long',
  ENOSYS: 'function not implemented',
  ELOOP: 'too many levels of symbolic links',
  ENOLINK: 'link has been severed',
  EOVERFLOW: 'value too large for defined data type',
  ESTALE: 'stale file handle',
  EDQUOT: 'disk quota exceeded',
  EOPNOTSUPP: 'operation not supported',
  ENOTSUP: 'operation not supported',
  ETIMEDOUT: 'connection timed out',
  EHOSTDOWN: 'host is down',
  EILSEQ: 'invalid or incomplete multibyte or wide character',
  ENOTCONN: 'transport endpoint is not connected',
  ECANCELED: 'operation canceled',
  EOWNERDEAD: 'owner died',
  ENOTRECOVERABLE: 'state not recoverable',
};

// Linux numbers that os.constants.errno does not list (ELIBBAD and friends, from execs of broken ELF
// interpreters), with glibc's texts.
const EXTRA: ReadonlyMap<number, string> = new Map([
  [79, 'can not access a needed shared library'],
  [80, 'accessing a corrupted shared library'],
  [83, 'cannot exec a shared library directly'],
  [121, 'remote i/o error'],
  [126, 'required key not available'],
  [127, 'key has expired'],
  [128, 'key has been revoked'],
  [129, 'key was rejected by service'],
]);

const BY_NUMBER = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  const text = TEXTS[name];
  if (text !== undefined && !BY_NUMBER.has(num)) BY_NUMBER.set(num, text);
}
for (const [num, text] of EXTRA) if (!BY_NUMBER.has(num)) BY_NUMBER.set(num, text);

export function errnoText(errno: number): string {
  return BY_NUMBER.get(errno) ?? `unknown error ${errno}`;
}

const SIGNALS = new Map<number, string>();
// First name wins: os.constants lists SIGABRT before SIGIOT and SIGIO before SIGPOLL.
for (const [name, num] of Object.entries(constants.signals)) if (!SIGNALS.has(num)) SIGNALS.set(num, name);

const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function signalName(sig: number): string {
  const known = SIGNALS.get(sig);
  if (known) return known;
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig === SIGRTMIN ? 'SIGRTMIN' : sig === SIGRTMAX ? 'SIGRTMAX' : `SIGRTMIN+${sig - SIGRTMIN}`;
  return `SIG${sig}`;
}
