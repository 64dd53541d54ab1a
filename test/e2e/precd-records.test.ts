// Every record kind and field of SPEC section 3, checked against known commands run under the real
// precd on the real kernel. One precd serves the whole file; each case finds its own records by a
// unique marker in argv.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { recordKeys, type RecordType } from '../../src/schema/index.js';
import { PRECD_BIN, Precd, marker, recordsFor, run, runPrecdSync, sleep, writeConfig, type Rec } from '../helpers/precd.js';
import { skipUnlessNobodyCanRead } from '../helpers/nobody.js';

let precd: Precd;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'precd-rec-'));
  precd = await Precd.start();
});

after(async () => {
  const r = await precd.stop();
  assert.equal(r.code, 0, `precd exit: ${JSON.stringify(r)} ${precd.stderr}`);
  // Every record of the whole run is in catalogue key order, with no null value.
  for (const rec of precd.records()) assertKeyOrder(rec);
  await precd.cleanup();
});

function assertKeyOrder(rec: Rec): void {
  const keys = Object.keys(rec);
  const order = recordKeys(rec.record_type as RecordType);
  assert.deepEqual(keys, order.filter((k) => keys.includes(k)), `key order of ${JSON.stringify(rec)}`);
  for (const k of keys) assert.notEqual(rec[k], null, k);
}

/** Waits for the starts (and their ends) of a marker; `n` starts expected, each with its end. */
async function waitMarked(mark: string, n = 1, ends = true): Promise<{ starts: Rec[]; ends: Rec[]; fails: Rec[]; all: Rec[] }> {
  const all = await precd.waitForRecords((recs) => {
    const r = recordsFor(recs, mark);
    return r.starts.length >= n && (!ends || r.ends.length >= r.starts.length);
  });
  return { ...recordsFor(all, mark), all };
}

const endOf = (all: Rec[], start: Rec) => all.find((r) => r.record_type === 'end' && r.event_id === start.event_id);

const selfCmdline = () => {
  const a = readFileSync('/proc/self/cmdline', 'utf8').split('\0');
  a.pop();
  return a.join(' ').slice(0, 512);
};

test('env -C /tmp setsid -w sh -c "exit 3": cwd, exit status 3, exec chain in one pid with exec_replaced ends', async () => {
  const m = marker();
  const r = run('env', ['-C', '/tmp', 'setsid', '-w', 'sh', '-c', 'exit 3', m]);
  assert.equal(r.status, 3);
  const { starts, all } = await waitMarked(m, 3);
  const [env, setsid, sh] = ['env', 'setsid', 'sh'].map((c) => starts.find((s) => s.comm === c)!);
  assert.ok(env && setsid && sh, JSON.stringify(starts));
  assert.deepEqual(sh.argv, ['sh', '-c', 'exit 3', m]);
  assert.equal(sh.argc, 4);
  assert.equal(sh.cwd, '/tmp');
  assert.equal(env.cwd, process.cwd());
  assert.equal(sh.exe, realpathSync('/bin/sh'));
  // env and setsid exec'd in place: same pid, parent is this test process.
  for (const s of [env, setsid, sh]) {
    assert.equal(s.pid, env.pid);
    assert.equal(s.ppid, process.pid);
    assert.equal(s.parent_exe, realpathSync(process.execPath));
    assert.equal(s.parent_cmdline, selfCmdline());
    assert.equal(s.source, 'system');
    assert.equal(s.uid, 0);
    assert.equal(s.user, 'root');
    assert.equal(s.group, 'root');
    assert.match(s.event_id as string, /^\d{14}-\d+$/);
    assert.match(s.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}([+-]\d\d:\d\d)$/);
  }
  const e1 = endOf(all, env)!;
  assert.equal(e1.exec_replaced, true);
  assert.equal('exit_status' in e1, false);
  assert.equal(endOf(all, setsid)!.exec_replaced, true);
  const e3 = endOf(all, sh)!;
  assert.equal(e3.exit_status, 3);
  assert.equal('signal' in e3, false);
  assert.equal('exec_replaced' in e3, false);
  assert.equal(e3.pid, sh.pid);
  assert.equal(e3.source, sh.source);
  assert.ok((e3.duration_ns as number) >= 0);
  // event ids strictly increase in the order written
  const seq = (id: unknown) => Number(String(id).split('-')[1]);
  assert.ok(seq(env.event_id) < seq(setsid.event_id) && seq(setsid.event_id) < seq(sh.event_id));
});

