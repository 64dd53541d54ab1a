// The exec-logging stacks of the peers table (issue 19), each from its Debian package, each set to
// log every exec, each on temporary paths and stopped by pid: auditd with an execve rule, auditd
// with laurel as its plugin, bcc's execsnoop, bpftrace's execsnoop.bt, and precd with its defaults.
// A stack is a root process: what it costs is that process and all of its descendants.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Precd, readLogText } from '../../test/helpers/precd.js';
import { mustRun, onAbort, sleep, waitCpuQuiet } from './proc.js';
import { processTree } from './stack.js';
import { AuditdTracer } from './tracers.js';

export const PEERS = ['auditd', 'auditd+laurel', 'execsnoop-bpfcc', 'execsnoop.bt', 'precd'] as const;
export type PeerName = (typeof PEERS)[number];

export interface PeerStack {
  readonly name: PeerName;
  /** The stack's root process; its descendants belong to the stack too. */
  readonly root: number;
  /** How it was run, for the notes. */
  readonly how: string;
  /** Every file the stack writes its log to. */
  files(): string[];
  /** After stop: events the stack itself says it lost (kernel audit backlog, perf buffer, precd's loss records), if it says. */
  lost(): number | undefined;
  stop(): Promise<void>;
  /** After stop: exec records in its log (the host's other execs included). */
  execRecords(): number;
  /** A point in its log now (a byte offset, or for precd the time): windows are counted between two. */
  mark(): number;
  /** Waits until every exec before now is in its log (as far as the stack lets one know). */
  drain(): Promise<void>;
  /** After stop: exec records logged between two marks. */
  execsBetween(from: number, to: number): number;
  cleanup(): void;
}

export function startPeer(name: PeerName): Promise<PeerStack> {
  switch (name) {
    case 'auditd':
      return startAuditd(false);
    case 'auditd+laurel':
      return startAuditd(true);
    case 'execsnoop-bpfcc':
      return startBcc();
    case 'execsnoop.bt':
      return startBpftraceExecsnoop();
    case 'precd':
      return startPrecd();
  }
}

export const fileBytes = (files: string[]): number => files.reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0);

const countLines = (path: string, re: RegExp): number => (existsSync(path) ? readFileSync(path, 'latin1').split('\n').filter((l) => re.test(l)).length : 0);

