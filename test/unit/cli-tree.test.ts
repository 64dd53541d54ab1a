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
  return lines.map((l) => `${l.prefix}${l.ancestor ? '(a) ' : ''}${String(l.row.comm)}`);
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
