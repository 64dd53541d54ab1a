// The kernel side on the real kernel, without precd: BPF programs loaded through the addon
// (src/daemon/kernel/addon.ts), ring-buffer records decoded by decoder.ts. Each test runs real
// commands carrying a unique marker in argv and checks the decoded events field by field.
//
// Ordering argument used throughout: records of one CPU are queued in the order they happened and
// the ring buffer is shared, so once the exec of a later "barrier" command has been delivered,
// every event that completed before that command was started has been delivered too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, realpathSync,
  rmSync, rmdirSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openCollector, flockExclusive, type Collector } from '../../src/daemon/kernel/addon.js';
import { decode, RecordError } from '../../src/daemon/kernel/decoder.js';
import type { ExecEvent, ExecFailEvent, ExitEvent, KernelEvent } from '../../src/daemon/kernel/events.js';
import { skipUnlessNobodyCanRead } from '../helpers/nobody.js';

const RUN = `pk${randomBytes(4).toString('hex')}`; // in every argv this file starts
const WAIT_MS = 60_000; // only a guard against hanging: events normally arrive within ~50 ms

let collector: Collector;
let workDir: string;
const starts: (ExecEvent | ExecFailEvent)[] = []; // only those whose argv carries RUN
const exits = new Map<number, ExitEvent[]>(); // every exit on the host, by pid
let waiters: (() => void)[] = [];
let sampleExecRecord: Buffer | undefined; // one raw exec record, for the decoder's own checks
let seq = 0;

function mark(): string {
  return `${RUN}-${++seq}`;
}

function onEvent(e: KernelEvent): void {
  if (e.kind === 'exit') {
    const list = exits.get(e.pid);
    if (list) list.push(e);
    else exits.set(e.pid, [e]);
  } else if (e.args.includes(RUN) || e.filename.includes(RUN)) {
    starts.push(e);
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 100);
    });
  }
}

function argvOf(e: ExecEvent | ExecFailEvent): string[] {
  const parts = e.args.toString('latin1').split('\0');
  parts.pop(); // after the last NUL
  return parts;
}

function hasArg(e: ExecEvent | ExecFailEvent, arg: string): boolean {
  return argvOf(e).includes(arg);
}

/** The exec whose argv holds marker m (and, when given, whose comm is `comm`: wrappers such as
 *  env or runuser carry the marker in their own argv too). */
const execWith = (m: string, comm?: string) =>
  waitFor(`exec with ${m}`, () => starts.find((e): e is ExecEvent => e.kind === 'exec' && hasArg(e, m) && (comm === undefined || e.comm === comm)));
const failWith = (m: string) => waitFor(`failed exec with ${m}`, () => starts.find((e): e is ExecFailEvent => e.kind === 'fail' && hasArg(e, m)));
/** The exit that ended the program started by exec event e (pids are reused host-wide). */
const exitAfter = (e: ExecEvent) => waitFor(`exit of ${e.pid}`, () => exits.get(e.pid)?.find((x) => x.monoNs > e.monoNs));

/** Runs a command to its end; resolves with its pid and wait status parts. */
function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<{ pid: number; code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore', cwd: opts.cwd });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal }));
  });
}

/** See the ordering argument at the top: after this, everything that ended before is delivered. */
async function barrier(): Promise<void> {
  const m = mark();
  await run('/bin/true', [m]);
  await exitAfter(await execWith(m));
}

before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'prec-kernel-'));
  chmodSync(workDir, 0o755); // nobody runs programs from here
  collector = openCollector({ ringBufferBytes: 16 << 20 });
  collector.start((records) => {
    for (const r of records) {
      const e = decode(r);
      if (!sampleExecRecord && e.kind === 'exec') sampleExecRecord = Buffer.from(r);
      onEvent(e);
    }
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  });
});

