// The exec tracers under test, each behind the same small interface: start, (rules on/off), stop,
// and "which storm markers did you record": precd (ours), auditd (the classic audit trail) and
// bpftrace (argv printed from sys_enter_execve). Each runs on temporary paths and is stopped by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Precd, readLogText } from '../../test/helpers/precd.js';
import { mustRun, onAbort, sleep, waitCpuQuiet } from './proc.js';

export interface Capture {
  /** Unique storm markers seen in an exec record (start / EXECVE / printed argv). */
  started: Set<string>;
  /** Markers whose exec record carries exactly the storm's argv. */
  fullArgv: number;
  /** Markers whose end record was found (precd only). */
  ended?: number;
  /** Events the tracer itself says it dropped. */
  lost: number;
  /** All exec records in the output (the host's other commands included). */
  execRecords: number;
  bytes: number;
}

const markerOf = (prefix: string, s: string | undefined): string | undefined =>
  s !== undefined && s.startsWith(`${prefix}-`) ? s : undefined;

// ---------------------------------------------------------------------------------------------- precd

export class PrecdTracer {
  private unregister: () => void;
  private constructor(readonly d: Precd) {
    this.unregister = onAbort(() => d.child.kill('SIGTERM'));
  }

  /** Starts precd and waits until its start-up work is over, so that only steady state is measured. */
  static async start(config: Record<string, unknown> = {}): Promise<PrecdTracer> {
    const d = await Precd.start({ config: { flush_interval_ms: 200, ...config }, readyTimeoutMs: 60_000 });
    await waitCpuQuiet(d.pid, 10_000, 300, 0.01);
    return new PrecdTracer(d);
  }

  get pid(): number {
    return this.d.pid;
  }
  get logPath(): string {
    return this.d.logPath;
  }

