import { test } from 'node:test';
import assert from 'node:assert/strict';
import Table from 'cli-table3';
import { createFormatter, type OutputFormat } from '../../src/cli/format.js';
import type { FormatOptions } from '../../src/cli/formatter.js';
import { TABLE_CHUNK_ROWS } from '../../src/cli/table.js';
import type { RowBag } from '../../src/rows/index.js';
import { defaultInput, parseLimit, parseOutput, DEFAULT_LOG_PATH } from '../../src/cli/options.js';
import { markValues } from '../../src/cli/flags.js';
import Prec from '../../src/cli/commands/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const row: RowBag = {
  timestamp: '2026-11-22T15:04:05.123456789+09:00',
  end_timestamp: '2026-11-22T15:04:08.5+09:00',
  user: 'www-data',
  uid: 33,
  argv: ['sh', '-c', 'id; printf "\x1b[2J"'],
  argv_truncated: true,
  duration_ns: 3_000_000_001,
  duration: '0000-00-00 00:00:03',
  record_type: 'command',
};

async function render(format: OutputFormat, fields: string[], rows: RowBag[], extra: Partial<FormatOptions> = {}): Promise<string> {
  const f = await createFormatter(format, { fields, fullTime: false, csvRaw: false, tree: false, streaming: false, ...extra });
  const text = f.begin() + rows.map((r) => f.row(r)).join('');
  const end = f.end();
  return text + (typeof end === 'string' ? end : [...end].join(''));
}

test('text: fields in order, two spaces apart, short timestamps, missing as -, escapes', async () => {
  const out = await render('text', ['user', 'timestamp', 'command', 'exit_status', 'duration', 'duration_ns', 'argv_truncated'], [row]);
  assert.equal(out, `www-data  2026-11-22 15:04:05  sh -c 'id; printf "\\e[2J"'  -  0000-00-00 00:00:03  3000000001  true\n`);
});

test('--full-time prints the recorded RFC3339Nano value unchanged in every format', async () => {
  for (const format of ['text', 'json', 'csv'] as const) {
    const out = await render(format, ['timestamp', 'end_timestamp'], [row], { fullTime: true });
    assert.ok(out.includes('2026-11-22T15:04:05.123456789+09:00'), format);
    assert.ok(out.includes('2026-11-22T15:04:08.5+09:00'), format);
  }
});

test('json: keys in the selected order, typed values, argv as array, null for missing', async () => {
  const out = await render('json', ['duration_ns', 'argv', 'user', 'exit_status', 'timestamp', 'command', 'argv_truncated'], [row]);
  assert.equal(out.split('\n').length, 2);
  const obj = JSON.parse(out) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj), ['duration_ns', 'argv', 'user', 'exit_status', 'timestamp', 'command', 'argv_truncated']);
  assert.deepEqual(obj, {
    duration_ns: 3000000001,
    argv: ['sh', '-c', 'id; printf "\x1b[2J"'],
    user: 'www-data',
    exit_status: null,
    timestamp: '2026-11-22 15:04:05',
    command: `sh -c 'id; printf "\x1b[2J"'`,
    argv_truncated: true,
  });
});

test('csv: header, quoting, formula cells prefixed unless raw', async () => {
  const r: RowBag = { user: '=cmd|calc', comm: '+x', cwd: '-y', exe: '@z', tty: '\tt', group: 'a,b', parent_cmdline: 'say "hi"\nbye' };
  const fields = ['user', 'comm', 'cwd', 'exe', 'tty', 'group', 'parent_cmdline', 'pid'];
  assert.equal(
    await render('csv', fields, [r]),
    `user,comm,cwd,exe,tty,group,parent_cmdline,pid\n'=cmd|calc,'+x,'-y,'@z,'\tt,"a,b","say ""hi""\nbye",\n`,
  );
  assert.equal(await render('csv', ['user', 'comm'], [r], { csvRaw: true }), 'user,comm\n=cmd|calc,+x\n');
});

test('table: header of field names, escaped cells, no colour codes', async () => {
  const out = await render('table', ['user', 'command'], [row, { user: 'root', argv: ['ls'] }]);
  assert.ok(!out.includes('\x1b'));
  const lines = out.trimEnd().split('\n');
  assert.match(lines[1]!, /^│ user +│ command +│$/);
  assert.ok(lines.some((l) => l.includes(`│ www-data │ sh -c 'id; printf "\\e[2J"' │`)));
  assert.ok(lines.some((l) => /^│ root +│ ls +│$/.test(l)));
});

test('table: rows laid out in chunks read as the one table cli-table3 draws for all of them', async () => {
  // Widths vary (wide characters too) so that a column widens in a late chunk only.
  const rows: RowBag[] = [];
  for (let i = 0; i < 2 * TABLE_CHUNK_ROWS + 17; i++) {
    rows.push({ user: i === 2 * TABLE_CHUNK_ROWS + 3 ? 'a-much-longer-user-name' : `u${i % 97}`, argv: ['echo', i % 500 === 0 ? '漢字' : String(i)] });
  }
  const whole = new Table({ head: ['user', 'command'], style: { head: [], border: [] } });
  const view = await createFormatter('text', { fields: ['user', 'command'], fullTime: false, csvRaw: false, tree: false, streaming: false });
  for (const r of rows) whole.push(view.row(r).trimEnd().split('  '));
  assert.equal(await render('table', ['user', 'command'], rows), whole.toString() + '\n');
  // No rows: the header alone, closed.
  assert.equal(await render('table', ['user'], []), '┌──────┐\n│ user │\n└──────┘\n');
});

test('markValues keeps values that start with a dash as values', () => {
  assert.deepEqual(markValues(['-f', '-argv', '--fields=-auid', '-F', '--', '-f', 'x'], Prec.flags), ['-f', '\u0000-argv', '--fields', '\u0000-auid', '-F', '--', '-f', 'x']);
});

test('options: -n, -o and the default input from the precd config', () => {
  assert.equal(parseLimit('5'), 5);
  assert.equal(parseLimit(undefined), 0);
  assert.throws(() => parseLimit('-1'), /-n must be 0 or more/);
  assert.throws(() => parseLimit('x'), /whole number/);
  assert.equal(parseOutput('csv'), 'csv');
  assert.throws(() => parseOutput('xml'), /-o expects one of text, table, json, csv/);
  const dir = mkdtempSync(join(tmpdir(), 'prec-conf-'));
  const conf = join(dir, 'precd.conf');
  assert.equal(defaultInput(conf), DEFAULT_LOG_PATH);
  writeFileSync(conf, 'compress = "gz"\nlog_path = "/srv/log/p.log"\n');
  assert.equal(defaultInput(conf), '/srv/log/p.log');
  writeFileSync(conf, 'compress = "gz"\n');
  assert.equal(defaultInput(conf), DEFAULT_LOG_PATH);
});

test('tree: an exec row is marked (exec) in text and table, before the ancestor mark; json keeps the selected keys', async () => {
  const place = { prefix: '└─ ', depth: 1, ancestor: true, exec: true };
  for (const format of ['text', 'table', 'json'] as const) {
    const f = await createFormatter(format, { fields: ['user'], fullTime: false, csvRaw: false, tree: true, streaming: true });
    const out = f.row({ user: 'root', record_type: 'command' }, place);
    if (format === 'json') assert.equal(out, '{"user":"root"}\n');
    else assert.ok(out.includes('└─ (exec) (ancestor) root'), `${format}: ${out}`);
  }
});
