// Turns any failure into what the user sees: `prec: MESSAGE` on stderr, exit status 1, no stack.
// A query error adds the query with a caret under the faulty spot (SPEC 7), on two more lines.
import { escapeText } from './escape.js';

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EIO: 'input/output error',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
};

export function errorText(err: unknown): string {
  // Duck-typed: importing the query module (chevrotain) only to recognise its error would slow every start.
  const q = err as { name?: unknown; format?: unknown };
  if (q && q.name === 'TimeError' && typeof q.format === 'function') return (q.format as () => string).call(err);
  if (q && q.name === 'QueryError' && typeof q.format === 'function') return `bad query: ${(q.format as () => string).call(err)}`;
  const e = err as NodeJS.ErrnoException & { oclif?: unknown };
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const what = ERRNO_TEXT[e.code] ?? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    return e.path ? `cannot read ${escapeText(e.path)}: ${what}` : `${e.syscall}: ${what}`;
  }
  const message = e instanceof Error ? e.message : String(err);
  if (e && e.oclif !== undefined) {
    // oclif's parse errors are multi-line and may be coloured; the first line says it all.
    return `${escapeText(message.replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0]!.trim())} (see prec --help)`;
  }
  // A message is one line; a path (LogError's `path`: an `-i` argument or a file name found on disk)
  // may hold a newline or an escape sequence: escaped, it shows as it is and cannot split or
  // recolour the line. What is left is escaped too: no error text reaches the terminal raw.
  const path = (e as { path?: unknown } | undefined)?.path;
  const shown = typeof path === 'string' && path !== '' ? message.split(path).join(escapeText(path)) : message;
  return escapeText(shown.split('\n')[0]!.trim()) || 'unknown error';
}

export function reportError(err: unknown): void {
  process.exitCode = 1;
  try {
    process.stderr.write(`prec: ${errorText(err)}\n`);
  } catch {
    // stderr gone: nothing left to tell
  }
}

/** What every reader says at the end about the lines it skipped (none: nothing). */
/** A warning (it may name a file: escaped like an error) as `prec: MESSAGE` on one line. */
export function warningLine(message: string): string {
  return `prec: ${escapeText(message)}\n`;
}

export function reportBadLines(badLines: number): void {
  if (badLines === 0) return;
  process.stderr.write(`prec: skipped ${badLines} line${badLines === 1 ? '' : 's'} that ${badLines === 1 ? 'is' : 'are'} not a valid record\n`);
}
