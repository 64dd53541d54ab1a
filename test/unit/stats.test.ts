// prec stats' counting: totals, top lists, losses, hosts, the hour/day histogram and the bar chart.
process.env.TZ = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChart, StatsCounter, TimeBuckets } from '../../src/stats/index.js';
import { statsText, parseTop } from '../../src/cli/stats.js';

const cmd = (ts: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  record_type: 'command', timestamp: ts, user: 'alice', exe: '/usr/bin/id', comm: 'id', parent_exe: '/usr/bin/bash', exit_status: 0, ...over,
});

test('totals, top lists (most first, ties by value) and the range', () => {
  const c = new StatsCounter();
  c.add(cmd('2026-12-01T10:00:00Z'));
  c.add(cmd('2026-12-01T10:05:00Z', { user: 'bob', exit_status: 2 }));
  c.add(cmd('2026-12-01T09:59:59.5Z', { user: 'bob', exe: '/tmp/x', comm: 'x', exit_status: 2 }));
  c.add(cmd('2026-12-01T10:10:00Z', { exit_status: 127 }));
  c.add({ record_type: 'command', timestamp: '2026-12-01T10:11:00Z', user: 'carol' }); // still running
  c.add({ record_type: 'fail', timestamp: '2026-12-01T10:12:00Z', user: 'alice', exe: '/nope', comm: 'sh' });
  c.add({ record_type: 'loss', timestamp: '2026-12-01T10:13:00Z', lost_samples: 4 });
  c.addLoss({ record_type: 'loss', timestamp: '2026-12-01T10:14:00Z', lost_samples: 3 });
  c.addLoss({ record_type: 'fail', lost_samples: 100 });
  const s = c.summary(2, 'here');
  assert.deepEqual(s.totals, { commands: 5, failures: 1, nonzero_exits: 3, losses: 7, users: 3, hosts: 1 });
  assert.deepEqual(s.hosts_seen, ['here']);
  assert.equal(s.first, '2026-12-01T09:59:59.5Z');
  assert.equal(s.last, '2026-12-01T10:13:00Z');
  assert.deepEqual(s.top.user, [{ value: 'alice', count: 3 }, { value: 'bob', count: 2 }]);
  assert.deepEqual(s.top.exe, [{ value: '/usr/bin/id', count: 3 }, { value: '/nope', count: 1 }]);
  assert.deepEqual(s.top.exit_status, [{ value: '2', count: 2 }, { value: '127', count: 1 }]);
  assert.deepEqual(s.histogram, {
    unit: 'hour',
    buckets: [{ start: '2026-12-01 09:00', commands: 1, failures: 0 }, { start: '2026-12-01 10:00', commands: 4, failures: 1 }],
  });
});

test('hosts come from the rows when they carry one; nothing selected is all zero', () => {
  const c = new StatsCounter();
  c.add(cmd('2026-12-01T10:00:00Z', { host: 'web-2' }));
  c.add(cmd('2026-12-01T10:00:00Z', { host: 'web-1' }));
  assert.deepEqual([c.summary(10, 'here').totals.hosts, c.summary(10, 'here').hosts_seen], [2, ['web-1', 'web-2']]);
  const empty = new StatsCounter().summary(10, 'here');
  assert.deepEqual(empty.totals, { commands: 0, failures: 0, nonzero_exits: 0, losses: 0, users: 0, hosts: 0 });
  assert.deepEqual(empty.histogram, { unit: 'hour', buckets: [] });
  assert.equal(statsText(empty).split('\n')[0], 'Range           no rows selected');
});

test('over more than 72 hours the histogram counts per day, empty buckets included', () => {
  const b = new TimeBuckets();
  const t = (iso: string): number => Date.parse(iso) / 1000;
  b.add(t('2026-12-01T23:59:00Z'), false);
  b.add(t('2026-12-02T00:00:00Z'), true);
  b.add(t('2026-12-05T12:00:00Z'), false);
  const h = b.histogram();
  assert.equal(h.unit, 'day');
  assert.deepEqual(h.buckets.map((x) => [x.start, x.commands, x.failures]), [
    ['2026-12-01', 1, 0], ['2026-12-02', 0, 1], ['2026-12-03', 0, 0], ['2026-12-04', 0, 0], ['2026-12-05', 1, 0],
  ]);
  const hourly = new TimeBuckets();
  hourly.add(t('2026-12-01T10:30:00Z'), false);
  hourly.add(t('2026-12-01T12:30:00Z'), false);
  assert.deepEqual(hourly.histogram().buckets.map((x) => x.start), ['2026-12-01 10:00', '2026-12-01 11:00', '2026-12-01 12:00']);
});

test('the bar chart scales to the busiest bucket and always shows a non-zero count', () => {
  const lines = barChart({ unit: 'hour', buckets: [
    { start: 'a', commands: 100, failures: 0 }, { start: 'b', commands: 50, failures: 2 }, { start: 'c', commands: 1, failures: 0 }, { start: 'd', commands: 0, failures: 0 },
  ] }, 10);
  assert.deepEqual(lines, ['a  100 ██████████', 'b   50 █████  (2 failed)', 'c    1 ▏', 'd    0 ']);
});

test('text output escapes control characters of logged values', () => {
  const c = new StatsCounter();
  c.add(cmd('2026-12-01T10:00:00Z', { exe: '/tmp/\x1b[2Jevil\n', user: 'a\rb' }));
  const text = statsText(c.summary(10, 'h\x07ost'));
  assert.ok(!/[\x00-\x09\x0b-\x1f]/.test(text), JSON.stringify(text));
  assert.match(text, /\/tmp\/\\e\[2Jevil\\n/);
  assert.match(text, /a\\rb/);
  assert.match(text, /Hosts +1 {2}\(h\\x07ost\)/);
});

test('--top takes a whole number of 1 or more', () => {
  assert.equal(parseTop(undefined), 10);
  assert.equal(parseTop('3'), 3);
  assert.throws(() => parseTop('0'), /--top must be 1 or more/);
  assert.throws(() => parseTop('x'), /--top expects a whole number/);
});
