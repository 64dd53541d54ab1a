/** A Node system error as one short clause: "no such file or directory (ENOENT)". */
export function systemErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string') {
    // "ENOENT: no such file or directory, open '/x'" -> "no such file or directory (ENOENT)"
    // The quoted path may hold a newline: it goes too (callers name the path themselves, escaped).
    const text = String(err.message).replace(/^[A-Z0-9]+:\s*/, '').replace(/,\s*\w+( '[\s\S]*')?$/, '');
    return `${text} (${err.code})`;
  }
  return String((e as Error)?.message ?? e);
}
