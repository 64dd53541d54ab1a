import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, utimesSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerIdFromCgroup } from '../../src/daemon/enrich/container.js';
import { classifySource } from '../../src/daemon/enrich/source.js';
import { ttyPath } from '../../src/daemon/enrich/tty.js';
import { UserNames, parseIdFile } from '../../src/daemon/enrich/users.js';
import { ParentCmdlines, cmdlineOf } from '../../src/daemon/enrich/parents.js';
import { errnoText, signalName } from '../../src/daemon/enrich/errors.js';

const ID = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

test('container ids are found in docker, containerd/CRI, cri-o and podman cgroup paths', () => {
  assert.equal(containerIdFromCgroup(`/system.slice/docker-${ID}.scope`), ID);
  assert.equal(containerIdFromCgroup(`/docker/${ID}`), ID);
  assert.equal(containerIdFromCgroup(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-${ID}.scope`), ID);
  assert.equal(containerIdFromCgroup(`/kubepods/besteffort/pod1234/${ID}`), ID);
  assert.equal(containerIdFromCgroup(`/system.slice/containerd.service/kubepods-besteffort-pod1.slice:cri-containerd:${ID}`), ID);
  assert.equal(containerIdFromCgroup(`/kubepods.slice/crio-${ID}.scope`), ID);
  assert.equal(containerIdFromCgroup(`/machine.slice/libpod-${ID}.scope`), ID);
  assert.equal(containerIdFromCgroup(`/machine.slice/libpod-${ID}.scope/container`), ID);
});

test('runtime helpers and ordinary cgroups carry no container id', () => {
  assert.equal(containerIdFromCgroup(`/machine.slice/libpod-conmon-${ID}.scope`), undefined);
  assert.equal(containerIdFromCgroup(`/system.slice/crio-conmon-${ID}.scope`), undefined);
  assert.equal(containerIdFromCgroup('/system.slice/nginx.service'), undefined);
  assert.equal(containerIdFromCgroup(`/user.slice/${ID}`), undefined);
  assert.equal(containerIdFromCgroup(`/system.slice/docker-${ID.slice(1)}.scope`), undefined);
  assert.equal(containerIdFromCgroup('/'), undefined);
});

const base = { tty: '', ttyNr: 0, parentTty: '', parentTtyNr: 0, parentComm: 'bash', parentExe: '/usr/bin/bash' };

test('source is user only with a terminal (own or parent) and a shell as parent', () => {
  assert.equal(classifySource({ ...base, tty: 'pts/3', ttyNr: 34819 }), 'user');
  assert.equal(classifySource({ ...base, parentTty: 'pts/0', parentTtyNr: 34816 }), 'user');
  assert.equal(classifySource({ ...base, tty: 'tty1', ttyNr: 1025, parentComm: 'x', parentExe: '/bin/busybox' }), 'user');
  assert.equal(classifySource({ ...base, tty: 'pts/3', ttyNr: 34819, parentComm: 'sshd', parentExe: '/usr/sbin/sshd' }), 'system');
  assert.equal(classifySource(base), 'system');
  assert.equal(classifySource({ ...base, ttyNr: 5 }), 'user');
});

test('tty names become /dev paths; none stays absent', () => {
  assert.equal(ttyPath('pts/3'), '/dev/pts/3');
  assert.equal(ttyPath('tty1'), '/dev/tty1');
  assert.equal(ttyPath(''), undefined);
});

test('user and group names come from the files, are re-read when they change, else the decimal id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'users-'));
  const pw = join(dir, 'passwd');
  const gr = join(dir, 'group');
  writeFileSync(pw, 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  writeFileSync(gr, 'root:x:0:\nstaff:x:50:\n');
  let now = 1_000_000;
  const u = new UserNames(pw, gr, () => now);
  assert.equal(u.user(1000), 'alice');
  assert.equal(u.group(50), 'staff');
  assert.equal(u.user(4242424), '4242424'); // getent does not know it either
  writeFileSync(pw, 'root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n');
  utimesSync(pw, new Date(), new Date(Date.now() + 5000));
  now += 2000;
  assert.equal(u.user(1000), 'bob');
});

test('ids missing from the files are asked of NSS (getent)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'users-'));
  mkdirSync(join(dir, 'e'));
  writeFileSync(join(dir, 'e', 'passwd'), '');
  writeFileSync(join(dir, 'e', 'group'), '');
  const u = new UserNames(join(dir, 'e', 'passwd'), join(dir, 'e', 'group'));
  assert.equal(u.user(0), 'root'); // from the host's NSS, as the given files are empty
  assert.equal(u.group(0), 'root');
});

test('parseIdFile keeps the first name of an id and skips malformed lines', () => {
  const m = parseIdFile('a:x:1:1\nb:x:1:1\n#c:x:2\nbad\nd:x:nope:\n');
  assert.deepEqual([...m], [[1, 'a']]);
});

test('parent cmdline: remembered argv first, /proc second, cut at 512 chars, forgotten on exit', () => {
  const p = new ParentCmdlines(2);
  p.remember(10, ['bash', '-c', 'x y']);
  assert.equal(p.get(10), 'bash -c x y');
  assert.equal(p.get(process.pid), cmdlineOf(readSelf()));
  p.forget(10);
  assert.equal(p.get(10) === 'bash -c x y', false);
  p.remember(1, ['a']);
  p.remember(2, ['b']);
  p.remember(3, ['c']);
  assert.ok(p.size <= 2);
  assert.equal(cmdlineOf(['x'.repeat(600)]).length, 512);
});

function readSelf(): string[] {
  const a = readFileSync('/proc/self/cmdline', 'utf8').split('\0');
  a.pop();
  return a;
}

test('errno and signal names', () => {
  assert.equal(errnoText(2), 'no such file or directory');
  assert.equal(errnoText(13), 'permission denied');
  assert.equal(errnoText(8), 'exec format error');
  assert.equal(errnoText(9999), 'unknown error 9999');
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(6), 'SIGABRT');
  assert.equal(signalName(35), 'SIGRTMIN+1');
});
