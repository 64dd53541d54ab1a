// prec run with the real precd: the command runs in a scope of its own, its status passes through,
// and exactly the commands run inside the scope are shown; without precd it says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Precd, marker, writeConfig } from '../helpers/precd.js';
import { PREC_BIN, tempDir } from './prec-cli-fixtures.js';
import { cgroup2Mount } from '../../src/cli/cgroup.js';

function precRun(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [PREC_BIN, 'run', ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('prec run shows the tree of what the command ran, passes its status through and removes its cgroup', async () => {
  const d = await Precd.start();
  try {
    const mark = marker();
    // A command run outside the scope meanwhile must not show.
    spawnSync('/bin/true', [`${mark}-outside`]);
    const r = precRun(['-c', d.configPath, '-f', 'comm,argv', '--', '/bin/sh', '-c', `/bin/true ${mark}-a; /bin/echo ${mark}-b >/dev/null; exit 3`]);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stderr, '');
    // Its ancestors outside the scope (prec itself) are shown marked, as for any query hit.
    const lines = r.stdout.trimEnd().split('\n').filter((l) => !l.includes('(ancestor) '));
    const rows = lines.map((l) => l.replace(/^[│├└─ ]*/, ''));
    assert.equal(rows.length, 3, r.stdout);
    assert.match(rows[0]!, /^(\(exec\) )?sh  \["\/bin\/sh","-c","\/bin\/true /);
    assert.deepEqual(rows.slice(1).sort(), [`echo  ["/bin/echo","${mark}-b"]`, `true  ["/bin/true","${mark}-a"]`].sort());
    // the children hang under the command
    assert.ok(lines[1]!.length - rows[1]!.length > lines[0]!.length - rows[0]!.length, r.stdout);
    assert.ok(!r.stdout.includes('outside'));
    // JSON rows carry the scope's cgroup, which is gone afterwards.
    const j = precRun(['-c', d.configPath, '--no-tree', '-o', 'json', '-f', 'comm,cgroup,exit_status', '--', '/bin/sh', '-c', 'kill -TERM $$']);
    assert.equal(j.status, 128 + 15, j.stderr);
    const json = j.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { comm: string; cgroup: string });
    assert.deepEqual(json.map((x) => x.comm), ['sh']);
    assert.match(json[0]!.cgroup, /^(\/.*)?\/prec-run\.\d+\.[0-9a-f]{8}$/);
    const mount = cgroup2Mount()!;
    assert.equal(existsSync(join(mount, json[0]!.cgroup)), false);
    assert.equal(readdirSync(mount).filter((n) => n.startsWith('prec-run.')).length, 0);
  } finally {
    await d.cleanup();
  }
});

test('prec run without a running precd says so and runs nothing', () => {
  const dir = tempDir();
  const conf = writeConfig({ log_path: join(dir, 'prec.log'), lock_path: join(dir, 'precd.lock') }, dir);
  const flag = join(dir, 'ran');
  const r = precRun(['-c', conf, 'touch', flag]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^prec: precd is not running \(no live precd holds .*precd\.lock\)/);
  assert.equal(existsSync(flag), false);
  const none = precRun(['-c', conf]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^prec: prec run needs a command/);
});
