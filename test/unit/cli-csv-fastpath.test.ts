// CsvFormatter joins rows that need no quoting itself instead of calling csv-stringify per row: the
// text must be exactly what csv-stringify writes, for any cell contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { CsvFormatter } from '../../src/cli/csv.js';

const FIELDS = ['user', 'comm', 'cwd', 'exe'];
const formatter = new CsvFormatter({ fields: FIELDS, fullTime: true, csvRaw: true, tree: false, streaming: false });

test('every row reads exactly as csv-stringify writes it, quoting or not', () => {
  const cell = fc.oneof(
    fc.string(),
    fc.stringMatching(/^[a-z ,"\n\r'=;-]{0,8}$/),
    fc.constantFrom('', ',', '"', '\n', '\r', '\r\n', 'a"b', 'x,y', ' '),
  );
  fc.assert(
    fc.property(fc.array(cell, { minLength: FIELDS.length, maxLength: FIELDS.length }), (cells) => {
      const row = Object.fromEntries(FIELDS.map((f, i) => [f, cells[i]]));
      assert.equal(formatter.row(row), stringify([cells]));
    }),
    { numRuns: 2000 },
  );
});