after(async () => {
  await collector?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

test('exec: argv bytes, argc, exe, filename, cwd, ids, comm, parent', async () => {
  const m = mark();
  // `; :` keeps sh from exec'ing its last command itself, so env is sh's child.
  const sh = await run('/bin/sh', ['-c', `env -C /tmp /bin/true ${m} second; :`]);
  const e = await execWith(m, 'true');
  assert.equal(e.args.toString('latin1'), `/bin/true\0${m}\0second\0`);
  assert.equal(e.argc, 3);
  assert.equal(e.argsTruncated, false);
  assert.equal(e.filename, '/bin/true');
  assert.equal(e.exe, realpathSync('/bin/true'));
  assert.equal(e.cwd, '/tmp');
  assert.equal(e.comm, 'true');
  assert.equal(e.ppid, sh.pid, 'env (which exec\'d true) is a child of our shell');
  assert.equal(e.parentComm, 'sh');
  assert.equal(e.parentExe, realpathSync('/bin/sh'));
  assert.equal(e.tid, e.pid);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  assert.deepEqual([e.uid, e.gid, e.euid, e.egid], [uid, gid, uid, gid]);
  const loginuid = Number(readFileSync('/proc/self/loginuid', 'utf8'));
  const sessionid = Number(readFileSync('/proc/self/sessionid', 'utf8'));
  assert.equal(e.auid, loginuid);
  assert.equal(e.sessionId, sessionid);
  const x = await exitAfter(e);
  assert.equal(x.exitCode, 0);
});

test('exec: login uid and audit session survive into the new program', async () => {
  const m = mark();
  const file = join(workDir, 'session');
  // Setting the login uid (allowed once for root when unset) also starts a new audit session.
  const r = await run('/bin/sh', ['-c', `echo 1000 > /proc/self/loginuid && cat /proc/self/sessionid > ${file} && exec /bin/true ${m}`]);
  assert.equal(r.code, 0, 'setting /proc/self/loginuid is permitted here');
  const e = await execWith(m);
  assert.equal(e.auid, 1000);
  assert.equal(e.sessionId, Number(readFileSync(file, 'utf8')));
  assert.notEqual(e.sessionId, 4294967295);
  assert.equal(e.uid, process.getuid?.() ?? 0, 'the login uid is not the uid');
});

test('exec: cwd is resolved across mount points', async () => {
  // /proc is a mount of its own; /proc/self/fdinfo sits below it.
  const m = mark();
  await run('/bin/true', [m], { cwd: '/proc/sys/kernel' });
  const e = await execWith(m);
  assert.equal(e.cwd, '/proc/sys/kernel');
  assert.equal(e.exe, realpathSync('/bin/true'));
});

function statTtyNr(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[4]); // field 7 overall: state ppid pgrp session tty_nr
}

test('exec under a pseudo-terminal: tty pts/N and tty_nr as in /proc/PID/stat', async () => {
  const m = mark();
  const statFile = join(workDir, 'stat');
  // The shell on the pty records its own stat line, then runs the marked command.
  const inner = `cat /proc/$$/stat > ${statFile}; /bin/true ${m}; :`;
  await run('script', ['-qc', `/bin/sh -c '${inner}'`, '/dev/null']);
  const e = await execWith(m);
  const stat = readFileSync(statFile, 'utf8');
  const shellPid = Number(stat.slice(0, stat.indexOf(' ')));
  const ttyNr = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]);
  assert.match(e.tty, /^pts\/\d+$/);
  assert.ok(ttyNr !== 0);
  assert.equal(e.ttyNr, ttyNr);
  assert.equal(e.ppid, shellPid);
  assert.equal(e.parentTty, e.tty);
  assert.equal(e.parentTtyNr, ttyNr);
  // The name and the number describe the same device: the encoding is major << 8 | minor for ptys.
  const num = Number(e.tty.slice(4));
  assert.equal(e.ttyNr & 0xff | ((e.ttyNr >> 12) & 0xfff00), num);
  // And a command without a terminal has none.
  const m2 = mark();
  await run('/bin/true', [m2]);
  const e2 = await execWith(m2);
  assert.equal(e2.tty, '');
  assert.equal(e2.ttyNr, 0);
  assert.equal(statTtyNr(process.pid), 0, 'the test itself runs without a terminal');
});

