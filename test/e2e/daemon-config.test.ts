// precd's handling of its config as a program: --check-config exits 0/1, and every invalid config
// stops precd with its one-line message before it takes the lock, opens the log or loads eBPF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPrecdSync } from '../helpers/precd.js';

const END_ONLY = 'end_timestamp, duration_ns, duration, exit_status, signal, exec_replaced';

// [what, TOML added after the two path lines, message after `config PATH: `]
const INVALID: Array<[string, string, string]> = [
  ['unknown key', 'flush_intervall_ms = 100', 'unknown key "flush_intervall_ms" (did you mean "flush_interval_ms"?); known keys: '],
  ['old include_* key', 'include_users = ["root"]', 'include_users: the include_*/exclude_* keys of the original prec are not supported'],
  ['old exclude_* key', 'exclude_comm = ["cron"]', 'exclude_comm: the include_*/exclude_* keys of the original prec are not supported'],
  ['TOML syntax error', 'max_args = = 3', 'TOML syntax error at line 3, column 12: invalid value'],
  ['wrong type', 'user_only = "yes"', 'user_only: expected true or false, got a string ("yes")'],
  ['float for an integer', 'flush_interval_ms = 200.5', 'flush_interval_ms: expected an integer, got a float'],
  ['flush interval out of range', 'flush_interval_ms = 9', 'flush_interval_ms: 9 is out of range (10..5000)'],
  ['unknown compress', 'compress = "bz2"', 'compress: "bz2" is not one of "no", "gz", "zstd"'],
  ['zstd level out of range', 'compress_level = 22', 'compress_level: 22 is out of range for compress = "zstd" (1..19)'],
  ['gz level out of range', 'compress = "gz"\ncompress_level = 10', 'compress_level: 10 is out of range for compress = "gz" (1..9)'],
  ['bad lost_samples_action', 'lost_samples_action = "panic"', 'lost_samples_action: "panic" is not one of "log", "ignore", "stop"'],
  ['bad filter_default', 'filter_default = "none"', 'filter_default: "none" is not one of "allow", "deny"'],
  ['max_args not positive', 'max_args = 0', 'max_args: 0 is out of range (a positive integer)'],
  ['max_arg_length not positive', 'max_arg_length = -1', 'max_arg_length: -1 is out of range (a positive integer)'],
  ['ring buffer not a power of two', 'ring_buffer_mb = 12', 'ring_buffer_mb: 12 is not a power of two (1, 2, 4, ... 1024)'],
  ['ring buffer too large', 'ring_buffer_mb = 4096', 'ring_buffer_mb: 4096 is out of range (1..1024)'],
  ['filter not an array', 'filter = "-user=root"', 'filter: expected an array of rule strings, got a string ("-user=root")'],
  ['rule without a sign', 'filter = ["-comm=cron", "uid=0"]', 'filter[1] ("uid=0"): a rule must start with "+" (keep) or "-" (drop) at column 1\n  uid=0\n  ^'],
  ['rule that does not parse', 'filter = ["+usr=root"]', 'filter[0] ("+usr=root"): unknown field "usr" (did you mean "user"?) at column 2\n  +usr=root\n   ^'],
  ['rule on an end-only field', 'filter = ["+uid=0", "-exit_status=0"]',
    `filter[1] ("-exit_status=0"): "exit_status" is an end-only field, unknown when the start record is written; filters apply to start and fail records (end-only: ${END_ONLY}) at column 2\n  -exit_status=0\n   ^`],
  ['rule on signal', 'filter = ["-signal=SIGKILL"]', `filter[0] ("-signal=SIGKILL"): "signal" is an end-only field, unknown when the start record is written; filters apply to start and fail records (end-only: ${END_ONLY}) at column 2\n  -signal=SIGKILL\n   ^`],
];

function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'precd-config-'));
}

/** A config whose log and lock live in `dir`, plus `extra` lines. */
function writeConf(dir: string, extra: string): string {
  const path = join(dir, 'precd.conf');
  writeFileSync(path, `log_path = "${dir}/log/prec.log"\nlock_path = "${dir}/precd.lock"\n${extra}\n`);
  return path;
}

test('--check-config accepts a valid config: exit 0, says which file, loads nothing', () => {
  const dir = workDir();
  try {
    const conf = writeConf(dir, 'compress = "gz"\nfilter = ["-comm=cron", "+uid>=1000"]\nfilter_default = "deny"');
    const r = runPrecdSync(['-c', conf, '--check-config']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `config ok: ${conf}\n`);
    assert.equal(r.stderr, '');
    assert.deepEqual(readdirSync(dir), ['precd.conf'], 'no lock and no log were created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [what, extra, message] of INVALID) {
  test(`invalid config (${what}): --check-config exits 1 and precd refuses to start with the message, before loading anything`, () => {
    const dir = workDir();
    try {
      const conf = writeConf(dir, extra);
      const expected = `precd: config ${conf}: ${message}`;
      for (const args of [['-c', conf, '--check-config'], ['-c', conf]]) {
        const r = runPrecdSync(args);
        assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.ok(r.stderr.startsWith(expected), `stderr: ${r.stderr}\nexpected: ${expected}`);
        // one line and no stack trace; a rule error adds the rule and a caret line (part of `expected`)
        assert.equal(r.stderr.split('\n').length, expected.split('\n').length + 1, 'no more lines than expected');
        assert.equal(existsSync(join(dir, 'precd.lock')), false, 'the lock was not taken');
        assert.equal(existsSync(join(dir, 'log')), false, 'the log was not opened');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a config file given with -c must exist', () => {
  const dir = workDir();
  try {
    const missing = join(dir, 'nope.conf');
    for (const args of [['-c', missing, '--check-config'], ['-c', missing]]) {
      const r = runPrecdSync(args);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `precd: config ${missing}: cannot read it: no such file or directory (ENOENT)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without -c and without /etc/prec/precd.conf, --check-config runs on the embedded defaults and says so',
  { skip: existsSync('/etc/prec/precd.conf') && '/etc/prec/precd.conf exists on this host' }, () => {
    const r = runPrecdSync(['--check-config']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /embedded defaults/);
    assert.match(r.stdout, /^config ok: /);
  });
