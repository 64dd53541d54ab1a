/**
 * A log that cannot be read, with a one-line message meant for `prec: <message>` on stderr,
 * e.g. `cannot read /var/log/prec/prec.log: permission denied`.
 */
export class LogError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'LogError';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** Turns a file-system error about `path` into a LogError; anything else is rethrown. */
export function toLogError(err: unknown, path: string): LogError {
  if (err instanceof LogError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') throw err;
  const reason = REASONS[code] ?? code.toLowerCase();
  return new LogError(`cannot read ${path}: ${reason}`, path, code);
}
