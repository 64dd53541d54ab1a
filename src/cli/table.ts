// `-o table`: a cli-table3 grid with the field names as header. The grid needs every row to size its
// columns, so rows are collected and laid out at the end; in follow mode each row is its own grid.
import Table from 'cli-table3';
import { escapeText } from './escape.js';
import { ANCESTOR_MARK, type FormatOptions, type Formatter, type TreePlace } from './format.js';
import type { RowBag } from './merge.js';
import { textGetter, type TextGetter } from './values.js';

export class TableFormatter implements Formatter {
  private rows: string[][] = [];
  private readonly getters: readonly TextGetter[];

  constructor(private readonly opts: FormatOptions) {
    this.getters = opts.fields.map((f) => textGetter(f, opts));
  }

  begin(): string {
    return this.opts.streaming ? this.render([], true) : '';
  }

  row(row: RowBag, place?: TreePlace): string {
    const cells = this.getters.map((get) => {
      const v = get(row);
      return v === undefined ? '' : escapeText(v);
    });
    if (place && cells.length > 0) cells[0] = place.prefix + (place.ancestor ? ANCESTOR_MARK : '') + cells[0];
    if (this.opts.streaming) return this.render([cells], false);
    this.rows.push(cells);
    return '';
  }

  end(): string {
    if (this.opts.streaming) return '';
    const out = this.render(this.rows, true);
    this.rows = [];
    return out;
  }

  private render(rows: string[][], withHead: boolean): string {
    // No colours: output may go to a file, and the escapes would be noise there.
    const table = new Table({
      ...(withHead ? { head: [...this.opts.fields] } : {}),
      style: { head: [], border: [] },
    });
    for (const r of rows) table.push(r);
    return table.toString() + '\n';
  }
}
