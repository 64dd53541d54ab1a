// Checking values of a TOML config (smol-toml, integers as bigint): shared by precd's and
// prec-ship's configs so that both say the same thing about the same mistake. Each checker
// returns the value or throws KeyProblem naming the key; the caller adds the file name.
import { closeSync, openSync, readSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';

/** Problem found by a checker; turned into one line naming the file by the caller. */
export class KeyProblem {
  constructor(
    readonly key: string,
    readonly text: string,
  ) {}
}

/**
 * Parses TOML text, integers as bigint (so that `200.0`, a float, is told apart from `200`).
 * Throws `syntax(message)`'s result for a syntax error: `TOML syntax error at line L, column C: ...`.
 */
export function parseToml(text: string, syntax: (message: string) => Error): Record<string, unknown> {
  try {
    return parse(text, { integersAsBigInt: true });
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      throw syntax(`TOML syntax error at line ${e.line}, column ${e.column}: ${first}`);
    }
    throw e;
  }
}

export function typeName(v: unknown): string {
  if (typeof v === 'bigint') return 'an integer';
  if (typeof v === 'number') return Number.isFinite(v) ? 'a float' : 'a special float';
  if (typeof v === 'string') return `a string (${echo(v)})`;
  if (typeof v === 'boolean') return `a boolean (${v})`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  return 'a table';
}

export function quoteKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : echo(key);
}

export function wrongType(key: string, expected: string, v: unknown): never {
  throw new KeyProblem(key, `${quoteKey(key)}: expected ${expected}, got ${typeName(v)}`);
}

export function integer(v: unknown, key: string): number {
  if (typeof v !== 'bigint') wrongType(key, 'an integer', v);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new KeyProblem(key, `${key}: ${v} is out of range`);
  }
  return Number(v);
}

export function integerIn(v: unknown, key: string, min: number, max: number): number {
  const n = integer(v, key);
  if (n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a positive integer` : `${min}..${max}`;
    throw new KeyProblem(key, `${key}: ${n} is out of range (${range})`);
  }
  return n;
}

export function boolean(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean') wrongType(key, 'true or false', v);
  return v;
}

export function oneOf(v: unknown, key: string, allowed: readonly string[]): string {
  const list = allowed.map((a) => `"${a}"`).join(', ');
  if (typeof v !== 'string') wrongType(key, `one of ${list}`, v);
  if (!allowed.includes(v)) throw new KeyProblem(key, `${key}: ${echo(v)} is not one of ${list}`);
  return v;
}

export function absolutePath(v: unknown, key: string, hint = ''): string {
  if (typeof v !== 'string') wrongType(key, 'a path (string)', v);
  if (!v.startsWith('/') || v.endsWith('/') || v.includes('\0')) {
    throw new KeyProblem(key, `${key}: ${echo(v)} is not an absolute file path${hint}`);
  }
  return v;
}

/** A config file is small: more than this is refused (`-c /dev/zero` must not grow without end). */
export const MAX_CONFIG_BYTES = 1 << 20;

/** At most MAX_CONFIG_BYTES + 1 bytes of the file: one more than allowed tells a file too large. */
export function readBounded(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Offset of the first byte that is not valid UTF-8, or -1. Strict: no overlong forms, surrogates
 * or code points above U+10FFFF (a replaced byte would make precd log elsewhere than the file says).
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const [n, lo, hi] = c >= 0xc2 && c <= 0xdf ? [1, 0x80, 0xbf] : c === 0xe0 ? [2, 0xa0, 0xbf] : c === 0xed ? [2, 0x80, 0x9f]
      : c >= 0xe1 && c <= 0xef ? [2, 0x80, 0xbf] : c === 0xf0 ? [3, 0x90, 0xbf] : c === 0xf4 ? [3, 0x80, 0x8f]
      : c >= 0xf1 && c <= 0xf3 ? [3, 0x80, 0xbf] : [0, 0, 0];
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * A value echoed in a message: quoted, cut to a length a terminal line can hold, and with every
 * character that could rewrite the line escaped: JSON.stringify does C0 controls and lone
 * surrogates, the rest (DEL, C1 controls, zero-width and BIDI marks, separators, BOM) as `\uXXXX`.
 */
export function echo(v: string): string {
  return JSON.stringify(v.length > ECHO_MAX ? `${v.slice(0, ECHO_MAX)}…` : v).replace(
    UNSAFE_AFTER_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
const ECHO_MAX = 120;
const UNSAFE_AFTER_JSON = /[\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** A file name in a message (`config PATH: ...`): as it is when plainly printable, else echoed. */
export function shownPath(path: string): string {
  // JSON.stringify leaves it alone: no C0 control, quote, backslash or lone surrogate.
  const plain = JSON.stringify(path) === `"${path}"` && !UNSAFE_ONE.test(path);
  return plain ? path : echo(path);
}
const UNSAFE_ONE = new RegExp(UNSAFE_AFTER_JSON.source);

