// `-o csv`: RFC 4180 via csv-stringify, a header row of field names, argv as a JSON array. Cells that
// a spreadsheet would take for a formula (starting with = + - @ tab or CR) get a leading `'` unless
// --csv-raw. In tree mode too the columns are exactly the selected fields (SPEC 8): rows come in tree
// order, ancestors included, with no depth or ancestor column.
import { stringify } from 'csv-stringify/sync';
import type { FormatOptions, Formatter } from './formatter.js';
import type { RowBag } from '../rows/index.js';
import { escapeRawBytes } from './escape.js';
import { textGetter, type TextGetter } from './values.js';

const FORMULA_START = /^[=+\-@\t\r]/;
/** Cells csv-stringify quotes with its default options: a delimiter, quote or line break inside. */
const NEEDS_QUOTES = /[,"\n\r]/;

/** One cell exactly as csv-stringify writes it (default options), checked in cli-csv-fastpath.test. */
function csvCell(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

export class CsvFormatter implements Formatter {
  private readonly getters: readonly TextGetter[];

  constructor(private readonly opts: FormatOptions) {
    this.getters = opts.fields.map((f) => textGetter(f, opts));
  }

  begin(): string {
    return stringify([[...this.opts.fields]]);
  }

  row(row: RowBag): string {
    const cells = this.getters.map((get) => {
      const v = escapeRawBytes(get(row) ?? '');
      return this.opts.csvRaw ? v : neutralizeFormula(v);
    });
    // csv-stringify's sync API sets up a whole stringifier per call, which cost more than the rest
    // of an export: rows are written here the way it writes them (the header still goes through it).
    let line = '';
    for (let i = 0; i < cells.length; i++) line += (i > 0 ? ',' : '') + csvCell(cells[i]!);
    return line + '\n';
  }

  end(): string {
    return '';
  }
}
