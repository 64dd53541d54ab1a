// `-o table`: a cli-table3 grid with the field names as header. Column widths need every row, so rows
// are collected (as their escaped cells) and laid out at the end; in follow mode each row is its own
// grid. A large log is laid out TABLE_CHUNK_ROWS rows per cli-table3 render (one render of 300,000 rows overflows
// the call stack inside cli-table3, and its output could exceed the longest string V8 allows), all
// chunks with the same column widths and joined border to border, so the output reads as one table.
//
// A cell is at most `maxCell` terminal columns wide: the terminal's width when stdout is one, else
// MAX_CELL_COLUMNS. A longer value (a 20 KB argv) is cut there and ends in CUT_MARK, so that a table
// costs about what text output costs (cli-table3 measures, pads and splits every cell) and a row fits
// a screen; the whole value is in `-o text`, json or csv. The cut is made after escaping: an escape
// (`\e`) may be cut, a control character is never let through.
import { createRequire } from 'node:module';
import Table from 'cli-table3';
import { escapeText } from './escape.js';
import { treeLead, type FormatOptions, type Formatter, type TreePlace } from './formatter.js';
import type { RowBag } from '../rows/index.js';
import { textGetter, type TextGetter } from './values.js';

/** Rows per cli-table3 render: its layout costs the square of the rows it is given, so keep it small. */
export const TABLE_CHUNK_ROWS = 200;

// cli-table3's own measure of a cell (terminal columns: wide characters count twice), so that the
// widths computed here are exactly the ones it would compute over the whole table.
const tableUtils = createRequire(import.meta.url)('cli-table3/src/utils.js') as { strlen: (s: string) => number };
// Most cells are plain ASCII, one column each; string-width (behind strlen) is costly per call.
const strlen = (s: string): number => (/^[\x20-\x7e]*$/.test(s) ? s.length : tableUtils.strlen(s));
const PADDING = 2; // cli-table3's default padding-left + padding-right

/** Widest cell when stdout is not a terminal, in columns. */
export const MAX_CELL_COLUMNS = 200;
/** Ends a cell that was cut. */
export const CUT_MARK = '…';
/** Narrowest limit, whatever the terminal says: a cut cell still shows something. */
const MIN_CELL_COLUMNS = 20;

/** The widest cell for this process's stdout: the terminal's width (less the borders), else MAX_CELL_COLUMNS. */
export function cellLimit(stdout: { isTTY?: boolean; columns?: number } = process.stdout): number {
  if (stdout.isTTY !== true || !stdout.columns) return MAX_CELL_COLUMNS;
  return Math.max(MIN_CELL_COLUMNS, stdout.columns - 4 - PADDING);
}

/** `s` cut to at most `max` terminal columns, CUT_MARK included when cut. */
export function cutCell(s: string, max: number): string {
  if (s.length <= max && strlen(s) <= max) return s;
  if (/^[\x20-\x7e]*$/.test(s.slice(0, max))) return s.slice(0, max - 1) + CUT_MARK;
  let width = 0;
  let out = '';
  for (const ch of s) {
    const w = strlen(ch);
    if (width + w > max - 1) break;
    width += w;
    out += ch;
  }
  return out + CUT_MARK;
}

// The top border of a later chunk becomes the separator line between two rows.
const TOP_TO_MID: Record<string, string> = { '┌': '├', '┬': '┼', '┐': '┤' };

export class TableFormatter implements Formatter {
  private rows: string[][] = [];
  private readonly widths: number[];
  private readonly getters: readonly TextGetter[];

  constructor(
    private readonly opts: FormatOptions,
    private readonly maxCell: number = cellLimit(),
  ) {
    this.getters = opts.fields.map((f) => textGetter(f, opts));
    this.widths = opts.fields.map((f) => strlen(f));
  }

  begin(): string {
    return this.opts.streaming ? render([], [...this.opts.fields]) : '';
  }

  row(row: RowBag, place?: TreePlace): string {
    const cells = this.getters.map((get) => {
      const v = get(row);
      return v === undefined ? '' : cutCell(escapeText(v), this.maxCell);
    });
    if (place && cells.length > 0) cells[0] = cutCell(treeLead(place) + cells[0], this.maxCell);
    if (this.opts.streaming) return render([cells]);
    for (let i = 0; i < cells.length; i++) {
      const w = strlen(cells[i]!);
      if (w > this.widths[i]!) this.widths[i] = w;
    }
    this.rows.push(cells);
    return '';
  }

  end(): string | Iterable<string> {
    if (this.opts.streaming) return '';
    const rows = this.rows;
    this.rows = [];
    return this.chunks(rows);
  }

  private *chunks(rows: string[][]): Generator<string> {
    const colWidths = this.widths.map((w) => w + PADDING);
    let first = 0;
    do {
      const last = first + TABLE_CHUNK_ROWS >= rows.length;
      let text = render(rows.slice(first, first + TABLE_CHUNK_ROWS), first === 0 ? [...this.opts.fields] : undefined, colWidths);
      // Each chunk renders as a closed grid: open the seams so that chunks continue one another.
      if (first > 0) text = text.replace(/^[^\n]*/, (top) => top.replace(/[┌┬┐]/g, (c) => TOP_TO_MID[c]!));
      if (!last) text = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1);
      // Rows already laid out need not stay in memory while the rest is rendered.
      rows.fill([], first, first + TABLE_CHUNK_ROWS);
      yield text;
      first += TABLE_CHUNK_ROWS;
    } while (first < rows.length);
  }
}

function render(rows: readonly string[][], head?: string[], colWidths?: number[]): string {
  // No colours: output may go to a file, and the escapes would be noise there.
  const table = new Table({
    ...(head ? { head } : {}),
    ...(colWidths ? { colWidths } : {}),
    style: { head: [], border: [] },
  });
  for (const r of rows) table.push(r);
  return table.toString() + '\n';
}
