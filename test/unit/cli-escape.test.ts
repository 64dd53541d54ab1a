import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeText } from '../../src/cli/escape.js';
import { quoteArg, quoteCommand } from '../../src/cli/shellquote.js';

test('control characters become visible escapes', () => {
  assert.equal(escapeText('a\x1b[31mred\x1b[0m'), 'a\\e[31mred\\e[0m');
  assert.equal(escapeText('x\ny\rz\tw'), 'x\\ny\\rz\\tw');
  assert.equal(escapeText('bell\x07 bs\x08 nul\x00 del\x7f'), 'bell\\x07 bs\\x08 nul\\x00 del\\x7f');
  assert.equal(escapeText('c1\u0085\u009b'), 'c1\\u0085\\u009b');
});

test('BIDI overrides, isolates, zero-width and line separators are escaped', () => {
  assert.equal(escapeText('rm \u202eexe.txt'), 'rm \\u202eexe.txt');
  for (const c of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200b, 0x200f, 0x2028, 0x2029, 0xfeff]) {
    assert.equal(escapeText(String.fromCharCode(c)), `\\u${c.toString(16).padStart(4, '0')}`);
  }
});

test('lone surrogates are escaped, valid pairs and ordinary text are kept', () => {
  assert.equal(escapeText('a\ud800b\udc00'), 'a\\ud800b\\udc00');
  assert.equal(escapeText('ok 😀 日本語 é \ufffd'), 'ok 😀 日本語 é \ufffd');
  assert.equal(escapeText('plain /usr/bin/ls -la'), 'plain /usr/bin/ls -la');
  assert.equal(escapeText('back\\slash'), 'back\\slash');
});

test('escaped text holds no character below 0x20 and no BIDI control', () => {
  let all = '';
  for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(escapeText(all), /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
});

test('shell quoting: safe arguments bare, others single-quoted', () => {
  assert.equal(quoteCommand(['sh', '-c', 'id; uname -a']), "sh -c 'id; uname -a'");
  assert.equal(quoteCommand(['curl', 'https://x.example/a']), 'curl https://x.example/a');
  assert.equal(quoteCommand(['a_@%+=:,./-Z9']), 'a_@%+=:,./-Z9');
  assert.equal(quoteArg(''), "''");
  assert.equal(quoteArg("it's"), "'it'\\''s'");
  assert.equal(quoteArg('a b'), "'a b'");
  assert.equal(quoteArg('$HOME'), "'$HOME'");
  assert.equal(quoteArg('*'), "'*'");
  assert.equal(quoteArg('~'), "'~'");
  assert.equal(quoteCommand([]), '');
});

test('shell quoting round-trips through a real shell for arbitrary arguments', async () => {
  const fc = await import('fast-check');
  const { spawnSync } = await import('node:child_process');
  // Arguments without NUL (impossible in argv); mixed ASCII specials, quotes, spaces, unicode.
  const arg = fc.string({ unit: fc.oneof(fc.constantFrom(..."'\"\\ $`!*?~#&;|<>(){}[]=+-@%:,./_\t\n"), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) })
    .map((s) => s.replace(/\0/g, ''));
  const samples = fc.sample(fc.array(arg, { minLength: 1, maxLength: 5 }), 200);
  samples.push([''], ["it's"], ['a b', ''], ['-n', '\n']);
  // One shell run: each sample prints its arguments NUL-separated, then a record separator.
  const script = samples.map((argv) => `printf '%s\\0' ${argv.map((a) => quoteArg(a)).join(' ')}; printf '\\36'`).join('\n');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const got = r.stdout.split('\x1e').slice(0, -1).map((rec) => rec.split('\0').slice(0, -1));
  assert.deepEqual(got, samples);
});

test('raw bytes of invalid UTF-8 (lone U+DC80..U+DCFF, surrogateescape) show as \\xNN; other lone surrogates as before', async () => {
  const { escapeRawBytes } = await import('../../src/cli/escape.js');
  assert.equal(escapeText('a\udcff\udcfe\udc80b'), 'a\\xff\\xfe\\x80b');
  assert.equal(escapeText('\udc7f\udd00'), '\\udc7f\\udd00');
  // A valid pair whose low half is in that range stays an emoji.
  assert.equal(escapeText('\ud83d\udc80'), '\ud83d\udc80');
  assert.equal(escapeRawBytes('x\udcffy\x1b\ud83d\udc80'), 'x\\xffy\x1b\ud83d\udc80');
  assert.equal(escapeRawBytes('plain'), 'plain');
});