/** Lines matching `re` between two byte offsets of a file (a line belongs where it starts). */
function countLinesBetween(path: string, from: number, to: number, isExec: (line: string) => boolean): number {
  if (!existsSync(path) || to <= from) return 0;
  const text = readFileSync(path).subarray(from, to).toString('latin1');
  return text.split('\n').filter(isExec).length;
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** Execs a probe command until its marker shows up in `path`: then every later exec is logged. */
async function waitLogged(path: string, alive: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const probe = `precbenchready${process.pid}x${Date.now()}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    spawnSync('/bin/true', [probe]);
    await sleep(250);
    if (existsSync(path) && readFileSync(path, 'latin1').includes(probe)) return;
    if (!alive()) throw new Error(`${what} exited before it logged an exec`);
    if (Date.now() > deadline) throw new Error(`${what} logged no exec within ${timeoutMs / 1000} s`);
  }
}

// --------------------------------------------------------------------------------- auditd (+ laurel)

/** laurel's Debian config with its log in `dir` and no rotation during a run. */
function laurelConfig(dir: string): string {
  let conf = readFileSync('/etc/laurel/config.toml', 'utf8');
  const set = (key: string, value: string) => {
    const re = new RegExp(`^${key}\\s*=.*$`, 'm');
    if (!re.test(conf)) throw new Error(`/etc/laurel/config.toml has no ${key} setting`);
    conf = conf.replace(re, `${key} = ${value}`);
  };
  set('directory', JSON.stringify(dir));
  set('size', '4000000000');
  return conf;
}

async function startAuditd(withLaurel: boolean): Promise<PeerStack> {
  let laurelDir: string | undefined;
  const plugins: Record<string, string> = {};
  if (withLaurel) {
    // laurel drops to its own user (_laurel, made by the package): its log directory is that user's.
    laurelDir = mkdtempSync(join(tmpdir(), 'bench-laurel-'));
    chmodSync(laurelDir, 0o755);
    const logDir = join(laurelDir, 'log');
    mkdirSync(logDir);
    const [uid, gid] = mustRun('id', ['-u', '_laurel']).trim().concat(' ', mustRun('id', ['-g', '_laurel']).trim()).split(' ').map(Number);
    chownSync(logDir, uid!, gid!);
    writeFileSync(join(laurelDir, 'config.toml'), laurelConfig(logDir));
    plugins['laurel.conf'] = `active = yes\ndirection = out\ntype = always\nformat = string\npath = /usr/sbin/laurel\nargs = --config ${join(laurelDir, 'config.toml')}\n`;
  }
  const a = await AuditdTracer.start(plugins);
  const laurelLog = laurelDir ? join(laurelDir, 'log', 'audit.log') : undefined;
  let lostAtStop: number | undefined;
  try {
    a.rulesOn();
    await waitLogged(laurelLog ?? a.logPath, () => processTree(a.pid).size > 0, withLaurel ? 'auditd + laurel' : 'auditd');
    if (laurelLog && processTree(a.pid).size < 2) throw new Error('auditd started no laurel');
  } catch (e) {
    await a.stop().catch(() => undefined);
    a.cleanup();
    if (laurelDir) rmSync(laurelDir, { recursive: true, force: true });
    throw e;
  }
  const files = laurelLog ? [a.logPath, laurelLog] : [a.logPath];
  return {
    name: withLaurel ? 'auditd+laurel' : 'auditd',
    root: a.pid,
    how: withLaurel
      ? `auditd -n on a temp copy of /etc/audit/auditd.conf (log_format ENRICHED, write_logs yes) whose plugin_dir is a temp dir holding only laurel.conf (laurel 0.5.1, /etc/laurel/config.toml with its directory in a temp dir and size 4 GB: no rotation); rule ${'`-a always,exit -F arch=b64 -S execve,execveat`'}, backlog 8192`
      : `auditd -n on a temp copy of /etc/audit/auditd.conf (log_format ENRICHED), no plugins; rule ${'`-a always,exit -F arch=b64 -S execve,execveat`'}, backlog 8192`,
    files: () => files,
    lost: () => lostAtStop ?? a.lostSinceRules(),
    async stop() {
      lostAtStop = a.lostSinceRules();
      await a.drain().catch(() => undefined);
      await a.stop();
    },
    execRecords: () => countLines(a.logPath, /^type=EXECVE /),
    mark: () => sizeOf(a.logPath),
    // laurel writes after auditd: a probe exec in the last log of the chain means both are through.
    drain: () => waitLogged(laurelLog ?? a.logPath, () => true, 'auditd', 60_000),
    execsBetween: (from, to) => countLinesBetween(a.logPath, from, to, (l) => l.startsWith('type=EXECVE ')),
    cleanup() {
      a.cleanup();
      if (laurelDir) rmSync(laurelDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------------------ bcc and bpftrace tools

interface TextTool {
  dir: string;
  out: string;
  child: ChildProcess;
  exited: Promise<void>;
  alive: () => boolean;
  unregister: () => void;
}

/** Runs a tracing tool with its stdout in a temp file (stderr beside it), as a user would. */
function spawnTool(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): TextTool {
  const dir = mkdtempSync(join(tmpdir(), 'bench-peer-'));
  const out = join(dir, 'out.txt');
  const o = openSync(out, 'w');
  const e = openSync(join(dir, 'stderr.txt'), 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', o, e], env });
  closeSync(o);
  closeSync(e);
  let alive = true;
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  void exited.then(() => (alive = false));
  const unregister = onAbort(() => child.kill('SIGKILL'));
  return { dir, out, child, exited, alive: () => alive, unregister };
}

async function stopTool(t: TextTool): Promise<void> {
  t.child.kill('SIGINT');
  await Promise.race([t.exited, sleep(15_000)]);
  if (t.alive()) t.child.kill('SIGKILL');
  t.unregister();
}

function toolError(t: TextTool, e: unknown): Error {
  const err = existsSync(join(t.dir, 'stderr.txt')) ? readFileSync(join(t.dir, 'stderr.txt'), 'utf8').trim().split('\n').slice(-2).join(' | ') : '';
  return new Error(`${e instanceof Error ? e.message : String(e)}${err ? `: ${err}` : ''}`);
}

function textPeer(name: PeerName, t: TextTool, how: string, isExec: (line: string) => boolean, lostOf: (t: TextTool) => number | undefined): PeerStack {
  return {
    name,
    root: t.child.pid!,
    how,
    files: () => [t.out],
    lost: () => lostOf(t),
    async stop() {
      await sleep(1000); // the perf buffer drains into the output
      await stopTool(t);
    },
    execRecords: () => readFileSync(t.out, 'latin1').split('\n').filter(isExec).length,
    mark: () => sizeOf(t.out),
    drain: () => waitLogged(t.out, t.alive, name, 60_000),
    execsBetween: (from, to) => countLinesBetween(t.out, from, to, isExec),
    cleanup: () => rmSync(t.dir, { recursive: true, force: true }),
  };
}

const BCC_TOOL = '/usr/sbin/execsnoop-bpfcc';

/**
 * bcc compiles its C at start-up against the running kernel's headers. Where /lib/modules/$(uname
 * -r)/build is missing (a custom kernel), the newest Debian linux-headers tree is merged (symlinks:
 * the -common part and the arch part) into `dir` and given as BCC_KERNEL_SOURCE.
 */
function bccKernelSource(dir: string): { env: NodeJS.ProcessEnv; note: string } {
  const release = mustRun('uname', ['-r']).trim();
  if (existsSync(`/lib/modules/${release}/build`)) return { env: process.env, note: `headers of ${release}` };
  const common = readdirSync('/usr/src').filter((d) => /^linux-headers-.*-common$/.test(d)).sort().pop();
  const arch = common && readdirSync('/usr/src').find((d) => d.startsWith(common.replace(/common$/, '')) && d !== common && !/-rt-|-cloud-/.test(d));
  if (!common || !arch) throw new Error(`no kernel headers for ${release} and no Debian linux-headers package (apt-get install linux-headers-amd64)`);
  const src = join(dir, 'kernel-headers');
  mkdirSync(src);
  mustRun('cp', ['-as', `/usr/src/${common}/.`, `${src}/`]);
  mustRun('cp', ['-asf', `/usr/src/${arch}/.`, `${src}/`]);
  return { env: { ...process.env, BCC_KERNEL_SOURCE: src }, note: `no headers for kernel ${release}: BCC_KERNEL_SOURCE is Debian's ${arch}` };
}

/**
 * The stock tool attaches a kprobe and a kretprobe to the execve syscall. A kernel without kprobes
 * (no kprobe PMU, no kprobe_events) gets the same program on the execve syscall tracepoints: the
 * four textual changes below, each checked, and nothing else.
 */
function bccScript(dir: string): { path: string; note: string } {
  if (existsSync('/sys/bus/event_source/devices/kprobe') || existsSync('/sys/kernel/tracing/kprobe_events')) return { path: BCC_TOOL, note: 'stock' };
  let s = readFileSync(BCC_TOOL, 'utf8');
  const reps: [string | RegExp, string][] = [
    [/int syscall__execve\(struct pt_regs \*ctx,\s*const char __user \*filename,\s*const char __user \*const __user \*__argv,\s*const char __user \*const __user \*__envp\)\s*\{/,
      'TRACEPOINT_PROBE(syscalls, sys_enter_execve)\n{\n    struct pt_regs *ctx = (struct pt_regs *)args;\n    const char __user *filename = args->filename;\n    const char __user *const __user *__argv = args->argv;'],
    [/int do_ret_sys_execve\(struct pt_regs \*ctx\)\s*\{/, 'TRACEPOINT_PROBE(syscalls, sys_exit_execve)\n{\n    struct pt_regs *ctx = (struct pt_regs *)args;'],
    ['data.retval = PT_REGS_RC(ctx);', 'data.retval = args->ret;'],
    [/b\.attach_kprobe\(event=execve_fnname, fn_name="syscall__execve"\)\s*b\.attach_kretprobe\(event=execve_fnname, fn_name="do_ret_sys_execve"\)/, ''],
  ];
  for (const [from, to] of reps) {
    const t = s.replace(from, to);
    if (t === s) throw new Error(`${BCC_TOOL}: cannot port it to tracepoints (no ${String(from).slice(0, 40)})`);
    s = t;
  }
  const path = join(dir, 'execsnoop-tp');
  writeFileSync(path, s, { mode: 0o755 });
  return { path, note: 'this kernel has no kprobes: the stock program moved from the execve kprobe/kretprobe to the sys_enter/sys_exit_execve tracepoints (4 textual changes)' };
}

async function startBcc(): Promise<PeerStack> {
  const work = mkdtempSync(join(tmpdir(), 'bench-bcc-'));
  try {
    const k = bccKernelSource(work);
    const script = bccScript(work);
    const t = spawnTool('/usr/bin/python3', [script.path], k.env);
    try {
      await waitLogged(t.out, t.alive, 'execsnoop-bpfcc');
    } catch (e) {
      await stopTool(t);
      throw toolError(t, e);
    }
    const p = textPeer(
      'execsnoop-bpfcc',
      t,
      `${BCC_TOOL} (bpfcc-tools) > file, default options (successful execs, first 20 args); ${script.note}; ${k.note}`,
      (l) => l !== '' && !l.startsWith('PCOMM '),
      () => undefined,
    );
    return { ...p, cleanup: () => (p.cleanup(), rmSync(work, { recursive: true, force: true })) };
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

async function startBpftraceExecsnoop(): Promise<PeerStack> {
  const t = spawnTool('bpftrace', ['/usr/sbin/execsnoop.bt']);
  try {
    await waitLogged(t.out, t.alive, 'execsnoop.bt');
  } catch (e) {
    await stopTool(t);
    throw toolError(t, e);
  }
  const lost = (x: TextTool) => [...readFileSync(x.out, 'latin1').matchAll(/^Lost (\d+) events/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return textPeer('execsnoop.bt', t, '`bpftrace /usr/sbin/execsnoop.bt > file` (the bpftrace package\'s tool: sys_enter_exec* tracepoints, elapsed ms, pid, argv)', (l) => /^\d+\s+\d+\s/.test(l), lost);
}

// ---------------------------------------------------------------------------------------------- precd

async function startPrecd(): Promise<PeerStack> {
  // Its defaults: only the paths (log, lock, metrics) point into a temp dir.
  const d = await Precd.start({ config: {}, readyTimeoutMs: 60_000 });
  const unregister = onAbort(() => d.child.kill('SIGTERM'));
  await waitCpuQuiet(d.pid, 15_000, 300, 0.01);
  let records: Record<string, unknown>[] = [];
  return {
    name: 'precd',
    root: d.pid,
    how: 'precd (this repo) with its defaults; log, lock and metrics file in a temp dir',
    files: () => [d.logPath],
    lost: () => records.filter((r) => r.record_type === 'loss').reduce((n, r) => n + Number(r.lost_samples ?? 0), 0),
    async stop() {
      const r = await d.stop();
      unregister();
      if (r.code !== 0) throw new Error(`precd exited ${JSON.stringify(r)}`);
      records = readLogText(d.logPath)
        .split('\n')
        .filter((l) => l.includes('"record_type"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    execRecords: () => records.filter((r) => r.record_type === 'start' || r.record_type === 'fail').length,
    mark: () => Date.now(),
    drain: () => sleep(1000), // five times its flush interval (200 ms)
    execsBetween: (from, to) =>
      records.filter((r) => {
        if (r.record_type !== 'start' && r.record_type !== 'fail') return false;
        const t = Date.parse(String(r.timestamp));
        return t >= from && t < to;
      }).length,
    cleanup: () => void d.cleanup().catch(() => undefined),
  };
}
