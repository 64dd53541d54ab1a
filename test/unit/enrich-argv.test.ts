import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeArgv, splitArgs, truncateChars } from '../../src/daemon/enrich/argv.js';

const LIMITS = { maxArgs: 128, maxArgLength: 1024 };
const nul = (args: (string | Buffer)[]) => Buffer.concat(args.flatMap((a) => [Buffer.from(a), Buffer.from([0])]));

test('splits NUL-terminated arguments byte-exact, keeping empty ones and argv[0] as given', () => {
  assert.deepEqual(splitArgs(nul(['fakename', '', 'a b', '', '\n\x1b[31m'])), ['fakename', '', 'a b', '', '\n\x1b[31m']);
  assert.deepEqual(splitArgs(Buffer.alloc(0)), []);
  assert.deepEqual(splitArgs(nul([''])), ['']);
});

test('an argument cut by the kernel copy bound (no final NUL) is kept as its beginning', () => {
  const b = Buffer.concat([nul(['ls']), Buffer.from('abc')]);
  const d = decodeArgv(b, 2, true, LIMITS);
  assert.deepEqual(d.argv, ['ls', 'abc']);
  assert.equal(d.truncated, true);
});

test('valid UTF-8 has no argv_raw; invalid UTF-8 shows U+FFFD and argv_raw round-trips the bytes', () => {
  const ok = decodeArgv(nul(['échec', '日本']), 2, false, LIMITS);
  assert.equal(ok.raw, undefined);
  assert.deepEqual(ok.argv, ['échec', '日本']);
  const bad = nul(['echo', Buffer.from([0x61, 0xff, 0x62]), '']);
  const d = decodeArgv(bad, 3, false, LIMITS);
  assert.deepEqual(d.argv, ['echo', 'a\ufffdb', '']);
  assert.ok(d.raw);
  const back = Buffer.from(d.raw!, 'base64');
  assert.deepEqual(back, bad.subarray(0, bad.length - 1));
  assert.deepEqual(back.toString('latin1').split('\0'), ['echo', 'a\xffb', '']);
});

test('max_args and max_arg_length truncate (in characters) and set truncated; argc stays the real count', () => {
  const args = Array.from({ length: 300 }, (_, i) => `arg${i}`);
  const d = decodeArgv(nul(args), 300, false, { maxArgs: 128, maxArgLength: 1024 });
  assert.equal(d.argv.length, 128);
  assert.equal(d.argc, 300);
  assert.equal(d.truncated, true);
  const long = decodeArgv(nul(['x', 'é'.repeat(5000)]), 2, false, { maxArgs: 128, maxArgLength: 1024 });
  assert.equal(long.argv[1], 'é'.repeat(1024));
  assert.equal(long.truncated, true);
  const fits = decodeArgv(nul(['x', 'y'.repeat(1024)]), 2, false, LIMITS);
  assert.equal(fits.truncated, false);
});

test('a kernel argc above the arguments copied marks truncation', () => {
  const d = decodeArgv(nul(['a', 'b']), 5, false, LIMITS);
  assert.equal(d.argc, 5);
  assert.equal(d.truncated, true);
});

test('truncateChars never splits a surrogate pair', () => {
  assert.equal(truncateChars('😀😀😀', 2), '😀😀');
  assert.equal(truncateChars('ab', 5), 'ab');
});