test('a command typed into a shell on a pseudo-terminal has tty, tty_nr and source=user', async () => {
  const m = marker();
  const r = spawnSync('script', ['-qec', `/bin/true ${m} first; /bin/true ${m} second`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, SHELL: '/bin/sh' },
    input: '',
  });
  assert.equal(r.status, 0, r.stderr);
  const { starts, all } = await waitMarked(m, 2);
  const first = starts.find((s) => (s.argv as string[])[2] === 'first' && s.comm === 'true')!;
  assert.ok(first, JSON.stringify(starts));
  assert.match(first.tty as string, /^\/dev\/pts\/\d+$/);
  assert.ok((first.tty_nr as number) > 0);
  assert.equal(first.parent_tty, first.tty);
  assert.equal(first.parent_tty_nr, first.tty_nr);
  assert.equal(first.parent_comm, 'sh');
  assert.equal(first.source, 'user');
  assert.equal(endOf(all, first)!.source, 'user');
  // The shell itself runs on the terminal but its parent is `script`, not a shell.
  const shell = starts.find((s) => s.comm === 'sh');
  if (shell) assert.equal(shell.source, 'system');
});

test('runuser -u nobody: uid 65534 and its user and group names', async () => {
  const m = marker();
  const r = run('runuser', ['-u', 'nobody', '--', 'sh', '-c', 'id -u', m]);
  assert.equal(r.stdout.trim(), '65534');
  const { starts } = await waitMarked(m, 1);
  const sh = starts.find((s) => s.comm === 'sh')!;
  assert.equal(sh.uid, 65534);
  assert.equal(sh.euid, 65534);
  assert.equal(sh.user, 'nobody');
  assert.equal(sh.group, spawnSync('getent', ['group', String(sh.gid)], { encoding: 'utf8' }).stdout.split(':')[0]);
  assert.equal(sh.parent_comm, 'runuser');
});

test('a setuid program run by nobody has euid 0 and uid 65534', async () => {
  const m = marker();
  const bin = join(work, 'suid-true');
  copyFileSync('/bin/true', bin);
  chmodSync(bin, 0o4755);
  chmodSync(work, 0o755);
  run('runuser', ['-u', 'nobody', '--', bin, m]);
  const { starts } = await waitMarked(m, 1);
  const s = starts.find((x) => x.exe === bin)!;
  assert.ok(s, JSON.stringify(starts));
  assert.equal(s.uid, 65534);
  assert.equal(s.euid, 0);
});

test('failed execs: a missing file (ENOENT) and a non-executable file (EACCES) give fail records', async () => {
  const m = marker();
  const missing = join(work, `missing-${m}`);
  const plain = join(work, `plain-${m}`);
  writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
  assert.equal(spawnSync(missing, [m]).error?.message.includes('ENOENT'), true);
  assert.equal(spawnSync(plain, [m]).error?.message.includes('EACCES'), true);
  // relative path: made absolute against the caller's cwd
  spawnSync(`./missing-${m}-rel`, [m], { cwd: work });
  const all = await precd.waitForRecords((recs) => recordsFor(recs, m).fails.length >= 3);
  const fails = recordsFor(all, m).fails;
  const f1 = fails.find((f) => f.exe === missing)!;
  assert.ok(f1, JSON.stringify(fails));
  assert.equal(f1.exec_errno, 2);
  assert.equal(f1.exec_error, 'no such file or directory');
  assert.deepEqual(f1.argv, [missing, m]);
  assert.equal(f1.argc, 2);
  assert.equal(f1.cwd, process.cwd());
  assert.equal(f1.ppid, process.pid);
  assert.match(f1.event_id as string, /^\d{14}-\d+$/);
  const f2 = fails.find((f) => f.exe === plain)!;
  assert.equal(f2.exec_errno, 13);
  assert.equal(f2.exec_error, 'permission denied');
  const f3 = fails.find((f) => f.exe === join(work, `missing-${m}-rel`))!;
  assert.ok(f3, JSON.stringify(fails));
  assert.equal(f3.cwd, work);
  // no end record for a failed exec
  assert.equal(all.some((r) => r.record_type === 'end' && r.event_id === f1.event_id), false);
});

