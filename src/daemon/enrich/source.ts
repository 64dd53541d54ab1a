// SPEC section 4: a command is `user` when someone typed it: it (or, failing that, its parent) has an
// interactive terminal, and its immediate parent is a shell. Everything else is `system`.
import type { Source } from '../../schema/index.js';

const SHELLS: ReadonlySet<string> = new Set([
  'bash', 'sh', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'ash', 'busybox',
]);

export interface SourceInput {
  tty: string;
  ttyNr: number;
  parentTty: string;
  parentTtyNr: number;
  parentComm: string;
  parentExe: string;
}

export function isInteractiveTty(name: string, nr: number): boolean {
  return nr !== 0 || name.startsWith('pts/') || name.startsWith('tty') || name.startsWith('/dev/pts/') || name.startsWith('/dev/tty');
}

export function isShell(comm: string, exe: string): boolean {
  // A login shell's argv[0] is `-bash`; comm normally is not, but be lenient.
  const c = comm.startsWith('-') ? comm.slice(1) : comm;
  if (SHELLS.has(c)) return true;
  const slash = exe.lastIndexOf('/');
  return SHELLS.has(slash >= 0 ? exe.slice(slash + 1) : exe);
}

export function classifySource(e: SourceInput): Source {
  const terminal = isInteractiveTty(e.tty, e.ttyNr) || isInteractiveTty(e.parentTty, e.parentTtyNr);
  return terminal && isShell(e.parentComm, e.parentExe) ? 'user' : 'system';
}
