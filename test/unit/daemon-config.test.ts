import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, loadConfig, ConfigError, DEFAULT_CONFIG, CONFIG_KEYS, EMBEDDED_ORIGIN } from '../../src/daemon/config.js';
import { END_ONLY_FIELDS } from '../../src/schema/index.js';

const ORIGIN = '/etc/prec/precd.conf';

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, ORIGIN);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    // one line, except that a rule error adds the rule and a caret line under it
    const lines = e.message.split('\n');
    assert.equal(lines.length, e.key?.startsWith('filter[') && lines[0]!.includes(' at column ') ? 3 : 1, `message lines: ${e.message}`);
    assert.ok(e.message.startsWith(`config ${ORIGIN}: `), e.message);
    return e;
  }
  assert.fail(`config was accepted: ${text}`);
}

test('an empty file gives exactly the embedded defaults of SPEC section 6', () => {
  const c = parseConfig('', ORIGIN);
  assert.deepEqual({ ...c }, {
    log_path: '/var/log/prec/prec.log',
    compress: 'zstd',
    compress_level: 3,
    flush_interval_ms: 200,
    user_only: false,
    lost_samples_action: 'log',
    filter_default: 'allow',
    filter: [],
    max_args: 128,
    max_arg_length: 1024,
    ring_buffer_mb: 16,
    lock_path: '/run/precd.lock',
    metrics_path: '/var/lib/prometheus/node-exporter/prec.prom',
    metrics_interval_s: 15,
    seal_interval_s: 60,
    seal_key_path: '/var/lib/prec/seal.key',
    priority_boost: 4,
  });
  assert.deepEqual({ ...c }, { ...DEFAULT_CONFIG });
  assert.deepEqual([...CONFIG_KEYS].sort(), Object.keys(DEFAULT_CONFIG).sort());
});

test('every key set to a valid non-default value is taken as given', () => {
  const c = parseConfig(
    [
      'log_path = "/srv/log/x.log"',
      'compress = "gz"',
      'compress_level = 9',
      'flush_interval_ms = 5000',
      'user_only = true',
      'lost_samples_action = "stop"',
      'filter_default = "deny"',
      'filter = ["+user=root", "-comm=cron && uid=0", "+command~=\\"a b\\""]',
      'max_args = 7',
      'max_arg_length = 99',
      'ring_buffer_mb = 1024',
      'lock_path = "/tmp/x/precd.lock"',
      'metrics_path = "/srv/metrics/prec.prom"',
      'metrics_interval_s = 3600',
      'seal_interval_s = 3600',
      'seal_key_path = "/tmp/x/seal.key"',
      'priority_boost = 20',
    ].join('\n'),
    ORIGIN,
  );
  assert.deepEqual({ ...c, filter: [...c.filter] }, {
    log_path: '/srv/log/x.log',
    compress: 'gz',
    compress_level: 9,
    flush_interval_ms: 5000,
    user_only: true,
    lost_samples_action: 'stop',
    filter_default: 'deny',
    filter: ['+user=root', '-comm=cron && uid=0', '+command~="a b"'],
    max_args: 7,
    max_arg_length: 99,
    ring_buffer_mb: 1024,
    lock_path: '/tmp/x/precd.lock',
    metrics_path: '/srv/metrics/prec.prom',
    metrics_interval_s: 3600,
    seal_interval_s: 3600,
    seal_key_path: '/tmp/x/seal.key',
    priority_boost: 20,
  });
});

test('compress_level defaults to the level of the chosen format and is ignored for "no"', () => {
  assert.equal(parseConfig('compress = "gz"', ORIGIN).compress_level, 6);
  assert.equal(parseConfig('compress = "zstd"', ORIGIN).compress_level, 3);
  assert.equal(parseConfig('compress = "no"', ORIGIN).compress_level, 0);
  assert.equal(parseConfig('compress = "no"\ncompress_level = 40', ORIGIN).compress_level, 0);
  assert.equal(parseConfig('compress_level = 19', ORIGIN).compress_level, 19);
  assert.equal(parseConfig('compress_level = 1', ORIGIN).compress_level, 1);
  assert.equal(parseConfig('compress = "gz"\ncompress_level = 1', ORIGIN).compress_level, 1);
});