test('a process killed by SIGKILL ends with exit_status 137 and signal SIGKILL', async () => {
  const m = marker();
  run('sh', ['-c', 'kill -9 $$', m]);
  const { starts, all } = await waitMarked(m, 1);
  const e = endOf(all, starts[0]!)!;
  assert.equal(e.exit_status, 137);
  assert.equal(e.signal, 'SIGKILL');
});

test("sh -c 'exec sleep 0': an exec_replaced end, then the next start in the same pid", async () => {
  const m = marker();
  run('sh', ['-c', 'exec sleep 0', m]);
  const { starts } = await waitMarked(m, 1);
  const sh = starts[0]!;
  const all = await precd.waitForRecords((recs) =>
    recs.some((r) => r.record_type === 'start' && r.pid === sh.pid && r.comm === 'sleep' && recs.some((e) => e.record_type === 'end' && e.event_id === r.event_id)),
  );
  const iSh = all.indexOf(all.find((r) => r.event_id === sh.event_id)!);
  const shEnd = all.findIndex((r) => r.record_type === 'end' && r.event_id === sh.event_id);
  const sleep0 = all.findIndex((r, i) => i > iSh && r.record_type === 'start' && r.pid === sh.pid);
  assert.ok(shEnd > iSh && sleep0 > shEnd, 'end of sh written before the start of sleep');
  assert.equal(all[shEnd]!.exec_replaced, true);
  assert.equal('exit_status' in all[shEnd]!, false);
  assert.deepEqual(all[sleep0]!.argv, ['sleep', '0']);
  assert.equal(all[sleep0]!.comm, 'sleep');
  assert.equal(endOf(all, all[sleep0]!)!.exit_status, 0);
});

test('a multi-threaded program whose main thread exits first ends once, after its last thread, with its status', async (t) => {
  const src = join(work, 'mt.c');
  const bin = join(work, 'mt');
  writeFileSync(
    src,
    `#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
static void *worker(void *a) { (void)a; usleep(300000); exit(7); return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, worker, 0); pthread_exit(0); }
`,
  );
  const cc = spawnSync('cc', ['-O1', '-pthread', '-o', bin, src], { encoding: 'utf8' });
  if (cc.status !== 0) {
    t.skip(`no C compiler: ${cc.stderr || cc.error}`);
    return;
  }
  const m = marker();
  const r = run(bin, [m]);
  assert.equal(r.status, 7);
  const { starts, all } = await waitMarked(m, 1);
  const ends = all.filter((x) => x.record_type === 'end' && x.event_id === starts[0]!.event_id);
  assert.equal(ends.length, 1);
  assert.equal(ends[0]!.exit_status, 7);
  // the end is the group's, after the worker's 300 ms sleep, not the main thread's early exit
  assert.ok((ends[0]!.duration_ns as number) >= 250_000_000, String(ends[0]!.duration_ns));
});

test('argv of 300 arguments and one of 5,000 bytes: cut to max_args/max_arg_length, argc real, argv_truncated', async () => {
  const m = marker();
  const args = [m, 'y'.repeat(5000), ...Array.from({ length: 297 }, (_, i) => `a${i}`)];
  run('/bin/true', args);
  const { starts } = await waitMarked(m, 1);
  const s = starts[0]!;
  const argv = s.argv as string[];
  assert.equal(argv.length, 128);
  assert.equal(s.argc, 300);
  assert.equal(s.argv_truncated, true);
  assert.equal(argv[0], '/bin/true');
  assert.equal(argv[1], m);
  assert.equal(argv[2], 'y'.repeat(1024));
  assert.equal(argv[127], 'a124');
  // an argv within the limits is not marked
  const m2 = marker();
  run('/bin/true', [m2, 'z'.repeat(1024)]);
  const s2 = (await waitMarked(m2, 1)).starts[0]!;
  assert.equal('argv_truncated' in s2, false);
  assert.equal((s2.argv as string[])[2], 'z'.repeat(1024));
});

