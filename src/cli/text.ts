// Default output: one line per row, the selected fields separated by two spaces, no header (so that
// `prec -f command | sort` and follow mode stream cleanly). A field the row lacks prints as `-` so
// columns stay countable. Every value is terminal-escaped.
import { escapeText } from './escape.js';
import { treeLead, type FormatOptions, type Formatter, type TreePlace } from './formatter.js';
import type { RowBag } from '../rows/index.js';
import { textGetter, type TextGetter } from './values.js';

export const TEXT_SEPARATOR = '  ';
export const TEXT_MISSING = '-';

export class TextFormatter implements Formatter {
  private readonly getters: readonly TextGetter[];

  constructor(opts: FormatOptions) {
    this.getters = opts.fields.map((f) => textGetter(f, opts));
  }

  begin(): string {
    return '';
  }

  row(row: RowBag, place?: TreePlace): string {
    let line = treeLead(place);
    const getters = this.getters;
    for (let i = 0; i < getters.length; i++) {
      const v = getters[i]!(row);
      if (i > 0) line += TEXT_SEPARATOR;
      line += v === undefined || v === '' ? TEXT_MISSING : escapeText(v);
    }
    return line + '\n';
  }

  end(): string {
    return '';
  }
}
