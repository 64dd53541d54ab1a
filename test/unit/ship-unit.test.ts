// systemd/prec-ship.service: least privilege as SPEC 11 asks. It reads the log (root, no capability:
// the log is root's own file), writes only its state directory (ProtectSystem=strict and
// StateDirectory=prec/ship, no ReadWritePaths), may use the network, and systemd rates it hardened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/precd.js';

const UNIT = join(REPO_ROOT, 'systemd', 'prec-ship.service');
const text = readFileSync(UNIT, 'utf8');
const directives = new Map<string, string[]>();
for (const line of text.split('\n')) {
  const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
  if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
}
const one = (key: string): string | undefined => directives.get(key)?.at(-1);

test('writes only its state directory, reads the log, no capabilities, network allowed', () => {
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('StateDirectory'), 'prec/ship');
  assert.equal(directives.get('ReadWritePaths'), undefined);
  assert.equal(directives.get('LogsDirectory'), undefined, 'LogsDirectory would make /var/log/prec writable');
  assert.equal(one('CapabilityBoundingSet'), '');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('PrivateNetwork'), undefined);
  assert.deepEqual(one('RestrictAddressFamilies')?.split(' ').sort(), ['AF_INET', 'AF_INET6', 'AF_UNIX']);
  assert.equal(one('ExecStart'), '/usr/bin/prec-ship --config /etc/prec/ship.conf');
  assert.equal(one('ExecStartPre'), '/usr/bin/prec-ship --config /etc/prec/ship.conf --check-config');
});

const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0 ? undefined : 'needs systemd-analyze (Debian package systemd)';

test('systemd-analyze security rates the unit OK or better', { skip: analyze }, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT], { encoding: 'utf8' });
  const m = /Overall exposure level for prec-ship\.service: ([\d.]+) (\w+)/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  assert.ok(['SAFE', 'OK'].includes(m[2]!), `exposure ${m[1]} ${m[2]}`);
});