test('exec as another user: runuser -u nobody', async () => {
  const m = mark();
  await run('runuser', ['-u', 'nobody', '--', '/bin/true', m]);
  const e = await execWith(m, 'true');
  assert.deepEqual([e.uid, e.gid, e.euid, e.egid], [65534, 65534, 65534, 65534]);
  assert.equal(e.comm, 'true');
  assert.equal(e.parentComm, 'runuser');
});

test('exec of a setuid program: euid differs from uid', async () => {
  const m = mark();
  const prog = join(workDir, 'suid-id');
  copyFileSync('/usr/bin/id', prog);
  chmodSync(prog, 0o4755);
  await run('runuser', ['-u', 'nobody', '--', prog, '-u', m]);
  const e = await execWith(m, 'suid-id');
  assert.equal(e.uid, 65534);
  assert.equal(e.euid, 0, 'the setuid bit made root the effective user');
  assert.equal(e.gid, 65534);
  assert.equal(e.exe, prog);
});

test('failed exec of a missing file: errno 2, attempted filename and argv, caller context', async () => {
  const m = mark();
  const missing = join(workDir, `missing-${m}`);
  const sh = await run('/bin/sh', ['-c', `${missing} ${m} ""; :`], { cwd: workDir });
  const f = await failWith(m);
  assert.equal(f.errno, 2);
  assert.equal(f.filename, missing);
  assert.equal(f.args.toString('latin1'), `${missing}\0${m}\0\0`);
  assert.equal(f.argc, 3);
  assert.equal(f.dirfd, -100);
  assert.equal(f.ppid, sh.pid);
  assert.equal(f.comm, 'sh', 'the forked shell that tried to exec');
  assert.equal(f.cwd, realpathSync(workDir));
  assert.equal(f.parentExe, realpathSync('/bin/sh'));
  assert.deepEqual(exits.get(f.pid) ?? [], [], 'a process that never exec\'d has no exit event');
});

test('failed exec of a non-executable file: errno 13', async () => {
  const m = mark();
  const file = join(workDir, `noexec-${m}`);
  writeFileSync(file, '#!/bin/sh\n', { mode: 0o644 });
  await run('/bin/sh', ['-c', `${file} ${m}; :`]);
  const f = await failWith(m);
  assert.equal(f.errno, 13);
  assert.equal(f.filename, file);
});

test('exit status: exit code in the high byte', async () => {
  const m = mark();
  const r = await run('/bin/sh', ['-c', 'exit 3', m]);
  assert.equal(r.code, 3);
  const e = await execWith(m);
  assert.equal(e.pid, r.pid);
  const x = await exitAfter(e);
  assert.equal(x.exitCode, 3 << 8);
});

test('exit status: killed by SIGKILL', async () => {
  const m = mark();
  const r = await run('/bin/sh', ['-c', 'kill -KILL $$', m]);
  assert.equal(r.signal, 'SIGKILL');
  const e = await execWith(m);
  const x = await exitAfter(e);
  assert.equal(x.exitCode & 0x7f, 9);
  assert.equal(x.exitCode >> 8, 0);
});

function compile(name: string, code: string): string {
  const src = join(workDir, `${name}.c`);
  const bin = join(workDir, name);
  writeFileSync(src, code);
  execFileSync('cc', ['-pthread', '-O1', '-o', bin, src]);
  return bin;
}

