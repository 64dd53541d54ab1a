// Kernel argument bytes -> the argv of a record. The kernel hands each argument followed by a NUL;
// a NUL byte is never part of a UTF-8 multi-byte sequence, so decoding first and splitting on '\0'
// afterwards gives exactly the per-argument split, empty arguments included.

import { isUtf8 } from 'node:buffer';

export interface ArgvLimits {
  maxArgs: number;
  /** Per argument, in characters (code points). */
  maxArgLength: number;
}

export interface DecodedArgv {
  argv: string[];
  argc: number;
  /** true when the limits or the kernel's copy bound cut something. */
  truncated: boolean;
  /** base64 of the NUL-separated raw bytes, only when some argument was not valid UTF-8. */
  raw?: string;
}

/** Splits raw bytes into arguments exactly as given (argv[0] untouched). */
export function splitArgs(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const text = bytes.toString('utf8'); // invalid sequences become U+FFFD
  const parts = text.split('\0');
  // Each argument is NUL-terminated: the piece after the last NUL is empty, unless the kernel's
  // copy was cut inside an argument, in which case it is that argument's beginning.
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function decodeArgv(bytes: Buffer, kernelArgc: number, kernelTruncated: boolean, limits: ArgvLimits): DecodedArgv {
  let argv = splitArgs(bytes);
  let truncated = kernelTruncated || argv.length < kernelArgc;
  let raw: string | undefined;
  if (!isUtf8(bytes)) {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
    raw = bytes.subarray(0, end).toString('base64');
  }
  if (argv.length > limits.maxArgs) {
    argv = argv.slice(0, limits.maxArgs);
    truncated = true;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // length counts UTF-16 units, never fewer than code points: only long ones need a closer look.
    if (a.length > limits.maxArgLength) {
      const cut = truncateChars(a, limits.maxArgLength);
      if (cut !== a) {
        argv[i] = cut;
        truncated = true;
      }
    }
  }
  return { argv, argc: Math.max(kernelArgc, argv.length), truncated, raw };
}

/** The first `max` code points of s (never splits a surrogate pair). */
export function truncateChars(s: string, max: number): string {
  let units = 0;
  let count = 0;
  while (units < s.length && count < max) {
    const c = s.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < s.length ? 2 : 1;
    count++;
  }
  return units >= s.length ? s : s.slice(0, units);
}
