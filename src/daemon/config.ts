// precd's configuration: TOML (smol-toml) checked against SPEC section 6. Every problem is one line
// that names the file, the key (and for filter rules the rule index and column), so that precd can
// refuse to start before it loads anything.
import { readFileSync, existsSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { compileQuery, keyPositions, QueryError } from '../query/index.js';
import { END_ONLY_FIELDS, nearestName } from '../schema/index.js';
import { systemErrorText } from './errors.js';
import {
  COMPRESS_LEVELS,
  DEFAULT_CONFIG,
  DEFAULT_CONFIG_PATH,
  type Compress,
  type Config,
  type FilterDefault,
  type LostSamplesAction,
} from './defaults.js';

export { DEFAULT_CONFIG, DEFAULT_CONFIG_PATH, COMPRESS_LEVELS };
export type { Config, Compress, FilterDefault, LostSamplesAction };

/** Origin reported when no file was read. */
export const EMBEDDED_ORIGIN = 'embedded defaults';

/**
 * A config that cannot be used; `message` is the whole explanation, `config PATH: ...` on one line,
 * except for a filter rule: then two more lines show the rule and a caret under the column (SPEC 7).
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly origin: string,
    /** The offending key (`filter[2]` for a rule), when there is one. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or EMBEDDED_ORIGIN. */
  readonly origin: string;
  /** True when no file was given and the default file is absent: the caller says so on stderr. */
  readonly usedDefaults: boolean;
}

/**
 * Reads and checks the config. Without `path`, /etc/prec/precd.conf when it exists, else the embedded
 * defaults; a path given explicitly (`-c`) must exist. Throws ConfigError.
 */