test('multi-threaded program whose main thread exits first: one exit event, the group\'s status', async () => {
  const bin = compile('mt', `
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
static void *worker(void *arg) { (void)arg; usleep(300000); exit(7); }
int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_exit(NULL); /* the main thread ends now; the process lives on in the worker */
}
`);
  const m = mark();
  const r = await run(bin, [m]);
  assert.equal(r.code, 7);
  const e = await execWith(m);
  await barrier();
  const list = (exits.get(e.pid) ?? []).filter((x) => x.monoNs > e.monoNs);
  assert.equal(list.length, 1, 'exactly one exit event for the thread group');
  assert.equal(list[0].exitCode, 7 << 8);
});

test('threads ending one by one without exit_group: the status is what the parent\'s wait() got', async () => {
  // Raw exit(2) ends only the calling thread: main leaves with 5, the last thread with 9. Which
  // of the two wait() reports has changed across kernel versions (this one reports the last
  // thread's); the event must say the same as wait().
  const bin = compile('mt2', `
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>
static void *worker(void *arg) { (void)arg; usleep(300000); syscall(SYS_exit, 9); return 0; }
int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  syscall(SYS_exit, 5);
}
`);
  const m = mark();
  const r = await run(bin, [m]);
  assert.ok(r.code === 5 || r.code === 9, `wait status ${r.code}`);
  const e = await execWith(m);
  await barrier();
  const list = (exits.get(e.pid) ?? []).filter((x) => x.monoNs > e.monoNs);
  assert.equal(list.length, 1);
  assert.equal(list[0].exitCode, (r.code ?? -1) << 8);
});

test('exec from a non-main thread: the group keeps its pid, the event names the thread, one exit', async () => {
  const bin = compile('texec', `
#include <pthread.h>
#include <unistd.h>
static char *const *args;
static void *worker(void *arg) { (void)arg; execv("/bin/true", args); return 0; }
int main(int argc, char **argv) {
  (void)argc;
  args = argv + 1; /* run as: texec /bin/true MARK */
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pause();
}
`);
  const m = mark();
  const r = await run(bin, ['/bin/true', m]);
  assert.equal(r.code, 0);
  const e = await waitFor('exec of true', () => starts.find((x): x is ExecEvent => x.kind === 'exec' && x.comm === 'true' && hasArg(x, m)));
  assert.equal(e.pid, r.pid, 'the exec\'d program keeps the process id');
  assert.notEqual(e.tid, e.pid, 'the thread that exec\'d had an id of its own');
  assert.equal(e.args.toString('latin1'), `/bin/true\0${m}\0`);
  await barrier();
  const list = (exits.get(r.pid) ?? []).filter((x) => x.monoNs > e.monoNs);
  assert.equal(list.length, 1);
  assert.equal(list[0].exitCode, 0);
});

test('long argv: 300 arguments and a 5,000-byte one arrive byte-exact; over 32 KiB is cut and flagged', async () => {
  const m = mark();
  const args = [m, ...Array.from({ length: 300 }, (_, i) => `a${i}`), 'x'.repeat(5000)];
  await run('/bin/true', args);
  const e = await execWith(m);
  assert.equal(e.args.toString('latin1'), ['/bin/true', ...args].map((a) => a + '\0').join(''));
  assert.equal(e.argc, 302 + 1);
  assert.equal(e.argsTruncated, false);

  const m2 = mark();
  const big = [m2, ...Array.from({ length: 10 }, () => 'y'.repeat(4000))];
  await run('/bin/true', big);
  const e2 = await execWith(m2);
  const full = Buffer.from(['/bin/true', ...big].map((a) => a + '\0').join(''), 'latin1');
  assert.equal(e2.args.length, 32768);
  assert.deepEqual(e2.args, full.subarray(0, 32768));
  assert.equal(e2.argc, 12, 'the real count, not the copied one');
  assert.equal(e2.argsTruncated, true);
});

