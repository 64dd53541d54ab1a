import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../src/daemon/filter.js';
import { parseConfig } from '../../src/daemon/config.js';
import type { FieldBag } from '../../src/schema/index.js';

function start(over: Record<string, unknown> = {}): FieldBag {
  return {
    timestamp: '2026-11-22T15:04:05.123456789+00:00',
    event_id: '20261122150405-1',
    uid: 1000, gid: 1000, euid: 1000, egid: 1000,
    user: 'alice', group: 'alice',
    pid: 4242, ppid: 4000,
    comm: 'id', exe: '/usr/bin/id', cwd: '/home/alice',
    argv: ['id', '-u'], argc: 2,
    cgroup: '/user.slice', source: 'user', record_type: 'start',
    parent_comm: 'bash', parent_exe: '/usr/bin/bash', parent_cmdline: '-bash',
    ...over,
  };
}
const fail = (over: Record<string, unknown> = {}) =>
  start({ record_type: 'fail', exe: '/nope', exec_errno: 2, exec_error: 'no such file or directory', ...over });
const loss: FieldBag = { timestamp: '2026-11-22T15:04:05.1+00:00', record_type: 'loss', lost_samples: 3, lost_samples_total: 3 };

function filterOf(toml: string) {
  return compileFilter(parseConfig(toml, 'test.conf'));
}

test('no rules and filter_default allow keeps every start and fail record', () => {
  const f = filterOf('');
  assert.equal(f(start()), true);
  assert.equal(f(start({ source: 'system', uid: 0 })), true);
  assert.equal(f(fail()), true);
});

test('no rules and filter_default deny drops every start and fail record', () => {
  const f = filterOf('filter_default = "deny"');
  assert.equal(f(start()), false);
  assert.equal(f(fail()), false);
});

test('a "-" rule drops what it matches; the rest follows the default', () => {
  const f = filterOf('filter = ["-comm=cron"]');
  assert.equal(f(start({ comm: 'cron' })), false);
  assert.equal(f(start({ comm: 'id' })), true);
});

test('a "+" rule keeps what it matches under filter_default deny', () => {
  const f = filterOf('filter_default = "deny"\nfilter = ["+user=nginx"]');
  assert.equal(f(start({ user: 'nginx' })), true);
  assert.equal(f(start({ user: 'alice' })), false);
});

test('rules are tried in order and the first match wins', () => {
  // uid=0 matches both rules: the first (keep) decides; in the reverse order the drop decides.
  const keepFirst = filterOf('filter_default = "deny"\nfilter = ["+comm=sshd", "-uid=0"]');
  const dropFirst = filterOf('filter_default = "deny"\nfilter = ["-uid=0", "+comm=sshd"]');
  const rootSshd = start({ uid: 0, comm: 'sshd' });
  assert.equal(keepFirst(rootSshd), true);
  assert.equal(dropFirst(rootSshd), false);
  // Matched by the second rule only.
  assert.equal(keepFirst(start({ uid: 0, comm: 'ls' })), false);
  assert.equal(dropFirst(start({ uid: 5, comm: 'sshd' })), true);
  // Matched by none: the default.
  assert.equal(keepFirst(start({ uid: 5, comm: 'ls' })), false);
});

test('rules use the full query language: &&, ||, !, parentheses, quoted values, substrings', () => {
  const f = filterOf(
    'filter_default = "deny"\nfilter = ["+(user=nginx || uid=48) && !comm=logrotate", "+argv~=\\"a && b\\""]',
  );
  assert.equal(f(start({ user: 'nginx', comm: 'sh' })), true);
  assert.equal(f(start({ uid: 48, user: 'apache', comm: 'sh' })), true);
  assert.equal(f(start({ user: 'nginx', comm: 'logrotate' })), false);
  assert.equal(f(start({ argv: ['sh', '-c', 'a && b'] })), true);
  assert.equal(f(start({ argv: ['sh', '-c', 'a || b'] })), false);
});

test('a rule on command matches argv joined by spaces', () => {
  const f = filterOf('filter = ["-command=sh -c id"]');
  assert.equal(f(start({ argv: ['sh', '-c', 'id'] })), false);
  assert.equal(f(start({ argv: ['sh', '-c', 'id -u'] })), true);
});

test('rules can select by record_type: start and fail records are told apart', () => {
  const f = filterOf('filter = ["-record_type=fail"]');
  assert.equal(f(start()), true);
  assert.equal(f(fail()), false);
  const g = filterOf('filter_default = "deny"\nfilter = ["+record_type=fail && exec_errno=2"]');
  assert.equal(g(fail()), true);
  assert.equal(g(fail({ exec_errno: 13 })), false);
  assert.equal(g(start()), false);
});

test('user_only keeps only source=user, before any rule', () => {
  const f = filterOf('user_only = true\nfilter = ["+uid=0"]');
  assert.equal(f(start({ source: 'user' })), true);
  assert.equal(f(start({ source: 'system', uid: 0 })), false);
  assert.equal(f(fail({ source: 'system' })), false);
  assert.equal(f(fail({ source: 'user' })), true);
});

test('loss records always pass, whatever the rules, default and user_only', () => {
  const f = filterOf('user_only = true\nfilter_default = "deny"\nfilter = ["-lost_samples>0", "-record_type=loss"]');
  assert.equal(f(loss), true);
});

test('a missing optional field does not match = but matches !=', () => {
  const f = filterOf('filter_default = "deny"\nfilter = ["+tty!=/dev/pts/1"]');
  assert.equal(f(start()), true); // no tty key
  assert.equal(f(start({ tty: '/dev/pts/1', tty_nr: 34817 })), false);
  const g = filterOf('filter_default = "deny"\nfilter = ["+tty=/dev/pts/1"]');
  assert.equal(g(start()), false);
});
