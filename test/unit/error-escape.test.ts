// Error and warning texts that echo a path or a name given by the user (`-i PATH`, `-f NAME`,
// `-c PATH` of precd and prec-ship) show its control characters escaped and stay one line: an
// escape sequence in a file name must not recolour or rewrite the terminal (issue 20, item 5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorText, warningLine } from '../../src/cli/report.js';
import { parseFieldSpec } from '../../src/cli/fields.js';
import { LogError } from '../../src/log/index.js';
import { echo, shownPath } from '../../src/config/checks.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/daemon/config.js';
import { loadShipConfig, parseShipConfig } from '../../src/ship/config.js';

const NASTY = '/tmp/a\x1b[2J\rb\nc\u202ed\x9b';

test('a log error names its path escaped, newline included, on one line', () => {
  const e = new LogError(`cannot read ${NASTY}: no such file or directory`, NASTY, 'ENOENT');
  assert.equal(errorText(e), 'cannot read /tmp/a\\e[2J\\rb\\nc\\u202ed\\u009b: no such file or directory');
});

test('a system error naming a path, and any other message, reach the terminal escaped', () => {
  const sys = Object.assign(new Error(`ENOENT: no such file or directory, open '${NASTY}'`), { code: 'ENOENT', syscall: 'open', path: NASTY });
  assert.equal(errorText(sys), 'cannot read /tmp/a\\e[2J\\rb\\nc\\u202ed\\u009b: no such file or directory');
  assert.equal(errorText(new Error('bad \x1b[31mthing\x07')), 'bad \\e[31mthing\\x07');
  const oclif = Object.assign(new Error('Nonexistent flag: --\x1b[2Jx\nSee more help'), { oclif: { exit: 2 } });
  assert.equal(errorText(oclif), 'Nonexistent flag: --\\e[2Jx (see prec --help)');
});

test('plain messages are unchanged', () => {
  assert.equal(errorText(new LogError('cannot read /var/log/prec/prec.log: permission denied', '/var/log/prec/prec.log', 'EACCES')),
    'cannot read /var/log/prec/prec.log: permission denied');
  assert.equal(warningLine('prec.log: damaged zstd frame at byte 0, resumed at byte 5120'), 'prec: prec.log: damaged zstd frame at byte 0, resumed at byte 5120\n');
});

test('a warning naming a file is one escaped line', () => {
  assert.equal(warningLine(`${NASTY}: damaged zstd frame at byte 0, no frame after it`),
    'prec: /tmp/a\\e[2J\\rb\\nc\\u202ed\\u009b: damaged zstd frame at byte 0, no frame after it\n');
});

test('-f errors echo the field name and the spec escaped', () => {
  assert.throws(() => parseFieldSpec('user,x\x1b[2Jy'), (e: Error) => e.message.startsWith('unknown field "x\\e[2Jy" in -f;'));
  assert.throws(() => parseFieldSpec('user,,\x1b'), (e: Error) => e.message.startsWith('empty field name in -f "user,,\\e";'));
  assert.throws(() => parseFieldSpec('-all\x07'), (e: Error) => /^unknown field "all\\x07"/.test(e.message));
});

test('echo and shownPath escape what JSON leaves raw: DEL, C1, BIDI and zero-width marks', () => {
  assert.equal(echo('a\u202eb\u200bc\x7f\x85'), '"a\\u202eb\\u200bc\\u007f\\u0085"');
  assert.equal(echo('a\x1b\n'), '"a\\u001b\\n"');
  assert.equal(shownPath('/etc/prec/precd.conf'), '/etc/prec/precd.conf');
  assert.equal(shownPath('/srv/my conf/é.conf'), '/srv/my conf/é.conf');
  assert.equal(shownPath(NASTY), '"/tmp/a\\u001b[2J\\rb\\nc\\u202ed\\u009b"');
  assert.equal(shownPath('/tmp/"q"'), '"/tmp/\\"q\\""');
});

test('precd and prec-ship config errors show an odd path escaped and stay one line', () => {
  const quoted = '"/tmp/a\\u001b[2J\\rb\\nc\\u202ed\\u009b"';
  assert.throws(() => loadConfig(NASTY), (e: ConfigError) => e.message === `config ${quoted}: cannot read it: no such file or directory (ENOENT)`);
  assert.throws(() => parseConfig('max_args = 0', NASTY), (e: ConfigError) => e.message === `config ${quoted}: max_args: 0 is out of range (a positive integer)`);
  assert.throws(() => loadShipConfig(NASTY), (e: Error) => e.message === `config ${quoted}: cannot read it (ENOENT)`);
  assert.throws(() => parseShipConfig('x = [', NASTY), (e: Error) => e.message.startsWith(`config ${quoted}: TOML syntax error`) && !e.message.includes('\n'));
});