  async stop(): Promise<void> {
    const r = await this.d.stop();
    if (r.code !== 0) throw new Error(`precd exited ${JSON.stringify(r)}: ${this.d.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }

  async cleanup(): Promise<void> {
    await this.d.cleanup();
    this.unregister();
  }

  /** Reads the log (after stop: complete) and checks the storm's markers. */
  capture(prefix: string, program: string): Capture {
    const text = readLogText(this.logPath);
    const started = new Set<string>();
    const ids = new Set<string>();
    let fullArgv = 0;
    let ended = 0;
    let lost = 0;
    let execRecords = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (r.record_type === 'start' || r.record_type === 'fail') execRecords++;
      if (r.record_type === 'loss') lost += Number(r.lost_samples ?? 0);
      if (r.record_type === 'start' && Array.isArray(r.argv)) {
        const argv = r.argv as string[];
        const m = markerOf(prefix, argv[1]);
        if (!m || started.has(m)) continue;
        started.add(m);
        ids.add(String(r.event_id));
        if (argv.length === 2 && argv[0] === program && r.argc === 2 && r.argv_truncated === undefined) fullArgv++;
      } else if (r.record_type === 'end' && ids.has(String(r.event_id))) {
        ended++;
      }
    }
    return { started, fullArgv, ended, lost, execRecords, bytes: statSync(this.logPath).size };
  }
}

// --------------------------------------------------------------------------------------------- auditd

const AUDIT_RULE = ['always,exit', '-F', 'arch=b64', '-S', 'execve,execveat', '-k', 'precbench'];

function auditStatus(): Record<string, number> {
  const out = mustRun('auditctl', ['-s']);
  const s: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^(\w+) (\d+)/.exec(line);
    if (m) s[m[1]!] = Number(m[2]);
  }
  return s;
}

export class AuditdTracer {
  private rulesLoaded = false;
  private lostAtStart = 0;
  private unregister: () => void;
  private constructor(
    readonly dir: string,
    readonly logPath: string,
    private child: ChildProcess,
    private exited: Promise<void>,
    private before: Record<string, number>,
  ) {
    this.unregister = onAbort(() => {
      spawnSync('auditctl', ['-d', ...AUDIT_RULE], { stdio: 'ignore' });
      child.kill('SIGTERM');
      this.restoreKernelSettings();
    });
  }

  /** The kernel's audit switch and backlog limit as they were before the benchmark. */
  private restoreKernelSettings(): void {
    spawnSync('auditctl', ['-b', String(this.before.backlog_limit ?? 64)], { stdio: 'ignore' });
    spawnSync('auditctl', ['-e', String(this.before.enabled ?? 0)], { stdio: 'ignore' });
  }

  /**
   * auditd -n (no fork, no systemd) on a temporary config and log; kernel audit must accept it.
   * Its plugin directory is a temporary one too, holding just `plugins` (file name -> contents):
   * the system's /etc/audit/plugins.d is never read (the laurel package puts an active plugin there).
   */
  static async start(plugins: Record<string, string> = {}): Promise<AuditdTracer> {
    const before = auditStatus();
    if (before.pid) throw new Error(`an audit daemon already runs (pid ${before.pid}); not touching it`);
    const dir = mkdtempSync(join(tmpdir(), 'bench-auditd-'));
    const logPath = join(dir, 'audit.log');
    const base = readFileSync('/etc/audit/auditd.conf', 'utf8');
    const set = (text: string, key: string, value: string) =>
      new RegExp(`^${key}\\s*=`, 'm').test(text) ? text.replace(new RegExp(`^${key}\\s*=.*$`, 'm'), `${key} = ${value}`) : `${text}\n${key} = ${value}\n`;
    let conf = base;
    // Debian's settings, except: our own log file, no rotation in the middle of a storm.
    conf = set(conf, 'log_file', logPath);
    conf = set(conf, 'log_group', 'root');
    conf = set(conf, 'max_log_file', '4096');
    conf = set(conf, 'max_log_file_action', 'IGNORE');
    conf = set(conf, 'plugin_dir', join(dir, 'plugins.d'));
    mkdirSync(join(dir, 'plugins.d'), { mode: 0o750 });
    for (const [name, text] of Object.entries(plugins)) writeFileSync(join(dir, 'plugins.d', name), text, { mode: 0o640 });
    writeFileSync(join(dir, 'auditd.conf'), conf, { mode: 0o640 });
    const child = spawn('auditd', ['-n', '-c', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    let alive = true;
    void exited.then(() => (alive = false));
    const deadline = Date.now() + 15_000;
    try {
      for (;;) {
        await sleep(100);
        if (!alive) throw new Error(`auditd exited: ${stderr.trim() || 'no message'}`);
        if (auditStatus().pid === child.pid) break;
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`auditd did not register with the kernel: ${stderr.trim()}`);
        }
      }
    } catch (e) {
      spawnSync('auditctl', ['-e', String(before.enabled ?? 0)], { stdio: 'ignore' });
      throw e;
    }
    return new AuditdTracer(dir, logPath, child, exited, before);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Debian's audit.rules default backlog (-b 8192), then the exec rule. */
  rulesOn(): void {
    mustRun('auditctl', ['-b', '8192']);
    mustRun('auditctl', ['-a', ...AUDIT_RULE]);
    this.rulesLoaded = true;
    this.lostAtStart = auditStatus().lost ?? 0;
  }

  rulesOff(): void {
    if (!this.rulesLoaded) return;
    mustRun('auditctl', ['-d', ...AUDIT_RULE]);
    this.rulesLoaded = false;
  }

  /** Kernel-side losses since the rule went on. */
  lostSinceRules(): number {
    return (auditStatus().lost ?? 0) - this.lostAtStart;
  }

  /**
   * Waits until everything before now is in the log: execs a sentinel command and waits for its
   * EXECVE record (the host's other commands keep the log growing, so "stops growing" never comes).
   */
  async drain(timeoutMs = 60_000): Promise<void> {
    const sentinel = `precbenchdrain${process.pid}x${Date.now()}`;
    spawnSync('/bin/true', [sentinel]);
    const deadline = Date.now() + timeoutMs;
    let offset = 0;
    let carry = '';
    while (Date.now() < deadline) {
      await sleep(100);
      if (!existsSync(this.logPath)) continue;
      const size = statSync(this.logPath).size;
      if (size <= offset) continue;
      const fd = openSync(this.logPath, 'r');
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      closeSync(fd);
      offset = size;
      const text = carry + buf.toString('latin1');
      if (text.includes(sentinel)) return;
      carry = text.slice(-sentinel.length);
    }
    throw new Error(`auditd did not log a sentinel exec within ${timeoutMs / 1000} s`);
  }

  async stop(): Promise<void> {
    try {
      this.rulesOff();
    } finally {
      this.child.kill('SIGTERM');
      await Promise.race([this.exited, sleep(10_000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      this.restoreKernelSettings();
      this.unregister();
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  capture(prefix: string, program: string, lost: number): Capture {
    const text = existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
    const started = new Set<string>();
    let fullArgv = 0;
    let execRecords = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('type=EXECVE ')) continue;
      execRecords++;
      const m = / a1="([^"]*)"/.exec(line);
      const marker = markerOf(prefix, m?.[1]);
      if (!marker || started.has(marker)) continue;
      started.add(marker);
      if (/ argc=2 /.test(line) && line.includes(` a0="${program}"`)) fullArgv++;
    }
    return { started, fullArgv, lost, execRecords, bytes: existsSync(this.logPath) ? statSync(this.logPath).size : 0 };
  }
}

// ------------------------------------------------------------------------------------------- bpftrace

export const BPFTRACE_SCRIPT =
  'tracepoint:syscalls:sys_enter_execve,tracepoint:syscalls:sys_enter_execveat { join(args->argv); }';

export class BpftraceTracer {
  private unregister: () => void;
  private constructor(
    readonly dir: string,
    readonly outPath: string,
    private child: ChildProcess,
    private exited: Promise<void>,
  ) {
    this.unregister = onAbort(() => child.kill('SIGINT'));
  }

  static async start(): Promise<BpftraceTracer> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-bpftrace-'));
    const outPath = join(dir, 'out.txt');
    const fd = openSync(outPath, 'w');
    const child = spawn('bpftrace', ['-e', BPFTRACE_SCRIPT], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let alive = true;
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    void exited.then(() => (alive = false));
    const deadline = Date.now() + 90_000;
    for (;;) {
      await sleep(200);
      const out = readFileSync(outPath, 'utf8');
      if (/^Attaching \d+ probes?/m.test(out)) break;
      if (!alive) throw new Error(`bpftrace exited: ${out.trim().split('\n').slice(-2).join(' | ')}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('bpftrace did not attach within 90 s');
      }
    }
    // "Attaching" is printed before the probes are live: exec a probe command until it shows up.
    const probe = `precbenchready${process.pid}${Date.now()}`;
    for (;;) {
      spawnSync('/bin/true', [probe]);
      await sleep(200);
      if (readFileSync(outPath, 'utf8').includes(probe)) break;
      if (!alive) throw new Error(`bpftrace exited: ${readFileSync(outPath, 'utf8').trim().split('\n').slice(-2).join(' | ')}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('bpftrace attached but printed no exec within 90 s');
      }
    }
    return new BpftraceTracer(dir, outPath, child, exited);
  }

  async stop(): Promise<void> {
    await sleep(1000); // let the perf buffer drain into the output
    this.child.kill('SIGINT');
    await Promise.race([this.exited, sleep(15_000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.unregister();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  capture(prefix: string, program: string): Capture {
    const text = readFileSync(this.outPath, 'utf8');
    const started = new Set<string>();
    let fullArgv = 0;
    let lost = 0;
    let execRecords = 0;
    for (const line of text.split('\n')) {
      const l = /^Lost (\d+) events/.exec(line);
      if (l) {
        lost += Number(l[1]);
        continue;
      }
      if (!line || /^(Attaching|ERROR|WARNING)/.test(line)) continue;
      execRecords++;
      const parts = line.trimEnd().split(' ');
      const marker = markerOf(prefix, parts[1]);
      if (!marker || started.has(marker)) continue;
      started.add(marker);
      if (parts.length === 2 && parts[0] === program) fullArgv++;
    }
    return { started, fullArgv, lost, execRecords, bytes: statSync(this.outPath).size };
  }
}
