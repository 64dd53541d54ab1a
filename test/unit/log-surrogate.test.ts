// Lines with raw invalid UTF-8 (argv bytes in a hand-made or foreign log) are records, decoded with
// surrogateescape, and their bytes are shown escaped (SPEC 8), not dropped as bad lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { readRecords } from '../../src/log/index.js';
import { decodeSurrogateEscape } from '../../src/log/surrogate.js';
import { gzipMember, startRecord, tempDir } from './log-fixtures.js';

/** Back to bytes: U+DC80..U+DCFF are the raw bytes, the rest UTF-8. */
function encodeSurrogateEscape(s: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    parts.push(ch.length === 1 && c >= 0xdc80 && c <= 0xdcff ? Buffer.from([c - 0xdc00]) : Buffer.from(ch));
  }
  return Buffer.concat(parts);
}

test('surrogateescape: valid UTF-8 decodes as usual, each invalid byte becomes U+DC80+byte', () => {
  assert.equal(decodeSurrogateEscape(Buffer.from('café 😀 plain')), 'café 😀 plain');
  assert.equal(decodeSurrogateEscape(Buffer.from([0x61, 0xff, 0xfe, 0x62])), 'a\udcff\udcfeb');
  // A truncated sequence, an overlong, an encoded surrogate, a code point past U+10FFFF.
  assert.equal(decodeSurrogateEscape(Buffer.from([0xe2, 0x82, 0x41])), '\udce2\udc82A');
  assert.equal(decodeSurrogateEscape(Buffer.from([0xc0, 0xaf])), '\udcc0\udcaf');
  assert.equal(decodeSurrogateEscape(Buffer.from([0xed, 0xa0, 0x80])), '\udced\udca0\udc80');
  assert.equal(decodeSurrogateEscape(Buffer.from([0xf4, 0x90, 0x80, 0x80])), '\udcf4\udc90\udc80\udc80');
  assert.equal(decodeSurrogateEscape(Buffer.from([0xe2, 0x82, 0xac, 0x80])), '€\udc80');
});

test('surrogateescape loses no byte, and agrees with the UTF-8 decoder on valid input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const s = decodeSurrogateEscape(bytes);
      assert.deepEqual(encodeSurrogateEscape(s), Buffer.from(bytes));
      const valid = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
      if (!valid.includes('\ufffd')) assert.equal(s, valid);
    }),
    { numRuns: 2000 },
  );
});

function rawLine(argvBytes: Buffer): Buffer {
  const json = JSON.stringify(startRecord(1, { argv: ['printf', 'MARK'], argc: 2 }));
  const [before, after] = json.split('MARK');
  return Buffer.concat([Buffer.from(before!), argvBytes, Buffer.from(`${after}\n`)]);
}

test('a record with raw invalid UTF-8 in argv is read, not counted as a bad line, plain or compressed', async () => {
  const dir = tempDir();
  const log = Buffer.concat([rawLine(Buffer.from([0xff, 0xfe])), Buffer.from(`${JSON.stringify(startRecord(2))}\n`)]);
  for (const [name, data] of [['plain.log', log], ['gz.log', gzipMember(log)]] as const) {
    writeFileSync(join(dir, name), data);
    const bad: string[] = [];
    const records = [];
    for await (const r of readRecords(join(dir, name), { onBadLine: (_l, why) => bad.push(why) })) records.push(r);
    assert.deepEqual(bad, [], name);
    assert.equal(records.length, 2, name);
    assert.deepEqual((records[0] as { argv: string[] }).argv, ['printf', '\udcff\udcfe'], name);
  }
});

test('prec shows the raw bytes as \\xNN in text, table and csv, and as \\udcNN in json', () => {
  const dir = tempDir();
  const file = join(dir, 'prec.log');
  writeFileSync(file, rawLine(Buffer.from([0xff, 0xfe])));
  const bin = join(import.meta.dirname, '../../../bin/prec.js');
  const run = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [bin, '-i', file, '-A', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout;
  };
  assert.equal(run('-f', 'command'), "printf '\\xff\\xfe'\n");
  assert.equal(run('-f', 'argv'), '["printf","\\xff\\xfe"]\n');
  assert.match(run('-f', 'command', '-o', 'table'), /printf '\\xff\\xfe'/);
  assert.equal(run('-f', 'command', '-o', 'csv'), "command\nprintf '\\xff\\xfe'\n");
  assert.equal(run('-f', 'argv', '-o', 'json'), '{"argv":["printf","\\udcff\\udcfe"]}\n');
  // A query still finds the record by its other fields.
  assert.equal(run('-q', 'comm=id', '-f', 'command'), "printf '\\xff\\xfe'\n");
});
