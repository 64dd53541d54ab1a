// prec-ship into Debian's real rsyslogd, started by this test with its own config, work dir and pid
// file: RFC 5424 over TCP with octet counting (imtcp) and over a unix datagram socket (imuxsock),
// written by omfile with a template that prints every header field apart, then read back: one message
// per record, the fields as SPEC 11 says, MSG the record's line exactly (with `@cee: ` when asked).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/clickhouse.js';
import { sleep } from '../helpers/precd.js';
import { Shipper, writeShipConfig } from '../helpers/ship.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const skip = existsSync(RSYSLOGD) ? undefined : 'needs rsyslogd (Debian package rsyslog, installed by packaging/setup.sh)';
let dir: string;
let port: number;
let rsyslog: ChildProcess;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'prec-ship-syslog-'));
  port = await freePort();
  spawnSync('mkdir', ['-p', join(dir, 'work')]);
  writeFileSync(join(dir, 'rsyslog.conf'), `
global(workDirectory="${dir}/work" maxMessageSize="64k")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
template(name="fields" type="string"
  string="%pri%|%protocol-version%|%timestamp:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
ruleset(name="tcp") { action(type="omfile" file="${dir}/tcp.out" template="fields") }
ruleset(name="unix") { action(type="omfile" file="${dir}/unix.out" template="fields") }
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="tcp")
input(type="imuxsock" socket="${dir}/log.sock" ruleset="unix" useSpecialParser="off" parseHostname="on" useSysTimeStamp="off" ignoreTimestamp="off")
`);
  await startRsyslog();
});

async function startRsyslog(): Promise<void> {
  rmSync(join(dir, 'log.sock'), { force: true });
  rsyslog = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
  for (let i = 0; i < 300 && !existsSync(join(dir, 'log.sock')); i++) await sleep(100);
  assert.ok(existsSync(join(dir, 'log.sock')), 'rsyslogd did not start');
}

async function stopRsyslog(): Promise<void> {
  if (rsyslog.exitCode !== null || rsyslog.signalCode !== null) return;
  const exited = new Promise((r) => rsyslog.once('exit', r));
  rsyslog.kill('SIGTERM');
  await exited;
}

after(async () => {
  if (skip) return;
  await stopRsyslog();
  if (!process.env.PREC_KEEP) rmSync(dir, { recursive: true, force: true });
});

function records(n: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    out.push(JSON.stringify({
      timestamp: `2026-12-07T10:00:${String(i % 60).padStart(2, '0')}.123456789+01:00`, event_id: `20261207100000-${i}`,
      uid: 33, gid: 33, euid: 33, egid: 33, user: 'www-data', group: 'www-data', pid: 100 + i, ppid: 99, comm: 'sh',
      exe: '/usr/bin/dash', cwd: '/var/www', argv: ['sh', '-c', `id; echo "é ${i}"\n`], argc: 3, cgroup: '/system.slice/nginx.service',
      source: 'system', record_type: 'start', parent_comm: 'nginx', parent_exe: '/usr/sbin/nginx', parent_cmdline: 'nginx: worker process',
    }));
  }
  out.push(JSON.stringify({ timestamp: '2026-12-07T10:01:00.5+01:00', record_type: 'loss', lost_samples: 2, lost_samples_total: 2 }));
  return out;
}

async function readBack(path: string, want: number): Promise<string[]> {
  for (let i = 0; i < 600; i++) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(0, -1) : [];
    if (lines.length >= want) return lines;
    await sleep(100);
  }
  assert.fail(`${path}: fewer than ${want} messages`);
}

test('RFC 5424 over TCP (octet counting) and a unix datagram socket (@cee:): one message per record, fields per SPEC 11', { skip }, async () => {
  const log = join(dir, 'prec.log');
  const lines = records(200);
  writeFileSync(log, `${lines.join('\n')}\n`);
  const config = writeShipConfig(join(dir, 'ship.conf'), {
    log_path: log, state_dir: join(dir, 'state'), host: 'web-7',
    sink: [
      { type: 'syslog', address: `tcp://127.0.0.1:${port}` },
      { type: 'syslog', address: `unix://${dir}/log.sock`, cee: true },
    ],
  });
  const shipper = Shipper.start(config);
  try {
    for (const [file, prefix] of [['tcp.out', ''], ['unix.out', '@cee: ']] as const) {
      const got = await readBack(join(dir, file), lines.length);
      assert.equal(got.length, lines.length, `${file}: exactly one message per record`);
      got.forEach((g, i) => {
        const [pri, version, ts, host, app, procid, msgid, sd, ...msg] = g.split('|');
        const rec = JSON.parse(lines[i]!) as { record_type: string; timestamp: string };
        assert.deepEqual([pri, version, host, app, procid, msgid, sd], ['110', '1', 'web-7', 'prec', '-', rec.record_type, '-'], g);
        assert.equal(Date.parse(ts!), Date.parse(rec.timestamp.replace(/\.(\d{3})\d*/, '.$1')), g);
        assert.equal(msg.join('|'), `${prefix}${lines[i]}`);
      });
    }
  } finally {
    await shipper.stop();
  }
});

test('rsyslogd stopped and started again: both sinks go down, come back up, and every record arrives once', { skip }, async () => {
  const log = join(dir, 'prec.log');
  const before = readFileSync(log, 'utf8').split('\n').length - 1;
  const shipper = Shipper.start(join(dir, 'ship.conf'));
  try {
    await shipper.waitForStderr(/(caught up[^]*){2}/);
    await stopRsyslog();
    const more = records(250).slice(200, 250);
    appendFileSync(log, `${more.join('\n')}\n`);
    await shipper.waitForStderr(/(down: [^]*){2}/);
    await startRsyslog();
    await shipper.waitForStderr(/(up again after \d+ s[^]*){2}/);
    const all = readFileSync(log, 'utf8').split('\n').slice(0, -1);
    assert.equal(all.length, before + 50);
    for (const [file, prefix] of [['tcp.out', ''], ['unix.out', '@cee: ']] as const) {
      const got = await readBack(join(dir, file), all.length);
      assert.deepEqual(got.map((g) => g.split('|').slice(8).join('|')), all.map((l) => `${prefix}${l}`), file);
    }
  } finally {
    await shipper.stop();
  }
});