test('range boundaries are inclusive', () => {
  assert.equal(parseConfig('flush_interval_ms = 10', ORIGIN).flush_interval_ms, 10);
  assert.equal(parseConfig('flush_interval_ms = 5000', ORIGIN).flush_interval_ms, 5000);
  for (const mb of [1, 2, 64, 1024]) assert.equal(parseConfig(`ring_buffer_mb = ${mb}`, ORIGIN).ring_buffer_mb, mb);
  assert.equal(parseConfig('max_args = 1\nmax_arg_length = 1', ORIGIN).max_args, 1);
  assert.equal(parseConfig('metrics_interval_s = 1', ORIGIN).metrics_interval_s, 1);
  assert.equal(parseConfig('metrics_interval_s = 3600', ORIGIN).metrics_interval_s, 3600);
  assert.equal(parseConfig('priority_boost = 0', ORIGIN).priority_boost, 0);
  assert.equal(parseConfig('priority_boost = 20', ORIGIN).priority_boost, 20);
});

test('metrics_path = "" turns the metrics file off', () => {
  assert.equal(parseConfig('metrics_path = ""', ORIGIN).metrics_path, '');
});

// Each invalid config and the exact message precd prints for it.
const INVALID: Array<[string, string, string]> = [
  ['unknown key, with the nearest suggested', 'flush_intervall_ms = 100',
    'unknown key "flush_intervall_ms" (did you mean "flush_interval_ms"?); known keys: ' + Object.keys(DEFAULT_CONFIG).join(', ')],
  ['unknown table', '[output]\nx = 1', 'unknown key "output"; known keys: ' + Object.keys(DEFAULT_CONFIG).join(', ')],
  ['old include_* key', 'include_users = ["root"]',
    'include_users: the include_*/exclude_* keys of the original prec are not supported; write ordered filter rules instead, e.g. filter = ["-user=nginx", "+uid>=1000"]'],
  ['old exclude_* key', 'exclude_commands = ["cron"]',
    'exclude_commands: the include_*/exclude_* keys of the original prec are not supported; write ordered filter rules instead, e.g. filter = ["-user=nginx", "+uid>=1000"]'],
  ['TOML syntax error with line and column', 'compress = "zstd"\nmax_args = = 3', 'TOML syntax error at line 2, column 12: invalid value'],
  ['duplicate key', 'max_args = 3\nmax_args = 4', 'TOML syntax error at line 2, column 1: trying to redefine an already defined table or value'],
  ['log_path of the wrong type', 'log_path = 5', 'log_path: expected a path (string), got an integer'],
  ['relative log_path', 'log_path = "prec.log"', 'log_path: "prec.log" is not an absolute file path'],
  ['seal_interval_s 0', 'seal_interval_s = 0', 'seal_interval_s: 0 is out of range (1..3600)'],
  ['seal_interval_s over an hour', 'seal_interval_s = 3601', 'seal_interval_s: 3601 is out of range (1..3600)'],
  ['seal_key_path relative', 'seal_key_path = "seal.key"', 'seal_key_path: "seal.key" is not an absolute file path'],
  ['lock_path a directory name', 'lock_path = "/run/"', 'lock_path: "/run/" is not an absolute file path'],
  ['unknown compress', 'compress = "lz4"', 'compress: "lz4" is not one of "no", "gz", "zstd"'],
  ['compress not a string', 'compress = true', 'compress: expected one of "no", "gz", "zstd", got a boolean (true)'],
  ['zstd level too high', 'compress_level = 20', 'compress_level: 20 is out of range for compress = "zstd" (1..19)'],
  ['zstd level zero', 'compress_level = 0', 'compress_level: 0 is out of range for compress = "zstd" (1..19)'],
  ['gz level too high', 'compress = "gz"\ncompress_level = 12', 'compress_level: 12 is out of range for compress = "gz" (1..9)'],
  ['level as a string', 'compress_level = "3"', 'compress_level: expected an integer, got a string ("3")'],
  ['flush interval too short', 'flush_interval_ms = 9', 'flush_interval_ms: 9 is out of range (10..5000)'],
  ['flush interval too long', 'flush_interval_ms = 5001', 'flush_interval_ms: 5001 is out of range (10..5000)'],
  ['flush interval a float', 'flush_interval_ms = 200.0', 'flush_interval_ms: expected an integer, got a float'],
  ['user_only a string', 'user_only = "yes"', 'user_only: expected true or false, got a string ("yes")'],
  ['bad lost_samples_action', 'lost_samples_action = "drop"', 'lost_samples_action: "drop" is not one of "log", "ignore", "stop"'],
  ['bad filter_default', 'filter_default = "keep"', 'filter_default: "keep" is not one of "allow", "deny"'],
  ['max_args zero', 'max_args = 0', 'max_args: 0 is out of range (a positive integer)'],
  ['max_arg_length negative', 'max_arg_length = -5', 'max_arg_length: -5 is out of range (a positive integer)'],
  ['ring buffer not a power of two', 'ring_buffer_mb = 24', 'ring_buffer_mb: 24 is not a power of two (1, 2, 4, ... 1024)'],
  ['ring buffer too large', 'ring_buffer_mb = 2048', 'ring_buffer_mb: 2048 is out of range (1..1024)'],
  ['ring buffer zero', 'ring_buffer_mb = 0', 'ring_buffer_mb: 0 is out of range (1..1024)'],
  ['relative metrics_path', 'metrics_path = "prec.prom"', 'metrics_path: "prec.prom" is not an absolute file path (or "" for no metrics file)'],
  ['metrics_path a directory name', 'metrics_path = "/var/lib/prometheus/node-exporter/"',
    'metrics_path: "/var/lib/prometheus/node-exporter/" is not an absolute file path (or "" for no metrics file)'],
  ['metrics_path false', 'metrics_path = false', 'metrics_path: expected a path (string), got a boolean (false)'],
  ['metrics interval zero', 'metrics_interval_s = 0', 'metrics_interval_s: 0 is out of range (1..3600)'],
  ['metrics interval too long', 'metrics_interval_s = 3601', 'metrics_interval_s: 3601 is out of range (1..3600)'],
  ['metrics interval a float', 'metrics_interval_s = 1.5', 'metrics_interval_s: expected an integer, got a float'],
  ['priority_boost negative', 'priority_boost = -1', 'priority_boost: -1 is out of range (0..20)'],
  ['priority_boost over 20', 'priority_boost = 21', 'priority_boost: 21 is out of range (0..20)'],
  ['priority_boost a float', 'priority_boost = 4.0', 'priority_boost: expected an integer, got a float'],
  ['priority_boost a string', 'priority_boost = "high"', 'priority_boost: expected an integer, got a string ("high")'],
  ['priority_boost misspelt', 'priority_bost = 4',
    'unknown key "priority_bost" (did you mean "priority_boost"?); known keys: ' + Object.keys(DEFAULT_CONFIG).join(', ')],
  ['filter not an array', 'filter = "+user=root"', 'filter: expected an array of rule strings, got a string ("+user=root")'],
  ['filter rule not a string', 'filter = ["+user=root", 3]', 'filter[1]: expected a rule string ("+QUERY" or "-QUERY"), got an integer'],
  ['rule without a sign', 'filter = ["+uid=0", "user=root"]', 'filter[1] ("user=root"): a rule must start with "+" (keep) or "-" (drop) at column 1\n  user=root\n  ^'],
  ['rule naming an unknown field', 'filter = ["-comm=cron", "+uid=0", "+usr=root"]',
    'filter[2] ("+usr=root"): unknown field "usr" (did you mean "user"?) at column 2\n  +usr=root\n   ^'],
  ['rule with a non-numeric value for a number field', 'filter = ["+uid>abc"]', 'filter[0] ("+uid>abc"): "abc" is not a number (field uid) at column 6\n  +uid>abc\n       ^'],
  ['empty rule', 'filter = ["+"]', 'filter[0] ("+"): empty query: expected a condition such as user=root at column 2\n  +\n   ^'],
  ['rule on exit_status (end-only)', 'filter = ["-exit_status!=0"]',
    `filter[0] ("-exit_status!=0"): "exit_status" is an end-only field, unknown when the start record is written; filters apply to start and fail records (end-only: ${END_ONLY_FIELDS.join(', ')}) at column 2\n  -exit_status!=0\n   ^`],
  ['rule on duration inside a group', 'filter = ["+user=root && (duration>0000-00-00 00:00:01)"]',
    `filter[0] ("+user=root && (duration>0000-00-00 00:00:01)"): "duration" is an end-only field, unknown when the start record is written; filters apply to start and fail records (end-only: ${END_ONLY_FIELDS.join(', ')}) at column 16\n  +user=root && (duration>0000-00-00 00:00:01)\n                 ^`],
];

