// prec-ship's config (SPEC 11): the keys shown there and no others; every problem one line naming the
// file and the key; the example file installed as /etc/prec/ship.conf is valid; a file group or
// others can read is pointed out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkMode, parseShipConfig, ShipConfigError, sinkLabel } from '../../src/ship/config.js';
import { REPO_ROOT } from '../helpers/precd.js';
import { tempDir } from './log-fixtures.js';

const ORIGIN = '/etc/prec/ship.conf';
const CH = '[[sink]]\ntype = "clickhouse"\nurl = "http://127.0.0.1:8123"\n';

function errorOf(text: string): ShipConfigError {
  try {
    parseShipConfig(text, ORIGIN);
  } catch (e) {
    assert.ok(e instanceof ShipConfigError, String(e));
    assert.equal(e.message.split('\n').length, 1, e.message);
    assert.ok(e.message.startsWith(`config ${ORIGIN}: `), e.message);
    return e;
  }
  assert.fail(`accepted: ${text}`);
}

test('the SPEC example, and the defaults of what it leaves out', () => {
  const c = parseShipConfig(`log_path = "/var/log/prec/prec.log"
state_dir = "/var/lib/prec/ship"
host = "web-1"
[[sink]]
type = "clickhouse"
url = "http://user:secret@127.0.0.1:8123"
table = "default.prec"
batch_records = 10000
batch_interval_ms = 1000
[[sink]]
type = "syslog"
address = "tcp://127.0.0.1:6514"
cee = false
`, ORIGIN);
  assert.equal(c.host, 'web-1');
  assert.deepEqual(c.sink.map(sinkLabel), ['clickhouse http://127.0.0.1:8123 default.prec', 'syslog tcp://127.0.0.1:6514']);
  const d = parseShipConfig(CH, ORIGIN);
  assert.deepEqual(d, {
    log_path: '/var/log/prec/prec.log', state_dir: '/var/lib/prec/ship', host: hostname(),
    sink: [{ type: 'clickhouse', url: 'http://127.0.0.1:8123', table: 'default.prec', batch_records: 10000, batch_interval_ms: 1000 }],
  });
  assert.equal(parseShipConfig('[[sink]]\ntype = "syslog"\naddress = "unix:///dev/log"\ncee = true\n', ORIGIN).sink[0]!.type, 'syslog');
});

test('packaging/ship.conf.example is a valid config', () => {
  const c = parseShipConfig(readFileSync(join(REPO_ROOT, 'packaging', 'ship.conf.example'), 'utf8'), 'ship.conf.example');
  assert.equal(c.sink.length, 1);
});

test('unknown keys and bad values are errors naming the key', () => {
  const cases: [string, string, RegExp][] = [
    [`lgo_path = "/x"\n${CH}`, 'lgo_path', /unknown key "lgo_path" \(did you mean "log_path"\?\)/],
    [`${CH}tabel = "t"\n`, 'sink[0].tabel', /unknown key "sink\[0\]\.tabel" \(did you mean "table"\?\)/],
    [`${CH}cee = true\n`, 'sink[0].cee', /unknown key "sink\[0\]\.cee"/],
    ['[[sink]]\ntype = "syslog"\naddress = "udp://x:1"\n', 'sink[0].address', /is not tcp:\/\/HOST:PORT or unix:\/\/\/PATH/],
    ['[[sink]]\ntype = "syslog"\naddress = "tcp://x:1"\nbatch_records = 5\n', 'sink[0].batch_records', /unknown key/],
    ['[[sink]]\ntype = "kafka"\n', 'sink[0].type', /"kafka" is not one of "clickhouse", "syslog"/],
    ['[[sink]]\ntype = "clickhouse"\nurl = "ftp://x"\n', 'sink[0].url', /expected http:\/\/ or https:\/\//],
    ['[[sink]]\ntype = "clickhouse"\n', 'sink[0].url', /missing/],
    [`${CH}table = "a.b.c"\n`, 'sink[0].table', /expected NAME or DATABASE\.NAME/],
    [`${CH}table = "x; DROP TABLE y"\n`, 'sink[0].table', /expected NAME or DATABASE\.NAME/],
    [`${CH}batch_records = 0\n`, 'sink[0].batch_records', /0 is out of range \(1\.\.1000000\)/],
    [`${CH}batch_interval_ms = 1.5\n`, 'sink[0].batch_interval_ms', /expected an integer, got a float/],
    [`state_dir = "relative"\n${CH}`, 'state_dir', /is not an absolute file path/],
    [`host = "two words"\n${CH}`, 'host', /is not a host name/],
    ['log_path = "/x"\n', 'sink', /at least one \[\[sink\]\] is needed/],
    ['sink = 3\n', 'sink', /expected an array of tables/],
  ];
  for (const [text, key, re] of cases) {
    const e = errorOf(text);
    assert.equal(e.key, key, text);
    assert.match(e.message, re);
  }
  assert.match(errorOf('x = ').message, /TOML syntax error at line 1/);
});

test('a config group or others can read is pointed out (it may hold a password); 0600 is not', () => {
  const dir = tempDir();
  const path = join(dir, 'ship.conf');
  writeFileSync(path, CH);
  chmodSync(path, 0o644);
  assert.equal(checkMode(path), `config ${path}: mode 0644 lets group or others read it (it may hold credentials); chmod 600 it`);
  chmodSync(path, 0o600);
  assert.equal(checkMode(path), undefined);
});
