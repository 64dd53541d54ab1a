// prec run's pieces that need no daemon: the command split, the cgroup2 mount, precd's settings
// and liveness from its config and lock file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Run, { splitCommand } from '../../src/cli/commands/run.js';
import { cgroup2Mount, ownCgroup } from '../../src/cli/cgroup.js';
import { precdSettings, runningPrecd } from '../../src/cli/precd-state.js';

test('the command starts after -- or at the first word that is not a flag of prec run', () => {
  assert.deepEqual(splitCommand(['-o', 'json', '--', 'ls', '-la'], Run.flags), [['-o', 'json'], ['ls', '-la']]);
  assert.deepEqual(splitCommand(['-c', '/x.conf', '--no-tree', 'make', '-j4', '--', 'y'], Run.flags), [['-c', '/x.conf', '--no-tree'], ['make', '-j4', '--', 'y']]);
  assert.deepEqual(splitCommand(['-f', '-argv', 'sh'], Run.flags), [['-f', '-argv'], ['sh']]);
  assert.deepEqual(splitCommand(['--tree'], Run.flags), [['--tree'], []]);
});

test('the cgroup v2 mount comes from /proc/mounts, hybrid hosts included; own cgroup from 0::', () => {
  const hybrid = 'tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
  assert.equal(cgroup2Mount(hybrid), '/sys/fs/cgroup/unified');
  assert.equal(cgroup2Mount('cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n'), '/sys/fs/cgroup');
  assert.equal(cgroup2Mount('cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n'), undefined);
  assert.equal(ownCgroup('1:cpu:/\n0::/user.slice/user-0.slice/session-1.scope\n'), '/user.slice/user-0.slice/session-1.scope');
  assert.equal(ownCgroup('1:cpu:/\n'), '/');
});

test("precd's settings from its config, defaults otherwise; running only when the lock names a live precd", () => {
  const dir = mkdtempSync(join(tmpdir(), 'prec-run-'));
  const conf = join(dir, 'precd.conf');
  writeFileSync(conf, `log_path = "${dir}/l.log"\nlock_path = "${dir}/x.lock"\nflush_interval_ms = 50\n`);
  assert.deepEqual(precdSettings(conf), { logPath: `${dir}/l.log`, lockPath: `${dir}/x.lock`, flushIntervalMs: 50 });
  assert.deepEqual(precdSettings(join(dir, 'missing.conf')), { logPath: '/var/log/prec/prec.log', lockPath: '/run/precd.lock', flushIntervalMs: 200 });
  const lock = join(dir, 'x.lock');
  assert.equal(runningPrecd(lock), undefined);
  writeFileSync(lock, `${process.pid}\n`); // a live process, but not precd
  assert.equal(runningPrecd(lock), undefined);
  writeFileSync(lock, 'garbage\n');
  assert.equal(runningPrecd(lock), undefined);
});