for (const [what, text, message] of INVALID) {
  test(`invalid config refused with a message naming the key: ${what}`, () => {
    assert.equal(errorOf(text).message, `config ${ORIGIN}: ${message}`);
  });
}

test('a rule error shows the rule with control characters escaped and a caret under the column', () => {
  const e = errorOf('filter = ["+comm=a\\u0001 && usr=1"]');
  assert.equal(
    e.message,
    `config ${ORIGIN}: filter[0] ("+comm=a\\u0001 && usr=1"): unknown field "usr" (did you mean "user"?) at column 13\n` +
      '  +comm=a\\x01 && usr=1\n' +
      '                 ^',
  );
  assert.equal(e.key, 'filter[0]');
});

test('every end-only field of the catalogue is refused in a filter rule', () => {
  const samples: Record<string, string> = {
    end_timestamp: 'end_timestamp>2026-01-01T00:00:00Z',
    duration_ns: 'duration_ns>5',
    duration: 'duration>0000-00-00 00:00:01',
    exit_status: 'exit_status=1',
    signal: 'signal=SIGKILL',
    exec_replaced: 'exec_replaced=true',
  };
  for (const f of END_ONLY_FIELDS) {
    const q = samples[f];
    assert.ok(q, `a sample rule for end-only field ${f}`);
    const e = errorOf(`filter = ["+uid=0", "-${q}"]`);
    assert.match(e.message, new RegExp(`filter\\[1\\] .*"${f}" is an end-only field`));
    assert.equal(e.key, 'filter[1]');
  }
});

