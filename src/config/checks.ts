// Checking values of a TOML config (smol-toml, integers as bigint): shared by precd's and
// prec-ship's configs so that both say the same thing about the same mistake. Each checker
// returns the value or throws KeyProblem naming the key; the caller adds the file name.
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
  if (typeof v === 'string') return `a string (${JSON.stringify(v)})`;
  if (typeof v === 'boolean') return `a boolean (${v})`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  return 'a table';
}

export function quoteKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
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
  if (!allowed.includes(v)) throw new KeyProblem(key, `${key}: ${JSON.stringify(v)} is not one of ${list}`);
  return v;
}

export function absolutePath(v: unknown, key: string, hint = ''): string {
  if (typeof v !== 'string') wrongType(key, 'a path (string)', v);
  if (!v.startsWith('/') || v.endsWith('/') || v.includes('\0')) {
    throw new KeyProblem(key, `${key}: ${JSON.stringify(v)} is not an absolute file path${hint}`);
  }
  return v;
}
