// Kernel tty names are relative to /dev (`pts/3`, `tty1`); records show the device path.

/** 'pts/3' -> '/dev/pts/3'; undefined when there is no terminal. */
export function ttyPath(name: string): string | undefined {
  if (name === '') return undefined;
  return name.startsWith('/') ? name : `/dev/${name}`;
}
