// Starts the real precd (real eBPF) with a temporary config, log and lock, and reads back what it
// wrote. Shared by every end-to-end test that needs a running daemon.
//
// Readiness contract: precd prints exactly one line `precd: ready (pid N) logging to PATH` on stderr
// once its probes are attached and its reader runs; every exec after that line is recorded.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { stringify } from 'smol-toml';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PRECD_BIN = join(REPO_ROOT, 'bin', 'precd.js');
export const READY_RE = /^precd: ready \(pid (\d+)\) logging to (.*)$/m;

/** The node flags of bin/precd.js's `#!/usr/bin/env -S node FLAGS` line: precd runs with them everywhere. */
export const PRECD_NODE_FLAGS: readonly string[] = (() => {
  const first = readFileSync(PRECD_BIN, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(first);
  if (!m) throw new Error(`unexpected first line in ${PRECD_BIN}: ${first}`);
  return m[1]!.trim().split(' ').filter((f) => f !== '');
})();

export type Rec = Record<string, unknown> & { record_type: string };

export interface PrecdOptions {
  /** Config keys besides log_path, lock_path and metrics_path (which always point into the temp dir). */
  config?: Record<string, unknown>;
  /** How long to wait for the ready line. */
  readyTimeoutMs?: number;
  /** Reuse this temp dir (same log, lock and seal key file): a restart of an earlier precd. */
  dir?: string;
  /** Node flags instead of bin/precd.js's own (benchmarks comparing them side by side). */
  nodeFlags?: readonly string[];
}

/** A unique token to put into argv so a test finds its own records among the host's. */
export function marker(prefix = 'precmark'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** Runs `node bin/precd.js ARGS` to completion (for --version, --check-config, errors). */
export function runPrecdSync(args: string[], timeoutMs = 30_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...PRECD_NODE_FLAGS, PRECD_BIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
}

/** Writes a TOML config into a fresh temp dir; returns its path and the dir. */
export function writeConfig(config: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), 'precd-test-'))): string {
  const path = join(dir, 'precd.conf');
  writeFileSync(path, stringify(config));
  return path;
}

export class Precd {
  stderr = '';
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    readonly dir: string,
    readonly configPath: string,
    readonly logPath: string,
    readonly lockPath: string,
    readonly child: ChildProcess,
  ) {
    child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
    });
    // 'close', not 'exit': only then has all of its stderr been read (tests check its last lines).
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      this.stderr += s;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Starts precd and resolves once it printed its ready line; rejects with its stderr if it exits first. */
  static async start(opts: PrecdOptions = {}): Promise<Precd> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'precd-test-'));
    const logPath = join(dir, 'log', 'prec.log');
    const lockPath = join(dir, 'precd.lock');
    // metrics_path and the seal key file too: tests never touch the host's node_exporter directory
    // or /var/lib/prec.
    const base = {
      log_path: logPath, lock_path: lockPath, metrics_path: join(dir, 'prec.prom'), seal_key_path: join(dir, 'seal.key'),
      flush_interval_ms: 50,
    };
    const configPath = writeConfig({ ...base, ...opts.config }, dir);
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? PRECD_NODE_FLAGS), PRECD_BIN, '-c', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const p = new Precd(dir, configPath, logPath, lockPath, child);
    await p.waitForStderr(READY_RE, opts.readyTimeoutMs ?? 30_000);
    return p;
  }

  /** Resolves when stderr matches; rejects when precd exits or the time runs out. */
  async waitForStderr(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stderr.match(re);
      if (m) return m;
      if (!this.running) throw new Error(`precd exited (${JSON.stringify(this.exitInfo)}) before ${re}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} on precd stderr: ${this.stderr}`);
      await sleep(20);
    }
  }

  /** Every complete record written so far (an unfinished last frame or line is tolerated). */
  records(): Rec[] {
    return readLogRecords(this.logPath);
  }

  /**
   * Polls the log until `done(records)` holds; returns the records. Rejects with a summary after the
   * timeout (a generous bound so a slow CI machine does not fail; not a speed assertion).
   */
  async waitForRecords(done: (recs: Rec[]) => boolean, timeoutMs = 20_000): Promise<Rec[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const recs = this.records();
      if (done(recs)) return recs;
      if (!this.running) throw new Error(`precd exited: ${this.stderr}`);
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for records (${recs.length} in log); precd stderr: ${this.stderr}`);
      }
      await sleep(50);
    }
  }

  /** Resolves with the exit status once precd exits by itself, undefined after the timeout. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), timeoutMs);
    });
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return r;
  }

  /** Sends SIGTERM (by pid) and waits for exit; returns the exit status. SIGKILL after the timeout. */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, timeoutMs);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }

  /** Stops precd if needed and removes the temp dir. */
  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Records of the test whose argv contains `mark` (start and fail), and the ends paired with them. */
export function recordsFor(recs: Rec[], mark: string): { starts: Rec[]; fails: Rec[]; ends: Rec[] } {
  const hit = (r: Rec) => Array.isArray(r.argv) && (r.argv as string[]).some((a) => a.includes(mark));
  const starts = recs.filter((r) => r.record_type === 'start' && hit(r));
  const fails = recs.filter((r) => r.record_type === 'fail' && hit(r));
  const ids = new Set(starts.map((r) => r.event_id));
  const ends = recs.filter((r) => r.record_type === 'end' && ids.has(r.event_id));
  return { starts, fails, ends };
}

/**
 * Decompressed text of a log file, format found from the first bytes: zstd (`zstd -dc`), gzip
 * (`gzip -dc`) or plain. The stock tools print what they decoded before complaining about a cut
 * frame, so a log still being written (or left by a killed precd) reads up to its last flush.
 */
export function readLogText(path: string): string {
  if (!existsSync(path)) return '';
  // One read: the format and the bytes decoded come from the same snapshot. Reading the file again
  // after looking at its head raced with precd creating a new file after rotation (a head of fewer
  // than 4 bytes, then the whole zstd frame read as text).
  const bytes = readFileSync(path);
  let tool: string | undefined;
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0xfd2fb528) tool = 'zstd';
  else if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) tool = 'gzip';
  if (!tool) return bytes.toString('utf8');
  const r = spawnSync(tool, ['-dc'], { input: bytes, maxBuffer: 1 << 30 });
  return r.stdout.toString('utf8');
}

/** Complete JSON lines of a log (a trailing line without newline is ignored: not yet complete). */
export function readLogRecords(path: string): Rec[] {
  const text = readLogText(path);
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or an unfinished line
  return lines.filter((l) => l.length > 0).map((l) => JSON.parse(l) as Rec);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a command to completion (no shell), returns status and output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, input: opts.input, timeout: 60_000 });
}