test('the error carries the offending key', () => {
  assert.equal(errorOf('flush_interval_ms = 1').key, 'flush_interval_ms');
  assert.equal(errorOf('filter = ["x"]').key, 'filter[0]');
  assert.equal(errorOf('nope = 1').key, 'nope');
});

test('loadConfig: no path and no default file runs on the embedded defaults and says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  try {
    const r = loadConfig(undefined, join(dir, 'absent.conf'));
    assert.equal(r.usedDefaults, true);
    assert.equal(r.origin, EMBEDDED_ORIGIN);
    assert.deepEqual({ ...r.config }, { ...DEFAULT_CONFIG });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadConfig: no path reads the default file when it exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  try {
    const path = join(dir, 'precd.conf');
    writeFileSync(path, 'compress = "gz"\n');
    const r = loadConfig(undefined, path);
    assert.equal(r.usedDefaults, false);
    assert.equal(r.origin, path);
    assert.equal(r.config.compress, 'gz');
    assert.equal(r.config.compress_level, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadConfig: an explicit path must exist, and errors name it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  try {
    const missing = join(dir, 'missing.conf');
    assert.throws(() => loadConfig(missing), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `config ${missing}: cannot read it: no such file or directory (ENOENT)`);
      return true;
    });
    mkdirSync(join(dir, 'd'));
    assert.throws(() => loadConfig(join(dir, 'd')), /^ConfigError: config .*\/d: cannot read it: .*\(EISDIR\)$/);
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, 'ring_buffer_mb = 3\n');
    assert.throws(() => loadConfig(bad), { message: `config ${bad}: ring_buffer_mb: 3 is not a power of two (1, 2, 4, ... 1024)` });
    const good = join(dir, 'good.conf');
    writeFileSync(good, `log_path = "${dir}/l/prec.log"\n`);
    assert.equal(loadConfig(good).config.log_path, `${dir}/l/prec.log`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped example config is valid as is and with every setting uncommented, and shows the defaults', () => {
  const example = readFileSync(new URL('../../../packaging/precd.conf.example', import.meta.url), 'utf8');
  assert.deepEqual({ ...parseConfig(example, 'precd.conf.example') }, { ...DEFAULT_CONFIG });
  // Uncomment `#key = value` lines and the lines of a commented multi-line array.
  let inArray = false;
  const uncommented = example
    .split('\n')
    .map((line) => {
      if (inArray) {
        if (line === '#]') inArray = false;
        return line.slice(1);
      }
      if (/^#\w+ = \[$/.test(line)) {
        inArray = true;
        return line.slice(1);
      }
      return /^#\w+ = /.test(line) ? line.slice(1) : line;
    })
    .join('\n');
  const c = parseConfig(uncommented, 'precd.conf.example');
  const shown = Object.keys(DEFAULT_CONFIG).filter((k) => new RegExp(`^${k} = `, 'm').test(uncommented));
  assert.deepEqual(shown.sort(), Object.keys(DEFAULT_CONFIG).sort(), 'every key is shown');
  assert.deepEqual({ ...c, filter: [] }, { ...DEFAULT_CONFIG, filter: [] }, 'each shown value is the default');
  assert.ok(c.filter.length > 0, 'the example filter rules are valid rules');
});