export function loadConfig(path?: string, defaultPath: string = DEFAULT_CONFIG_PATH): LoadedConfig {
  if (path === undefined) {
    if (!existsSync(defaultPath)) return { config: DEFAULT_CONFIG, origin: EMBEDDED_ORIGIN, usedDefaults: true };
    path = defaultPath;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config ${path}: cannot read it: ${systemErrorText(e)}`, path);
  }
  return { config: parseConfig(text, path), origin: path, usedDefaults: false };
}

type Checker = (value: unknown, key: string) => unknown;

// The keys of SPEC section 6 and how each is checked; compress_level is checked after the loop
// because its range depends on `compress`.
const CHECKS: Readonly<Record<string, Checker>> = {
  log_path: (v, k) => absolutePath(v, k),
  compress: (v, k) => oneOf(v, k, ['no', 'gz', 'zstd']),
  compress_level: (v, k) => integer(v, k),
  flush_interval_ms: (v, k) => integerIn(v, k, 10, 5000),
  user_only: (v, k) => boolean(v, k),
  lost_samples_action: (v, k) => oneOf(v, k, ['log', 'ignore', 'stop']),
  filter_default: (v, k) => oneOf(v, k, ['allow', 'deny']),
  filter: (v, k) => stringArray(v, k),
  max_args: (v, k) => integerIn(v, k, 1, Number.MAX_SAFE_INTEGER),
  max_arg_length: (v, k) => integerIn(v, k, 1, Number.MAX_SAFE_INTEGER),
  ring_buffer_mb: (v, k) => powerOfTwo(v, k, 1, 1024),
  lock_path: (v, k) => absolutePath(v, k),
  seal_interval_s: (v, k) => integerIn(v, k, 1, 3600),
  seal_key_path: (v, k) => absolutePath(v, k),
};

export const CONFIG_KEYS: readonly string[] = Object.keys(CHECKS);

/** Problem found by a checker; turned into a ConfigError naming the file. */
class KeyProblem {
  constructor(
    readonly key: string,
    readonly text: string,
  ) {}
}

/** Parses and checks TOML text; `origin` names it in messages. Throws ConfigError. */
export function parseConfig(text: string, origin: string): Config {
  let doc: Record<string, unknown>;
  try {
    // Integers as bigint so that `200.0` (a float) is told apart from `200`.
    doc = parse(text, { integersAsBigInt: true });
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError(`config ${origin}: TOML syntax error at line ${e.line}, column ${e.column}: ${first}`, origin);
    }
    throw e;
  }
  try {
    return checkDocument(doc);
  } catch (e) {
    if (e instanceof KeyProblem) throw new ConfigError(`config ${origin}: ${e.text}`, origin, e.key);
    throw e;
  }
}

function checkDocument(doc: Record<string, unknown>): Config {
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(doc)) {
    if (/^(include|exclude)_/.test(key)) {
      throw new KeyProblem(
        key,
        `${quoteKey(key)}: the include_*/exclude_* keys of the original prec are not supported; ` +
          `write ordered filter rules instead, e.g. filter = ["-user=nginx", "+uid>=1000"]`,
      );
    }
    const check = Object.hasOwn(CHECKS, key) ? CHECKS[key] : undefined;
    if (!check) {
      const near = nearestName(key, CONFIG_KEYS);
      throw new KeyProblem(key, `unknown key ${JSON.stringify(key)}${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${CONFIG_KEYS.join(', ')}`);
    }
    out[key] = check(value, key);
  }
  const compress = out.compress as Compress;
  const range = COMPRESS_LEVELS[compress];
  if (Object.hasOwn(doc, 'compress_level') && compress !== 'no') {
    const level = out.compress_level as number;
    if (level < range.min || level > range.max) {
      throw new KeyProblem('compress_level', `compress_level: ${level} is out of range for compress = "${compress}" (${range.min}..${range.max})`);
    }
  } else {
    out.compress_level = range.default;
  }
  out.filter = checkRules(out.filter as readonly string[]);
  return Object.freeze(out) as unknown as Config;
}

function checkRules(rules: readonly string[]): readonly string[] {
  rules.forEach((rule, i) => {
    const where = `filter[${i}] (${JSON.stringify(rule)})`;
    const fail = (text: string, column: number): never => {
      throw new KeyProblem(`filter[${i}]`, `${where}: ${text} at column ${column}\n${ruleWithCaret(rule, column)}`);
    };
    const sign = rule[0];
    if (sign !== '+' && sign !== '-') fail('a rule must start with "+" (keep) or "-" (drop)', 1);
    const query = rule.slice(1);
    let needsEnd: boolean;
    try {
      needsEnd = compileQuery(query).needsEnd;
    } catch (e) {
      if (e instanceof QueryError) return fail(e.message, e.column + 1);
      throw e;
    }
    if (needsEnd) {
      const hit = findEndOnlyKey(query);
      fail(
        `${hit ? `"${hit.key}" is` : 'the rule names'} an end-only field, unknown when the start record is written; ` +
          `filters apply to start and fail records (end-only: ${END_ONLY_FIELDS.join(', ')})`,
        hit ? hit.column + 1 : 2,
      );
    }
  });
  return Object.freeze([...rules]);
}

/**
 * `  RULE` and `  ^` under its 1-based column, with control characters escaped and wide characters
 * counted as two cells: the query errors' own rendering (QueryError.format), without its first line.
 */
function ruleWithCaret(rule: string, column: number): string {
  return new QueryError('', rule, column).format().split('\n').slice(1).join('\n');
}

/** First clause key of the query that is an end-only field, with its 1-based column in the query. */
function findEndOnlyKey(query: string): { key: string; column: number } | undefined {
  return keyPositions(query).find((k) => END_ONLY_FIELDS.includes(k.key));
}

function typeName(v: unknown): string {
  if (typeof v === 'bigint') return 'an integer';
  if (typeof v === 'number') return Number.isFinite(v) ? 'a float' : 'a special float';
  if (typeof v === 'string') return `a string (${JSON.stringify(v)})`;
  if (typeof v === 'boolean') return `a boolean (${v})`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  return 'a table';
}

function quoteKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function wrongType(key: string, expected: string, v: unknown): never {
  throw new KeyProblem(key, `${quoteKey(key)}: expected ${expected}, got ${typeName(v)}`);
}

function integer(v: unknown, key: string): number {
  if (typeof v !== 'bigint') wrongType(key, 'an integer', v);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new KeyProblem(key, `${key}: ${v} is out of range`);
  }
  return Number(v);
}

function integerIn(v: unknown, key: string, min: number, max: number): number {
  const n = integer(v, key);
  if (n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a positive integer` : `${min}..${max}`;
    throw new KeyProblem(key, `${key}: ${n} is out of range (${range})`);
  }
  return n;
}

function powerOfTwo(v: unknown, key: string, min: number, max: number): number {
  const n = integerIn(v, key, min, max);
  if ((n & (n - 1)) !== 0) throw new KeyProblem(key, `${key}: ${n} is not a power of two (1, 2, 4, ... ${max})`);
  return n;
}

function boolean(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean') wrongType(key, 'true or false', v);
  return v;
}

function oneOf(v: unknown, key: string, allowed: readonly string[]): string {
  const list = allowed.map((a) => `"${a}"`).join(', ');
  if (typeof v !== 'string') wrongType(key, `one of ${list}`, v);
  if (!allowed.includes(v)) throw new KeyProblem(key, `${key}: ${JSON.stringify(v)} is not one of ${list}`);
  return v;
}

function absolutePath(v: unknown, key: string): string {
  if (typeof v !== 'string') wrongType(key, 'a path (string)', v);
  if (!v.startsWith('/') || v.endsWith('/') || v.includes('\0')) {
    throw new KeyProblem(key, `${key}: ${JSON.stringify(v)} is not an absolute file path`);
  }
  return v;
}

function stringArray(v: unknown, key: string): string[] {
  if (!Array.isArray(v)) wrongType(key, 'an array of rule strings', v);
  v.forEach((item, i) => {
    if (typeof item !== 'string') throw new KeyProblem(`${key}[${i}]`, `${key}[${i}]: expected a rule string ("+QUERY" or "-QUERY"), got ${typeName(item)}`);
  });
  return v as string[];
}
