// Fuzzing the config parsers (fast-check, bounded runs): precd's (src/daemon/config.ts, over the
// shared TOML checkers of src/config/checks.ts) and prec-ship's (src/ship/config.ts). Whatever the
// bytes, random or a damaged copy of the shipped example, the only thing thrown is the program's
// config error, its message names the file, is one line (a filter rule error adds the rule and a
// caret) and holds no raw control character; and what is accepted is a config within SPEC 6's ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig, parseConfig, type Config } from '../../src/daemon/config.js';
import { COMPRESS_LEVELS } from '../../src/daemon/defaults.js';
import { parseShipConfig, ShipConfigError } from '../../src/ship/config.js';
import { REPO_ROOT } from '../helpers/precd.js';
import { tempDir } from './log-fixtures.js';

const ORIGIN = '/etc/prec/precd.conf';
const RUNS = 1500;
// Property tests are synchronous: a hang would be caught by this bound on the whole test.
const BOUND = { timeout: 120_000 };

const example = (name: string) => readFileSync(join(REPO_ROOT, 'packaging', name), 'utf8');
/** The shipped example with every `#key = value` line and example rule uncommented: every key is set. */
const uncommented = (text: string) => text.split('\n').map((l) => (/^#(\w+ = |\[|    "|\]|\s*#)/.test(l) ? l.slice(1) : l)).join('\n');
const PRECD_EXAMPLES = [example('precd.conf.example'), uncommented(example('precd.conf.example'))];
const SHIP_EXAMPLES = [example('ship.conf.example'), uncommented(example('ship.conf.example'))];

type Mutation = { kind: 'flip' | 'cut' | 'insert' | 'dup'; at: number; length: number; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'cut', 'insert', 'dup'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 200 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

function mutate(data: Buffer, m: Mutation): Buffer {
  const at = m.at % (data.length + 1);
  if (m.kind === 'flip') {
    const copy = Buffer.from(data);
    m.bytes.forEach((b, i) => {
      if (at + i < copy.length) copy[at + i] = b;
    });
    return copy;
  }
  if (m.kind === 'cut') return Buffer.concat([data.subarray(0, at), data.subarray(at + m.length)]);
  if (m.kind === 'dup') return Buffer.concat([data.subarray(0, at + m.length), data.subarray(at)]); // a repeated stretch: duplicate keys
  return Buffer.concat([data.subarray(0, at), Buffer.from(m.bytes), data.subarray(at)]);
}

/** TOML-ish pieces, so random texts get past the first character often enough to reach the checkers. */
const PIECES = [
  'log_path', 'compress', 'compress_level', 'flush_interval_ms', 'filter', 'max_args', 'ring_buffer_mb', 'priority_boost', 'seal_interval_s', 'metrics_path',
  'sink', 'type', 'url', 'state_dir', 'host', 'address', 'cee', '[[sink]]', '[sink]', 'clickhouse', 'syslog',
  ' = ', '=', '"', "'", '"""', '[', ']', '{', '}', ',', '.', '\n', '#', ' ', '\\', '\\u0000', '\x1b', '\u202e', '\0',
  '0', '-1', '20', '21', '4.0', '1e308', '0x10', 'true', 'inf', 'nan', '1979-05-27', '"/var/log/prec/prec.log"', '"zstd"', '"+user=root"', '"-"', '"+exit_status=1"',
];
const tomlish = fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((a) => a.join(''));

/** A message of one of these errors: names the file, one line (or a rule and its caret), no raw control character. */
function checkMessage(message: string, origin: string, ruleLines: boolean): void {
  assert.ok(message.startsWith(`config ${origin}: `), message);
  const lines = message.split('\n');
  assert.ok(lines.length === 1 || (ruleLines && lines.length === 3 && / at column \d+$/.test(lines[0]!)), message);
  assert.doesNotMatch(message.replace(/\n/g, ''), /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, message);
}

function inRange(c: Config): void {
  assert.ok(c.log_path.startsWith('/') && c.lock_path.startsWith('/'));
  assert.ok(['no', 'gz', 'zstd'].includes(c.compress));
  const r = COMPRESS_LEVELS[c.compress];
  assert.ok(c.compress_level >= r.min && c.compress_level <= r.max);
  assert.ok(c.flush_interval_ms >= 10 && c.flush_interval_ms <= 5000);
  assert.ok(c.priority_boost >= 0 && c.priority_boost <= 20 && Number.isInteger(c.priority_boost));
  assert.ok(c.ring_buffer_mb >= 1 && c.ring_buffer_mb <= 1024 && (c.ring_buffer_mb & (c.ring_buffer_mb - 1)) === 0);
  assert.ok(c.filter.every((r) => r[0] === '+' || r[0] === '-'));
}

function precdText(text: string): void {
  try {
    inRange(parseConfig(text, ORIGIN));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    checkMessage(e.message, ORIGIN, true);
  }
}

const FILE = join(tempDir('prec-config-fuzz-'), 'precd.conf');

/** `bytes` as a config file read by precd (bounded read, UTF-8 check, then the parser). */
function precdFile(bytes: Uint8Array): void {
  writeFileSync(FILE, bytes);
  try {
    inRange(loadConfig(FILE).config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    checkMessage(e.message, FILE, true);
  }
}

function shipText(text: string): void {
  try {
    parseShipConfig(text, ORIGIN);
  } catch (e) {
    if (!(e instanceof ShipConfigError)) throw e;
    checkMessage(e.message, ORIGIN, false);
  }
}

test('precd: random texts and TOML-ish token soups throw nothing but ConfigError', BOUND, () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), precdText), { numRuns: RUNS });
  fc.assert(fc.property(tomlish, precdText), { numRuns: RUNS * 2 });
});

test('precd: random bytes in a file (not UTF-8, NULs, anything) throw nothing but ConfigError', BOUND, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), precdFile), { numRuns: RUNS });
});

test('precd: damaged copies of the shipped example throw nothing but ConfigError', BOUND, () => {
  for (const text of PRECD_EXAMPLES) assert.doesNotThrow(() => parseConfig(text, ORIGIN), 'the examples themselves are valid');
  fc.assert(
    fc.property(fc.constantFrom(...PRECD_EXAMPLES), fc.array(mutation, { minLength: 1, maxLength: 5 }), (text, ms) => precdFile(ms.reduce(mutate, Buffer.from(text)))),
    { numRuns: RUNS },
  );
});

test('prec-ship: random texts, token soups and damaged copies of its example throw nothing but ShipConfigError', BOUND, () => {
  for (const text of SHIP_EXAMPLES) assert.doesNotThrow(() => parseShipConfig(text, ORIGIN), 'the examples themselves are valid');
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), shipText), { numRuns: RUNS });
  fc.assert(fc.property(tomlish, shipText), { numRuns: RUNS * 2 });
  fc.assert(
    fc.property(fc.constantFrom(...SHIP_EXAMPLES), fc.array(mutation, { minLength: 1, maxLength: 5 }), (text, ms) => {
      shipText(ms.reduce(mutate, Buffer.from(text)).toString('utf8'));
    }),
    { numRuns: RUNS },
  );
});
