// boostPriority (priority_boost, SPEC 6): on Linux a nice value belongs to one thread, so every
// thread already running is lowered (a worker thread started before the boost included) and a
// thread started after it inherits the value; without the right to do it, one line says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { skipUnlessNobodyCanRead } from '../helpers/nobody.js';

const MODULE = new URL('../../src/daemon/priority.js', import.meta.url).href;
const BASE = getPriority(0);

// A node process with a worker thread started before the boost and one after; prints the boost's
// problem (or null) and the nice value of every thread (field 19 of /proc/self/task/TID/stat).
const SCRIPT = `
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync } from 'node:fs';
const { boostPriority } = await import(${JSON.stringify(MODULE)});
const start = () => new Promise((r) => { const w = new Worker('setInterval(() => {}, 1000)', { eval: true }); w.on('online', () => r(w)); });
await start();
const problem = boostPriority(Number(process.argv[1]));
await start();
const nices = readdirSync('/proc/self/task').map((t) => {
  const s = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
});
process.stdout.write(JSON.stringify({ problem: problem ?? null, nices }));
process.exit(0);
`;

function runBoost(boost: number, asNobody = false): { problem: string | null; nices: number[] } {
  const node = [process.execPath, '--input-type=module', '-e', SCRIPT, String(boost)];
  const r = asNobody ? spawnSync('runuser', ['-u', 'nobody', '--', ...node], { encoding: 'utf8' }) : spawnSync(node[0]!, node.slice(1), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { problem: string | null; nices: number[] };
}

test('every thread, those started before the boost and after it, runs at the boosted nice value', () => {
  const { problem, nices } = runBoost(4);
  assert.equal(problem, null);
  assert.ok(nices.length >= 4, `threads: ${nices.length}`); // main, V8's, and the two workers at least
  assert.deepEqual(nices, nices.map(() => Math.max(-20, BASE - 4)));
});

test('a boost of 0 changes nothing; a boost past -20 stops there', () => {
  const none = runBoost(0);
  assert.deepEqual(none, { problem: null, nices: none.nices.map(() => BASE) });
  const most = runBoost(20);
  assert.deepEqual(most.nices, most.nices.map(() => -20));
});

test('without the right to raise its priority, one line says so and the process runs on unchanged', { skip: skipUnlessNobodyCanRead(fileURLToPath(MODULE)) }, () => {
  const { problem, nices } = runBoost(4, true);
  assert.equal(problem, `cannot raise its priority (priority_boost = 4, nice ${BASE} -> ${BASE - 4}): permission denied (EACCES); running at nice ${BASE}`);
  assert.deepEqual(nices, nices.map(() => BASE));
});
