// exe_memfd, exe_deleted and the exe path of fileless and deleted programs (SPEC section 3), read by
// the kernel at exec: real memfd execs (through /proc/self/fd/N and through execveat(fd, "",
// AT_EMPTY_PATH), as python's os.execve does them), real deleted binaries, under the real precd.
// exe is what /proc/PID/exe shows: `/memfd:NAME (deleted)`, `/dir/file (deleted)`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, linkSync, mkdtempSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { Precd, marker, type Rec } from '../helpers/precd.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let precd: Precd;
let work: string;

before(async () => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'precd-exe-')));
  precd = await Precd.start();
});

after(async () => {
  const r = await precd.stop();
  assert.equal(r.code, 0, `precd exit: ${JSON.stringify(r)} ${precd.stderr}`);
  await precd.cleanup();
});

// argv: BINARY MEMFD_NAME HOW(proc|fd) ARGS...: copies BINARY into a memfd called MEMFD_NAME and
// execs it with ARGS, by /proc/self/fd/N or by the fd itself (os.execve(fd) is fexecve: execveat
// with AT_EMPTY_PATH). Prints the errno when the exec fails.
const MEMFD_EXEC = `
import os, sys
binary, name, how, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
fd = os.memfd_create(name, 0)
with open(binary, 'rb') as f:
    os.write(fd, f.read())
os.fchmod(fd, 0o755)
try:
    os.execve(f'/proc/self/fd/{fd}' if how == 'proc' else fd, args, {'PATH': '/usr/bin:/bin'})
except OSError as e:
    print(e.errno)
`;