test('argv with empty arguments, a newline and invalid UTF-8 is kept byte-exact', async () => {
  const m = mark();
  await run('/bin/sh', ['-c', `/bin/true ${m} "" "$(printf 'a\\nb')" "$(printf '\\377\\376')" ""; :`]);
  const e = await execWith(m);
  const expected = Buffer.concat([
    Buffer.from(`/bin/true\0${m}\0\0a\nb\0`, 'latin1'),
    Buffer.from([0xff, 0xfe, 0]),
    Buffer.from([0]),
  ]);
  assert.deepEqual(e.args, expected);
  assert.equal(e.argc, 6);
});

function cgroup2Mount(): string {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, dir, type] = line.split(' ');
    if (type === 'cgroup2') return dir;
  }
  throw new Error('no cgroup2 mount in /proc/mounts');
}

test('cgroup v2 path of a process moved into a nested cgroup of its own', async () => {
  const m = mark();
  const mount = cgroup2Mount();
  const outer = join(mount, `prec-test-${m}`);
  const inner = join(outer, 'job.scope');
  mkdirSync(inner, { recursive: true });
  try {
    await run('/bin/sh', ['-c', `echo $$ > ${inner}/cgroup.procs && exec /bin/true ${m}`]);
    const e = await execWith(m);
    assert.equal(e.cgroup, `/prec-test-${m}/job.scope`);
    const m2 = mark();
    await run('/bin/true', [m2]);
    const own = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1];
    assert.equal((await execWith(m2)).cgroup, own, 'outside it, the cgroup we run in');
  } finally {
    rmdirSync(inner);
    rmdirSync(outer);
  }
});

test('completeness: 10,000 execs from two parallel workers give 10,000 exec and exit events, no drops', async () => {
  const dropsBefore = collector.dropCount();
  const perWorker = 5000;
  const worker = (w: number) =>
    run('/bin/sh', ['-c', `i=0; while [ $i -lt ${perWorker} ]; do /bin/true ${RUN}-storm-${w}-$i; i=$((i+1)); done`]);
  const results = await Promise.all([worker(0), worker(1)]);
  assert.deepEqual(results.map((r) => r.code), [0, 0]);
  await barrier();
  const seen = new Set<string>();
  let exited = 0;
  for (const e of starts) {
    if (e.kind !== 'exec') continue;
    const a = argvOf(e)[1];
    if (!a?.startsWith(`${RUN}-storm-`)) continue;
    seen.add(a);
    const x = exits.get(e.pid)?.find((ev) => ev.monoNs > e.monoNs);
    if (x && x.exitCode === 0) exited++;
  }
  assert.equal(seen.size, 2 * perWorker);
  assert.equal(exited, 2 * perWorker);
  assert.equal(collector.dropCount() - dropsBefore, 0);
});

