// `-o table` bounds every cell (issue 20, item 8): a value wider than the limit is cut and ends in
// CUT_MARK, escaping still holds in what is kept, and short rows come out as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Table from 'cli-table3';
import type { FormatOptions } from '../../src/cli/formatter.js';
import { cellLimit, cutCell, CUT_MARK, MAX_CELL_COLUMNS, TableFormatter } from '../../src/cli/table.js';
import type { RowBag } from '../../src/rows/index.js';

const OPTS: FormatOptions = { fields: ['user', 'command'], fullTime: false, csvRaw: false, tree: false, streaming: false };

function render(rows: RowBag[], maxCell?: number, opts: FormatOptions = OPTS): string {
  const f = new TableFormatter(opts, maxCell);
  const text = f.begin() + rows.map((r) => f.row(r)).join('');
  const end = f.end();
  return text + (typeof end === 'string' ? end : [...end].join(''));
}

/** The cells of the data lines of a rendered grid (between the vertical bars, trimmed). */
function cells(out: string): string[][] {
  return out.split('\n').filter((l) => l.startsWith('│')).map((l) => l.slice(1, -1).split('│').map((c) => c.trim()));
}

test('a 20 KB argv cell is cut to the limit with the marker, not carried whole', () => {
  const big = 'x'.repeat(20_000);
  const out = render([{ user: 'alice', argv: ['echo', big] }]);
  const [, data] = cells(out);
  assert.ok(data, out.slice(0, 500));
  const command = data[1]!;
  assert.equal(command, `echo ${'x'.repeat(MAX_CELL_COLUMNS - 6)}${CUT_MARK}`);
  assert.equal([...command].length, MAX_CELL_COLUMNS);
  assert.ok(out.length < 3 * MAX_CELL_COLUMNS * 3, `output is ${out.length} characters`);
  for (const line of out.split('\n').filter((l) => l !== '')) assert.equal([...line].length, [...out.split('\n')[0]!].length, 'a grid');
});

test('escaping holds in a cut cell: no control character gets through, a cut never splits a pair', () => {
  const nasty = `${'\x1b[2J'.repeat(5000)}😀`;
  const out = render([{ user: 'a\x1bb', argv: ['printf', nasty] }], 40);
  assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  const [, data] = cells(out);
  assert.equal(data![0], 'a\\eb');
  assert.ok(data![1]!.startsWith("printf '\\e[2J\\e[2J"), data![1]);
  assert.ok(data![1]!.endsWith(CUT_MARK));
  // Wide characters count as two columns, and a surrogate pair is kept whole or dropped whole.
  assert.equal(cutCell('😀😀😀😀', 6), `😀😀${CUT_MARK}`);
  assert.equal(cutCell('日本語テキスト', 7), `日本語${CUT_MARK}`);
  assert.equal(cutCell('exactly10c', 10), 'exactly10c');
  assert.equal(cutCell('exactly11ch', 10), `exactly11${CUT_MARK}`);
});

test('short rows are unchanged: the same grid cli-table3 draws for them', () => {
  const rows: RowBag[] = [
    { user: 'alice', argv: ['ls', '-la', '/tmp'] },
    { user: 'www-data', argv: ['sh', '-c', 'id; uname -a'] },
  ];
  const want = new Table({ head: ['user', 'command'], style: { head: [], border: [] } });
  want.push(['alice', 'ls -la /tmp'], ['www-data', "sh -c 'id; uname -a'"]);
  assert.equal(render(rows), want.toString() + '\n');
  assert.equal(render(rows, 20), want.toString() + '\n');
});

test('the limit is the terminal width on a terminal, else the fixed maximum', () => {
  assert.equal(cellLimit({ isTTY: false, columns: 80 }), MAX_CELL_COLUMNS);
  assert.equal(cellLimit({}), MAX_CELL_COLUMNS);
  assert.equal(cellLimit({ isTTY: true, columns: 120 }), 114);
  assert.equal(cellLimit({ isTTY: true, columns: 10 }), 20);
});

test('streaming (follow) rows are cut the same way', () => {
  const out = render([{ user: 'alice', argv: ['echo', 'y'.repeat(5000)] }], 30, { ...OPTS, streaming: true });
  const data = cells(out).find((c) => c[0] === 'alice');
  assert.equal(data![1], `echo ${'y'.repeat(24)}${CUT_MARK}`);
});
