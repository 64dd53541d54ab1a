import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTree } from '../../src/cli/tree.js';
import type { RowBag } from '../../src/rows/index.js';

function ts(sec: number): string {
  const d = new Date(Date.UTC(2026, 10, 22, 0, 0, 0) + sec * 1000);
  return d.toISOString().replace('.000Z', '.000000000+00:00');
}
function cmd(name: string, pid: number, ppid: number, startSec: number, endSec?: number): RowBag {
  const r: RowBag = { record_type: 'command', comm: name, pid, ppid, timestamp: ts(startSec), source: 'system' };
  if (endSec !== undefined) r.end_timestamp = ts(endSec);
  return r;
}
const all = (): boolean => true;
function show(lines: ReturnType<typeof buildTree>): string[] {
  return lines.map((l) => `${l.prefix}${l.exec ? '(x) ' : ''}${l.ancestor ? '(a) ' : ''}${String(l.row.comm)}`);
}

test('children are drawn under their parent in time order with box characters', () => {
  const rows = [
    cmd('nginx', 10, 1, 0),
    cmd('sh', 20, 10, 1, 2),
    cmd('id', 21, 20, 1.5, 1.6),
    cmd('uname', 22, 20, 1.7, 1.8),
    cmd('sh2', 30, 10, 3),
    cmd('other', 40, 1, 4),
  ];
  assert.deepEqual(show(buildTree(rows, all)), ['nginx', '├─ sh', '│  ├─ id', '│  └─ uname', '└─ sh2', 'other']);
});

test('a reused pid links to the command that was running, not an older one', () => {
  const rows = [
    cmd('old', 50, 1, 0, 1), // pid 50, ended at 1
    cmd('childOfOld', 51, 50, 0.5, 0.6),
    cmd('new', 50, 1, 5), // pid 50 reused
    cmd('childOfNew', 52, 50, 6),
    cmd('orphan', 53, 50, 2), // started while no command with pid 50 ran... (old ended at 1, new starts at 5)
  ];
  const lines = buildTree(rows, all);
  const parentOf = (name: string): string | undefined => {
    const i = lines.findIndex((l) => l.row.comm === name);
    for (let j = i - 1; j >= 0; j--) if (lines[j]!.depth === lines[i]!.depth - 1) return String(lines[j]!.row.comm);
    return undefined;
  };
  assert.equal(parentOf('childOfOld'), 'old');
  assert.equal(parentOf('childOfNew'), 'new');
  assert.equal(lines.find((l) => l.row.comm === 'orphan')!.depth, 0);
});

test('rows whose parent is not in the log are roots; fail rows never adopt children', () => {
  const rows: RowBag[] = [
    cmd('a', 100, 99, 0),
    { record_type: 'fail', comm: 'f', pid: 200, ppid: 100, timestamp: ts(1) },
    cmd('b', 201, 200, 2),
    { record_type: 'loss', timestamp: ts(3), lost_samples: 1 },
  ];
  assert.deepEqual(show(buildTree(rows, all)), ['a', '└─ f', 'b', 'undefined']);
});

test('a selected row is shown with its ancestors, marked, and nothing else', () => {
  const rows = [
    cmd('sshd', 1, 0, 0),
    cmd('nginx', 10, 1, 1),
    cmd('sh', 20, 10, 2),
    cmd('id', 21, 20, 3),
    cmd('worker', 11, 10, 4),
    cmd('cron', 12, 1, 5),
  ];
  const lines = buildTree(rows, (r) => r.comm === 'id');
  assert.deepEqual(show(lines), ['(a) sshd', '└─ (a) nginx', '   └─ (a) sh', '      └─ id']);
});

test('a 1,000-level chain is printed without overflowing the stack', () => {
  const rows: RowBag[] = [];
  for (let i = 0; i < 1000; i++) rows.push(cmd(`p${i}`, 1000 + i, 999 + i, i));
  const lines = buildTree(rows, (r) => r.comm === 'p999');
  assert.equal(lines.length, 1000);
  assert.equal(lines[999]!.depth, 999);
  assert.equal(lines[999]!.prefix, '   '.repeat(998) + '└─ ');
  assert.equal(lines[999]!.ancestor, false);
  assert.equal(lines[0]!.ancestor, true);
});

test('with a limit only the last N selected rows (and their ancestors) are shown', () => {
  const rows = [cmd('a', 1, 0, 0), cmd('b', 2, 1, 1), cmd('c', 3, 1, 2), cmd('d', 4, 1, 3)];
  assert.deepEqual(show(buildTree(rows, (r) => r.comm !== 'a', 2)), ['(a) a', '├─ c', '└─ d']);
});

/** A command that ended by exec'ing another program (its end has exec_replaced). */
function execd(name: string, pid: number, ppid: number, startSec: number, endSec: number): RowBag {
  return { ...cmd(name, pid, ppid, startSec, endSec), exec_replaced: true };
}

test("an exec chain of 3 (sh -c 'exec sh -c \"exec id\"') is drawn as a chain under the replaced programs", () => {
  const rows = [
    cmd('nginx', 10, 1, 0),
    execd('sh', 20, 10, 1, 2),
    execd('sh2', 20, 10, 2, 3),
    cmd('id', 20, 10, 3, 4),
    cmd('worker', 11, 10, 5),
  ];
  const lines = buildTree(rows, all);
  assert.deepEqual(show(lines), ['nginx', '├─ sh', '│  └─ (x) sh2', '│     └─ (x) id', '└─ worker']);
  assert.deepEqual(lines.map((l) => l.depth), [0, 1, 2, 3, 1]);
});

test('children started after an exec hang under the new program, those before it under the old one', () => {
  const rows = [
    execd('sh', 20, 1, 0, 3), // sh -c 'uname; exec env sh -c "id"'
    cmd('uname', 21, 20, 1, 2),
    execd('env', 20, 1, 3, 4),
    cmd('sh2', 20, 1, 4), // env exec'd sh, which forks id
    cmd('id', 22, 20, 5, 6),
  ];
  assert.deepEqual(show(buildTree(rows, all)), ['sh', '├─ uname', '└─ (x) env', '   └─ (x) sh2', '      └─ id']);
});

test('a reused pid after a normal end is not an exec; a selected exec hit shows the replaced programs as ancestors', () => {
  const rows = [cmd('old', 30, 1, 0, 1), cmd('new', 30, 1, 2), execd('a', 40, 1, 3, 4), cmd('b', 40, 1, 4)];
  assert.deepEqual(show(buildTree(rows, all)), ['old', 'new', 'a', '└─ (x) b']);
  assert.deepEqual(show(buildTree(rows, (r) => r.comm === 'b')), ['(a) a', '└─ (x) b']);
});

test('roots (and children) are printed in time order, whatever order the files were read in', () => {
  // The newer file was read first: its rows come before the older file's in log order.
  const newer = [cmd('cron', 50, 1, 100), cmd('job', 51, 50, 101, 102), cmd('late', 52, 1, 103)];
  const older = [cmd('sshd', 60, 1, 10), cmd('bash', 61, 60, 11), cmd('early', 62, 1, 12)];
  assert.deepEqual(show(buildTree([...newer, ...older], all)), ['sshd', '└─ bash', 'early', 'cron', '└─ job', 'late']);
  // Rows without a timestamp keep their place after the row before them.
  const loss: RowBag = { record_type: 'loss', comm: 'loss', lost_samples: 1 };
  assert.deepEqual(show(buildTree([...newer, loss, ...older], all)), ['sshd', '└─ bash', 'early', 'cron', '└─ job', 'late', 'loss']);
});
