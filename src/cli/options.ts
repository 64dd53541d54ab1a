// The parsed command line, independent of oclif, and the checks that need no file.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from './errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from './format.js';

export const DEFAULT_CONFIG_PATH = '/etc/prec/precd.conf';
export const DEFAULT_LOG_PATH = '/var/log/prec/prec.log';

export interface PrecOptions {
  readonly input: string;
  readonly allLogs: boolean;
  readonly allSources: boolean;
  readonly queries: readonly string[];
  readonly fields: string | undefined;
  readonly fullTime: boolean;
  readonly limit: number;
  readonly follow: boolean;
  readonly tree: boolean;
  readonly output: OutputFormat;
  readonly csvRaw: boolean;
}

/**
 * The log precd writes: log_path from its config when that file exists and names one, else the
 * built-in default. A config prec cannot read or parse is precd's problem, not a reason to refuse
 * reading the default log, so it falls back silently.
 */
export function defaultInput(configPath = DEFAULT_CONFIG_PATH): string {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    return DEFAULT_LOG_PATH;
  }
  try {
    const conf = parseToml(text) as Record<string, unknown>;
    if (typeof conf.log_path === 'string' && conf.log_path !== '') return conf.log_path;
  } catch {
    // fall through
  }
  return DEFAULT_LOG_PATH;
}

export function parseLimit(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new UsageError(`-n expects a whole number of rows, got "${text}"`);
  const n = Number(t);
  if (n < 0) throw new UsageError(`-n must be 0 or more, got ${t}`);
  if (!Number.isSafeInteger(n)) throw new UsageError(`-n ${t} is too large`);
  return n;
}

export function parseOutput(text: string | undefined): OutputFormat {
  if (text === undefined) return 'text';
  if ((OUTPUT_FORMATS as readonly string[]).includes(text)) return text as OutputFormat;
  throw new UsageError(`-o expects one of ${OUTPUT_FORMATS.join(', ')}, got "${text}"`);
}

export function checkCombination(o: Pick<PrecOptions, 'tree' | 'follow'>): void {
  if (o.tree && o.follow) throw new UsageError('--tree cannot be used with --follow (the tree is built from a finished read)');
}