test('argv with newlines, escape bytes, empty arguments and invalid UTF-8 is exact; argv_raw round-trips', async () => {
  const m = marker();
  run('bash', ['-c', `exec /bin/true ${m} $'a\\nb' $'\\e[31mred' '' $'\\xff\\xfeok' ''`]);
  const { starts } = await waitMarked(m, 1);
  const s = starts.find((x) => x.comm === 'true')!;
  assert.deepEqual(s.argv, ['/bin/true', m, 'a\nb', '\x1b[31mred', '', '\ufffd\ufffdok', '']);
  assert.equal(s.argc, 7);
  const raw = Buffer.from(s.argv_raw as string, 'base64');
  const expected = Buffer.concat([
    Buffer.from(`/bin/true\0${m}\0a\nb\0\x1b[31mred\0\0`),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('ok\0'),
  ]);
  assert.deepEqual(raw, expected);
  // valid UTF-8 carries no argv_raw
  const m2 = marker();
  run('/bin/true', [m2, 'héllo', '日本']);
  const s2 = (await waitMarked(m2, 1)).starts[0]!;
  assert.deepEqual(s2.argv, ['/bin/true', m2, 'héllo', '日本']);
  assert.equal('argv_raw' in s2, false);
});

test('exec -a fakename keeps argv[0] as given; exe is the resolved file', async () => {
  const m = marker();
  run('bash', ['-c', `exec -a fakename /bin/true ${m}`]);
  const { starts } = await waitMarked(m, 1);
  const s = starts.find((x) => (x.argv as string[])[0] === 'fakename')!;
  assert.ok(s, JSON.stringify(starts));
  assert.deepEqual(s.argv, ['fakename', m]);
  assert.equal(s.exe, realpathSync('/bin/true'));
  assert.equal(s.comm, 'true');
});

function cgroup2Mount(): string | undefined {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[2] === 'cgroup2') return f[1];
  }
  return undefined;
}

