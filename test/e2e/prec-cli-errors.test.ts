// Errors are one clean line (issue 20, item 5): a path given with -i and a field name given with -f
// are echoed with their control characters escaped, and an unreadable $HOME (sudo keeping
// HOME=/root while prec runs as another user) adds nothing before prec's own line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { prec, start, tempDir, writePlain, PREC_BIN } from './prec-cli-fixtures.js';
import { skipUnlessNobodyCanRead } from '../helpers/nobody.js';

test('an -i path with an escape sequence and a newline is echoed escaped, on one line', () => {
  const r = prec(['-i', '/tmp/prec-no-such\x1b[31mred\ndir/prec.log']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'prec: cannot read /tmp/prec-no-such\\e[31mred\\ndir/prec.log: no such file or directory\n');
});

test('an -f field name with control characters is echoed escaped, on one line', () => {
  const r = prec(['-i', '/dev/null', '-f', 'user,x\x1b[2J\ry']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^prec: unknown field "x\\e\[2J\\ry" in -f; known fields: all, [^\n]*\n$/);
});

const dir = tempDir();
chmodSync(dir, 0o755);
const LOG = writePlain(join(dir, 'prec.log'), [start(0)]);
chmodSync(LOG, 0o644);
// A home of another user that nobody cannot enter.
const lockedHome = join(dir, 'home');
mkdirSync(lockedHome, { mode: 0o700 });

/** `prec ARGS` as nobody with HOME set to `home`. */
function precAsNobody(home: string, args: readonly string[]): ReturnType<typeof spawnSync> & { stderr: string; stdout: string } {
  return spawnSync('runuser', ['-u', 'nobody', '--', 'env', `HOME=${home}`, process.execPath, PREC_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

for (const home of ['/root', lockedHome]) {
  test(`as nobody with HOME=${home} (unreadable): errors are exactly one line, a good read prints none`, { skip: skipUnlessNobodyCanRead(PREC_BIN) }, () => {
    const missing = precAsNobody(home, ['-i', join(dir, 'missing.log')]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `prec: cannot read ${join(dir, 'missing.log')}: no such file or directory\n`);
    const badField = precAsNobody(home, ['-i', LOG, '-f', 'nope']);
    assert.equal(badField.status, 1);
    assert.equal(badField.stderr.split('\n').length, 2, badField.stderr); // one line and its newline
    assert.match(badField.stderr, /^prec: unknown field "nope" in -f/);
    const badFlag = precAsNobody(home, ['-i', LOG, '--no-such-flag']);
    assert.equal(badFlag.status, 1);
    assert.equal(badFlag.stderr.split('\n').length, 2, badFlag.stderr);
    const ok = precAsNobody(home, ['-i', LOG]);
    assert.equal(ok.stderr, '');
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /^2026-11-22 15:00:00  alice/);
  });
}
