// precd's configuration: TOML (smol-toml) checked against SPEC section 6. Every problem is one line
// that names the file, the key (and for filter rules the rule index and column), so that precd can
// refuse to start before it loads anything.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  absolutePath,
  boolean,
  echo,
  firstInvalidUtf8,
  integer,
  integerIn,
  KeyProblem,
  MAX_CONFIG_BYTES,
  oneOf,
  parseToml,
  quoteKey,
  readBounded,
  shownPath,
  typeName,
  wrongType,
} from '../config/checks.js';
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
  let bytes: Buffer;
  try {
    bytes = readBounded(path);
  } catch (e) {
    throw new ConfigError(`config ${shownPath(path)}: cannot read it: ${systemErrorText(e)}`, path);
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw new ConfigError(`config ${shownPath(path)}: larger than 1 MiB, not a config file`, path);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const before = bytes.subarray(0, bad);
    const line = before.filter((b) => b === 0x0a).length + 1;
    throw new ConfigError(`config ${shownPath(path)}: not valid UTF-8 at byte ${bad} (line ${line}, column ${bad - before.lastIndexOf(0x0a)})`, path);
  }
  return { config: parseConfig(bytes.toString('utf8'), path), origin: path, usedDefaults: false };
}

export { firstInvalidUtf8 } from '../config/checks.js';

/**
 * A log_path that can never be opened (a directory, or a path under a regular file): what
 * `--check-config` says beyond the syntax. Undefined when it may be opened (or created).
 */
export function logPathProblem(config: Config): string | undefined {
  const path = config.log_path;
  const st = statOrUndefined(path);
  if (st?.isDirectory()) return `log_path: ${echo(path)} is a directory`;
  if (st && !st.isFile()) return `log_path: ${echo(path)} is not a regular file`;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const d = statOrUndefined(dir);
    if (d && !d.isDirectory()) return `log_path: ${echo(path)} is under ${echo(dir)}, which is not a directory`;
    if (d || dir === '/') return undefined;
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
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
  metrics_path: (v, k) => (v === '' ? v : absolutePath(v, k, ' (or "" for no metrics file)')),
  metrics_interval_s: (v, k) => integerIn(v, k, 1, 3600),
  seal_interval_s: (v, k) => integerIn(v, k, 1, 3600),
  seal_key_path: (v, k) => absolutePath(v, k),
  priority_boost: (v, k) => integerIn(v, k, 0, 20),
};

export const CONFIG_KEYS: readonly string[] = Object.keys(CHECKS);

/** Parses and checks TOML text; `origin` names it in messages. Throws ConfigError. */
export function parseConfig(text: string, origin: string): Config {
  const doc = parseToml(text, (m) => new ConfigError(`config ${shownPath(origin)}: ${m}`, origin));
  try {
    return checkDocument(doc);
  } catch (e) {
    if (e instanceof KeyProblem) throw new ConfigError(`config ${shownPath(origin)}: ${e.text}`, origin, e.key);
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
      throw new KeyProblem(key, `unknown key ${echo(key)}${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${CONFIG_KEYS.join(', ')}`);
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
    const where = `filter[${i}] (${echo(rule)})`;
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

function powerOfTwo(v: unknown, key: string, min: number, max: number): number {
  const n = integerIn(v, key, min, max);
  if ((n & (n - 1)) !== 0) throw new KeyProblem(key, `${key}: ${n} is not a power of two (1, 2, 4, ... ${max})`);
  return n;
}

function stringArray(v: unknown, key: string): string[] {
  if (!Array.isArray(v)) wrongType(key, 'an array of rule strings', v);
  v.forEach((item, i) => {
    if (typeof item !== 'string') throw new KeyProblem(`${key}[${i}]`, `${key}[${i}]: expected a rule string ("+QUERY" or "-QUERY"), got ${typeName(item)}`);
  });
  return v as string[];
}
