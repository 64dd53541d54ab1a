// Issue 20 item 4: input that never ends or is not text is refused with one line, never read on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRECD_BIN, PRECD_NODE_FLAGS, REPO_ROOT } from '../helpers/precd.js';
import { recordLines } from './log-fixtures.js';
import { ConfigError, firstInvalidUtf8, loadConfig } from '../../src/daemon/config.js';

const PREC = join(REPO_ROOT, 'bin', 'prec.js');

function precd(args: string[]) {
  return spawnSync(process.execPath, [...PRECD_NODE_FLAGS, PRECD_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'bounded-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('prec -i /dev/zero (a device that never ends) is refused with one line', () => {
  const r = spawnSync(process.execPath, [PREC, '-i', '/dev/zero'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'prec ended by itself');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'prec: cannot read /dev/zero: a device, not a log file\n');
});

test('prec -i /dev/stdin from a pipe is still read', () => {
  const input = recordLines(2).join('\n') + '\n';
  // Through a shell pipe (a fifo): node's own `input` is a socket, which /dev/stdin cannot open.
  const r = spawnSync('sh', ['-c', 'cat | "$0" "$1" -i /dev/stdin -n 0 -o json -f argv', process.execPath, PREC], { input, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '{"argv":["id","-u1"]}\n');
});

test('precd --check-config -c /dev/zero stops at 1 MiB with one line', () => {
  const r = precd(['--check-config', '-c', '/dev/zero']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'precd: config /dev/zero: larger than 1 MiB, not a config file\n');
});

test('a config that is not valid UTF-8 is refused, naming the byte, line and column', () => {
  withDir((dir) => {
    const path = join(dir, 'precd.conf');
    writeFileSync(path, Buffer.concat([Buffer.from('compress = "zstd"\nlog_path = "/var/log/pr'), Buffer.from([0xff]), Buffer.from('ec.log"\n')]));
    assert.throws(() => loadConfig(path), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `config ${path}: not valid UTF-8 at byte 41 (line 2, column 24)`);
      return true;
    });
  });
});

test('firstInvalidUtf8: valid text, overlong forms, surrogates, cut sequences', () => {
  assert.equal(firstInvalidUtf8(Buffer.from('héllo ✓ 𝄞')), -1);
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80])), 1); // overlong NUL
  assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), 0); // a surrogate
  assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0); // above U+10FFFF
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x9c])), 2); // cut at the end
  assert.equal(firstInvalidUtf8(Buffer.from([0x80])), 0);
});

test('a long value echoed in a config error is cut', () => {
  withDir((dir) => {
    const path = join(dir, 'precd.conf');
    writeFileSync(path, `compress = "${'a'.repeat(100_000)}"\n`);
    assert.throws(() => loadConfig(path), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `config ${path}: compress: "${'a'.repeat(120)}…" is not one of "no", "gz", "zstd"`);
      return true;
    });
  });
});

test('--check-config fails a log_path that can never be opened: a directory, or under a regular file', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'afile'), 'x');
    const cases: [string, string][] = [
      [dir, `log_path: ${JSON.stringify(dir)} is a directory`],
      [join(dir, 'afile', 'sub', 'prec.log'), `log_path: ${JSON.stringify(join(dir, 'afile', 'sub', 'prec.log'))} is under ${JSON.stringify(join(dir, 'afile'))}, which is not a directory`],
    ];
    const conf = join(dir, 'precd.conf');
    for (const [logPath, message] of cases) {
      writeFileSync(conf, `log_path = ${JSON.stringify(logPath)}\n`);
      const r = precd(['--check-config', '-c', conf]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, `precd: config ${conf}: ${message}\n`);
    }
    writeFileSync(conf, `log_path = ${JSON.stringify(join(dir, 'new', 'dir', 'prec.log'))}\n`);
    const ok = precd(['--check-config', '-c', conf]);
    assert.equal(ok.status, 0, ok.stderr);
  });
});