async function inCgroup(name: string, m: string): Promise<Rec> {
  const root = cgroup2Mount();
  assert.ok(root, 'a cgroup2 hierarchy is mounted');
  const dir = join(root, name);
  mkdirSync(dir);
  try {
    run('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec /bin/true ${m}`]);
    const { starts } = await waitMarked(m, 1);
    return starts.find((s) => s.comm === 'true')!;
  } finally {
    for (let i = 0; i < 50 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch {
        await sleep(100);
      }
    }
  }
}

test('a program in a cgroup of its own: cgroup path, no container_id', async () => {
  const m = marker();
  const s = await inCgroup(`prec-test-${m}`, m);
  assert.equal(s.cgroup, `/prec-test-${m}`);
  assert.equal('container_id' in s, false);
});

test("a program in a cgroup named like docker's gets the 64-hex container_id", async () => {
  const m = marker();
  const id = Buffer.from(m.padEnd(32, '0').slice(0, 32)).toString('hex');
  assert.match(id, /^[0-9a-f]{64}$/);
  const s = await inCgroup(`docker-${id}.scope`, m);
  assert.equal(s.cgroup, `/docker-${id}.scope`);
  assert.equal(s.container_id, id);
});

test('auid and session_id: present when the login uid is set, omitted when unset', async () => {
  const m = marker();
  const sessFile = join(work, `sess-${m}`);
  run('sh', ['-c', `echo 1000 > /proc/self/loginuid && cat /proc/self/sessionid > ${sessFile} && exec /bin/true ${m}`]);
  const { starts } = await waitMarked(m, 1);
  const s = starts.find((x) => x.comm === 'true')!;
  assert.equal(s.auid, 1000);
  assert.equal(s.session_id, Number(readFileSync(sessFile, 'utf8').trim()));
  const m2 = marker();
  const own = readFileSync('/proc/self/loginuid', 'utf8').trim();
  run('/bin/true', [m2]);
  const s2 = (await waitMarked(m2, 1)).starts[0]!;
  if (own === '4294967295') {
    assert.equal('auid' in s2, false);
    assert.equal('session_id' in s2, false);
  } else {
    assert.equal(s2.auid, Number(own));
  }
});

test('a parent that exec\'d while precd ran: parent_comm, parent_exe and parent_cmdline from its own argv', async () => {
  const m = marker();
  // the outer sh exec'd while precd ran: its children name it from the remembered argv
  run('sh', ['-c', `/bin/true ${m} child; exit 0`, 'outer']);
  const { starts } = await waitMarked(m, 2);
  const child = starts.find((s) => s.comm === 'true')!;
  const outer = starts.find((s) => s.comm === 'sh')!;
  assert.equal(child.ppid, outer.pid);
  assert.equal(child.parent_comm, 'sh');
  assert.equal(child.parent_exe, realpathSync('/bin/sh'));
  assert.equal(child.parent_cmdline, `sh -c /bin/true ${m} child; exit 0 outer`);
});

test('a program that runs for a while is paired with its end; duration_ns spans its run', async () => {
  const m = marker();
  const child = spawn('sleep', ['0.5'], { stdio: 'ignore', argv0: `sleep-${m}` });
  await new Promise((r) => child.on('exit', r));
  const { starts, all } = await waitMarked(m, 1);
  assert.deepEqual(starts[0]!.argv, [`sleep-${m}`, '0.5']);
  const e = endOf(all, starts[0]!)!;
  assert.equal(e.exit_status, 0);
  assert.ok((e.duration_ns as number) >= 400_000_000, String(e.duration_ns));
});

test('precd command line: --version, --check-config without loading, unknown options, non-root refusal', (t) => {
  const v = runPrecdSync(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^precd \d+\.\d+\.\d+/);
  const dir = mkdtempSync(join(tmpdir(), 'precd-cli-'));
  const good = writeConfig({ log_path: join(dir, 'never', 'prec.log'), lock_path: join(dir, 'never.lock') }, dir);
  const ok = runPrecdSync(['--check-config', '-c', good]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(existsSync(join(dir, 'never')), false, '--check-config creates no log directory');
  assert.equal(existsSync(join(dir, 'never.lock')), false, '--check-config takes no lock');
  writeFileSync(join(dir, 'bad.conf'), 'ring_buffer_mb = 3\n');
  const bad = runPrecdSync(['--check-config', '-c', join(dir, 'bad.conf')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^precd: .*ring_buffer_mb/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  const missing = runPrecdSync(['-c', join(dir, 'absent.conf')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /absent\.conf/);
  const unknown = runPrecdSync(['--frobnicate']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^precd: Unknown option '--frobnicate'/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /);
  chmodSync(dir, 0o755);
  chmodSync(good, 0o644);
  const cannotRunAsNobody = skipUnlessNobodyCanRead(PRECD_BIN);
  if (cannotRunAsNobody) {
    t.diagnostic(`non-root refusal not checked: ${cannotRunAsNobody}`);
  } else {
    const asNobody = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, PRECD_BIN, '-c', good], { encoding: 'utf8' });
    assert.equal(asNobody.status, 1);
    assert.match(asNobody.stderr, /must run as root/);
  }
  assert.equal(existsSync(join(dir, 'never')), false);
});

// execveat(dirfd, NAME, [MARK, MARK], [], FLAGS) on `open(PATH)`, then the fd is closed at once: from
// then on /proc/PID/fd/N cannot tell user space what the fd was, only the kernel's capture can.
const EXECVEAT_C = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  /* argv: PATH NAME FLAGS(empty|none) MARK */
  int fd = open(argv[1], O_RDONLY);
  char *av[] = { argv[4], argv[4], 0 };
  char *ev[] = { 0 };
  long r = syscall(SYS_execveat, fd, argv[2], av, ev, argv[3][0] == 'e' ? AT_EMPTY_PATH : 0);
  close(fd);
  return r == -1 ? 0 : 1;
}
`;

test('failed execveat: a relative name is made absolute against the dirfd, an empty one (AT_EMPTY_PATH) is the fd\'s file', async () => {
  const m = marker();
  const dir = realpathSync(mkdtempSync(join(work, 'execveat-')));
  writeFileSync(join(dir, 'execveat.c'), EXECVEAT_C);
  const bin = join(dir, 'execveat');
  assert.equal(spawnSync('cc', ['-O1', '-o', bin, join(dir, 'execveat.c')]).status, 0);
  const plain = join(dir, 'plain');
  writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
  const cases = [
    { args: [dir, `${m}_nofile`, 'none', `${m}-a`], exe: join(dir, `${m}_nofile`), errno: 2 },
    { args: [dir, `sub/../${m}_up`, 'none', `${m}-b`], exe: join(dir, `${m}_up`), errno: 2 },
    { args: [plain, '', 'empty', `${m}-c`], exe: plain, errno: 13 },
  ];
  for (const c of cases) assert.equal(spawnSync(bin, c.args).status, 0, `execveat ${c.args.join(' ')} failed as expected`);
  const all = await precd.waitForRecords((recs) => recordsFor(recs, m).fails.length >= cases.length);
  for (const c of cases) {
    const f = recordsFor(all, c.args[3]!).fails;
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0]!.exe, c.exe, JSON.stringify(f[0]));
    assert.equal(f[0]!.exec_errno, c.errno);
    assert.deepEqual(f[0]!.argv, [c.args[3], c.args[3]]);
  }
});

describe('paths deeper than the kernel walk (64 components)', () => {
  let deep: string;
  let deepSh: string;
  let deepTrue: string;

  before(() => {
    deep = realpathSync(work);
    for (let i = 1; i <= 70; i++) deep = join(deep, `dir${i}`);
    mkdirSync(deep, { recursive: true });
    deepSh = join(deep, 'sh');
    deepTrue = join(deep, 'true');
    copyFileSync('/bin/sh', deepSh);
    copyFileSync('/bin/true', deepTrue);
    chmodSync(deepSh, 0o755);
    chmodSync(deepTrue, 0o755);
  });

  /** The start whose argv[1] is `arg` (the sh -c string mentions it too). */
  const startWithArg = (recs: Rec[], arg: string) =>
    recs.find((r) => r.record_type === 'start' && (r.argv as string[] | undefined)?.[1] === arg);

  /** `value` is `full` cut at a component boundary and marked: `…/` + a proper tail of it. */
  function assertMarkedTail(value: unknown, full: string, what: string): void {
    assert.equal(typeof value, 'string', what);
    const v = value as string;
    assert.ok(v.startsWith('…/'), `${what} is marked as cut: ${v}`);
    const tail = v.slice(1); // "/dirN/.../leaf"
    assert.ok(full.endsWith(tail) && tail.length < full.length, `${what}: ${v} is a tail of ${full}`);
    assert.ok(tail.split('/').length - 1 >= 60, `${what} keeps the kernel's leaf-side components: ${v}`);
  }

  test('while the processes live, cwd, exe and parent_exe are the full paths (from /proc)', async () => {
    const m = marker();
    // sh waits on its stdin: it (the parent of true) lives until the test has seen the records.
    const sh = spawn(deepSh, ['-c', `/bin/true ${m}-child; read x; :`, `${m}-sh`], { cwd: deep, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const all = await precd.waitForRecords((recs) => recordsFor(recs, `${m}-sh`).starts.length >= 1 && startWithArg(recs, `${m}-child`) !== undefined);
      const shStart = recordsFor(all, `${m}-sh`).starts[0]!;
      assert.equal(shStart.exe, deepSh);
      assert.equal(shStart.cwd, deep);
      const child = startWithArg(all, `${m}-child`)!;
      assert.equal(child.parent_exe, deepSh);
    } finally {
      sh.stdin!.end('\n');
      await new Promise((resolve) => sh.on('exit', resolve));
    }
  });

  test('when the processes are gone, cwd, exe and parent_exe are the kernel\'s tail marked "…/", never a wrong absolute path', async () => {
    const m = marker();
    // precd is stopped while the commands run and exit, so it builds their records after they are gone.
    process.kill(precd.pid, 'SIGSTOP');
    try {
      assert.equal(spawnSync(deepSh, ['-c', `${deepTrue} ${m}-child; :`, `${m}-sh`], { cwd: deep }).status, 0);
      spawnSync(`./${m}-missing`, [`${m}-fail`], { cwd: deep }); // relative: resolved against the cut cwd
    } finally {
      process.kill(precd.pid, 'SIGCONT');
    }
    const all = await precd.waitForRecords((recs) => startWithArg(recs, `${m}-child`) !== undefined && recordsFor(recs, `${m}-fail`).fails.length >= 1);
    const child = startWithArg(all, `${m}-child`)!;
    assertMarkedTail(child.exe, deepTrue, 'exe');
    assertMarkedTail(child.cwd, deep, 'cwd');
    assertMarkedTail(child.parent_exe, deepSh, 'parent_exe');
    const fail = recordsFor(all, `${m}-fail`).fails[0]!;
    assertMarkedTail(fail.cwd, deep, 'fail cwd');
    assertMarkedTail(fail.exe, join(deep, `${m}-missing`), 'fail exe (relative name resolved against the cut cwd)');
  });
});