test('a full ring buffer drops records and counts every one of them', async () => {
  const small = openCollector({ ringBufferBytes: 64 * 1024 });
  const seen = new Set<string>();
  const tag = `${RUN}-burst-`;
  small.start((records) => {
    for (const r of records) {
      const e = decode(r);
      if (e.kind === 'exec' && e.args.includes(tag)) seen.add(argvOf(e)[1]);
    }
  });
  const n = 4000;
  // spawnSync blocks this thread: no batch is consumed, the addon's queue and then the ring fill.
  const r = spawnSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/true ${tag}$i; i=$((i+1)); done`]);
  assert.equal(r.status, 0);
  await small.stop(); // delivers what the ring still held
  const drops = small.dropCount();
  assert.ok(drops > 0, 'the burst overflowed a 64 KiB ring');
  // Each missing exec is among the counted drops (which also count exit and other hosts' records).
  assert.ok(seen.size + drops >= n, `${seen.size} seen + ${drops} dropped < ${n}`);
});

test('stop() detaches, then delivers every record still in the ring buffer before resolving', async () => {
  const second = openCollector({ ringBufferBytes: 1 << 20 });
  const got: string[] = [];
  second.start((records) => {
    for (const r of records) {
      const e = decode(r);
      if (e.kind === 'exec' && e.args.includes(RUN)) got.push(argvOf(e)[1]);
    }
  });
  const ms = [mark(), mark(), mark()];
  for (const m of ms) await run('/bin/true', [m]);
  // The reader is woken only for a backlog, so these records are most likely still queued.
  await second.stop();
  assert.deepEqual(got.filter((a) => ms.includes(a)), ms);
  const after = mark();
  await run('/bin/true', [after]);
  await execWith(after); // seen by the main collector: the second one is detached
  assert.equal(got.includes(after), false);
  assert.equal(second.dropCount(), 0);
  await second.stop(); // idempotent
});

test('the decoder refuses records that do not match the layout instead of misreading them', () => {
  const rec = sampleExecRecord;
  assert.ok(rec, 'an exec record was captured');
  assert.equal(decode(rec).kind, 'exec');
  assert.throws(() => decode(rec.subarray(0, rec.length - 1)), RecordError);
  assert.throws(() => decode(rec.subarray(0, 100)), RecordError);
  const longer = Buffer.from(rec);
  longer.writeUInt16LE(longer.readUInt16LE(68) + 1, 68); // args section one byte longer than sent
  assert.throws(() => decode(longer), /task record sections cover/);
  const unknown = Buffer.from(rec);
  unknown[0] = 9;
  assert.throws(() => decode(unknown), /unknown kernel record kind 9/);
});

test('openCollector fails with a clear message for a bad object path or ring size', () => {
  assert.throws(() => openCollector({ ringBufferBytes: 1 << 20, objectPath: '/nonexistent/prec.bpf.o' }), /BPF object not found: \/nonexistent\/prec\.bpf\.o/);
  assert.throws(() => openCollector({ ringBufferBytes: 3 << 20 }), /power of two/);
});

test('a verifier rejection is reported with the verifier\'s own explanation', () => {
  // Same map names as prec.bpf.c, one program that reads past the end of a map value.
  const src = join(workDir, 'broken.bpf.c');
  const obj = join(workDir, 'broken.bpf.o');
  writeFileSync(src, `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } scratch SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 65536); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } drops SEC(".maps");
SEC("tp/sched/sched_process_exit")
int broken(void *ctx) { __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&scratch, &k); return v ? v[1] : 0; }
`);
  const multiarch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim();
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-idirafter', `/usr/include/${multiarch}`, '-c', src, '-o', obj]);
  assert.throws(
    () => openCollector({ ringBufferBytes: 1 << 20, objectPath: obj }),
    (err: Error) => {
      assert.match(err.message, /^loading the BPF programs failed/);
      assert.match(err.message, /invalid access to map value, value_size=8 off=8 size=8/);
      return true;
    },
  );
});

const addonJs = new URL('../../src/daemon/kernel/addon.js', import.meta.url).pathname;
test('without privileges, openCollector says bpf() is not permitted', { skip: skipUnlessNobodyCanRead(addonJs) }, () => {
  const script = `import(${JSON.stringify(addonJs)}).then((m) => {
    try { m.openCollector({ ringBufferBytes: 1 << 20 }); console.log('loaded'); }
    catch (e) { console.log(e.message); }
  });`;
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8', cwd: '/' });
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^bpf\(\) is not permitted: run precd as root/);
});

test('flockExclusive: the first open file description wins, a second is refused', () => {
  const path = join(workDir, 'lock');
  const a = openSync(path, 'w');
  const b = openSync(path, 'r');
  try {
    assert.equal(flockExclusive(a), true);
    assert.equal(flockExclusive(b), false);
    assert.equal(flockExclusive(a), true, 're-locking our own lock succeeds');
  } finally {
    closeSync(a);
  }
  try {
    assert.equal(flockExclusive(b), true, 'free again once the holder closed it');
  } finally {
    closeSync(b);
  }
  assert.throws(() => flockExclusive(b), /flock\(\d+\): Bad file descriptor/);
});
