// What `prec run` needs to know about precd: where it logs, its lock, how often it flushes, all from
// its config (/etc/prec/precd.conf, or -c), and whether it is running now.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { DEFAULT_CONFIG_PATH, DEFAULT_LOG_PATH } from './options.js';

export interface PrecdSettings {
  readonly logPath: string;
  readonly lockPath: string;
  readonly flushIntervalMs: number;
}

// precd's own defaults (src/daemon/defaults.ts; the CLI never imports the daemon).
const DEFAULT_LOCK_PATH = '/run/precd.lock';
const DEFAULT_FLUSH_MS = 200;

/** precd's settings from its config; the defaults where the file or a key is missing. */
export function precdSettings(configPath = DEFAULT_CONFIG_PATH): PrecdSettings {
  let conf: Record<string, unknown> = {};
  try {
    conf = parseToml(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch {
    // no config, or not one prec can read: precd's defaults
  }
  const str = (k: string, d: string): string => (typeof conf[k] === 'string' && conf[k] !== '' ? (conf[k] as string) : d);
  const flush = typeof conf.flush_interval_ms === 'number' ? conf.flush_interval_ms : DEFAULT_FLUSH_MS;
  return { logPath: str('log_path', DEFAULT_LOG_PATH), lockPath: str('lock_path', DEFAULT_LOCK_PATH), flushIntervalMs: flush };
}

/**
 * The pid of the precd holding `lockPath`, or undefined when none runs: precd writes its pid into
 * its lock file and holds the lock for its life; the pid must be a live process named precd
 * (a stale file from a killed precd names a dead or reused pid).
 */
export function runningPrecd(lockPath: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /precd/.test(cmdline) ? pid : undefined;
  } catch {
    return undefined;
  }
}