function memfdExec(binary: string, name: string, how: 'proc' | 'fd', args: string[]) {
  return spawnSync(PYTHON, ['-c', MEMFD_EXEC, binary, name, how, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** The records of this type whose argv is exactly `argv` (python and sh carry the marker too). */
async function recordsWithArgv(type: 'start' | 'fail', argv: string[]): Promise<Rec[]> {
  const mine = (recs: Rec[]) => recs.filter((r) => r.record_type === type && JSON.stringify(r.argv) === JSON.stringify(argv));
  return mine(await precd.waitForRecords((recs) => mine(recs).length > 0));
}
const startsOf = (argv: string[]) => recordsWithArgv('start', argv);

test('a memfd exec through /proc/self/fd/N: exe /memfd:NAME (deleted), exe_memfd and exe_deleted', async () => {
  const m = marker();
  const r = memfdExec('/bin/true', `name-${m}`, 'proc', [`true-${m}`]);
  assert.equal(r.status, 0, r.stderr);
  const [s] = await startsOf([`true-${m}`]);
  assert.equal(s!.exe, `/memfd:name-${m} (deleted)`);
  assert.equal(s!.exe_memfd, true);
  assert.equal(s!.exe_deleted, true);
  assert.deepEqual(s!.argv, [`true-${m}`]);
});

test('a memfd exec through execveat(fd, "", AT_EMPTY_PATH): the same, and exe is what /proc/PID/exe shows', async () => {
  const m = marker();
  // sleep lives while the record is compared with its /proc/PID/exe.
  const child = spawn(PYTHON, ['-c', MEMFD_EXEC, '/bin/sleep', `sleep-${m}`, 'fd', `sleep-${m}`, '30'], { stdio: 'ignore' });
  try {
    const [s] = await startsOf([`sleep-${m}`, '30']);
    assert.equal(s!.pid, child.pid);
    assert.equal(s!.exe, `/memfd:sleep-${m} (deleted)`);
    assert.equal(s!.exe, readlinkSync(`/proc/${child.pid}/exe`));
    assert.equal(s!.exe_memfd, true);
    assert.equal(s!.exe_deleted, true);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a memfd name with control characters is recorded exactly (escaped by the record format)', async () => {
  const m = marker();
  const name = `${m}\n\x1b[31mred\ttab`;
  const r = memfdExec('/bin/true', name, 'fd', [`true-${m}`]);
  assert.equal(r.status, 0, r.stderr);
  const [s] = await startsOf([`true-${m}`]);
  assert.equal(s!.exe, `/memfd:${name} (deleted)`);
  assert.equal(s!.exe_memfd, true);
});

test('a program started by a memfd program names it as parent_exe /memfd:NAME (deleted)', async () => {
  const m = marker();
  const r = memfdExec('/bin/sh', `sh-${m}`, 'fd', ['sh', '-c', `/bin/true child-${m}; :`, `sh-${m}`]);
  assert.equal(r.status, 0, r.stderr);
  const [child] = await startsOf(['/bin/true', `child-${m}`]);
  assert.equal(child!.exe, realpathSync('/bin/true'));
  assert.equal(child!.parent_exe, `/memfd:sh-${m} (deleted)`);
  assert.equal('exe_memfd' in child!, false, 'the flags are about the program itself, not its parent');
});

test('a failed memfd exec (not an executable: ENOEXEC) by execveat on the fd: a fail record with exe_memfd', async () => {
  const m = marker();
  const junk = join(work, `junk-${m}`);
  spawnSync('sh', ['-c', `printf 'not a program\\n' > ${junk}`]);
  const r = memfdExec(junk, `junk-${m}`, 'fd', [`junk-${m}`]);
  assert.equal(r.stdout.trim(), '8', r.stderr); // ENOEXEC
  const [f] = await recordsWithArgv('fail', [`junk-${m}`]);
  assert.equal(f!.exe, `/memfd:junk-${m} (deleted)`);
  assert.equal(f!.exe_memfd, true);
  assert.equal(f!.exe_deleted, true);
  assert.equal(f!.exec_errno, 8);
});

/**
 * Copies /bin/sleep to DIR/sleepy (and a second link to it when `otherLink`), opens it, removes
 * DIR/sleepy and execs the open file: returns the start record and /proc/PID/exe of the live program.
 */
async function runUnlinked(otherLink: boolean): Promise<{ start: Rec; procExe: string; bin: string }> {
  const m = marker();
  const dir = mkdtempSync(join(work, 'del-'));
  const bin = join(dir, 'sleepy');
  copyFileSync('/bin/sleep', bin);
  if (otherLink) linkSync(bin, join(dir, 'other-name'));
  const child = spawn('bash', ['-c', `exec 3<${bin}; rm ${bin}; exec -a sleepy-${m} /proc/self/fd/3 30`], { stdio: 'ignore' });
  try {
    const [start] = await startsOf([`sleepy-${m}`, '30']);
    return { start: start!, procExe: readlinkSync(`/proc/${child.pid}/exe`), bin };
  } finally {
    child.kill('SIGKILL');
  }
}

test('a binary deleted before its exec (run through its open fd): exe is its path with (deleted), exe_deleted', async () => {
  const { start, procExe, bin } = await runUnlinked(false);
  assert.equal(start.exe, `${bin} (deleted)`);
  assert.equal(start.exe, procExe);
  assert.equal(start.exe_deleted, true);
  assert.equal('exe_memfd' in start, false);
});

test('a binary whose name was removed but that has another link: (deleted) as /proc shows, no exe_deleted', async () => {
  const { start, procExe, bin } = await runUnlinked(true);
  assert.equal(start.exe, `${bin} (deleted)`);
  assert.equal(start.exe, procExe);
  assert.equal('exe_deleted' in start, false, 'a link is left');
  assert.equal('exe_memfd' in start, false);
});

test('a normal exec, and one of a file called memfd:x on disk, carry neither flag', async () => {
  const m = marker();
  const dir = mkdtempSync(join(work, 'plain-'));
  const lookalike = join(dir, 'memfd:x');
  copyFileSync('/bin/true', lookalike);
  spawnSync('chmod', ['755', lookalike]);
  assert.equal(spawnSync(lookalike, [`a-${m}`]).status, 0);
  assert.equal(spawnSync('/bin/true', [`b-${m}`]).status, 0);
  const [a] = await startsOf([lookalike, `a-${m}`]);
  const [b] = await startsOf(['/bin/true', `b-${m}`]);
  assert.equal(a!.exe, lookalike);
  assert.equal(b!.exe, realpathSync('/bin/true'));
  for (const s of [a!, b!]) {
    assert.equal('exe_memfd' in s, false, JSON.stringify(s));
    assert.equal('exe_deleted' in s, false, JSON.stringify(s));
  }
});
