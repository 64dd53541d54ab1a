// The four output formats behind one interface (formatter.ts), so that list, follow and tree views
// stay format-blind. Each format is loaded only when used (a table pulls in cli-table3).
import type { FormatOptions, Formatter } from './formatter.js';

export type OutputFormat = 'text' | 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'table', 'json', 'csv'];

export async function createFormatter(format: OutputFormat, opts: FormatOptions): Promise<Formatter> {
  switch (format) {
    case 'text':
      return new (await import('./text.js')).TextFormatter(opts);
    case 'table':
      return new (await import('./table.js')).TableFormatter(opts);
    case 'json':
      return new (await import('./json.js')).JsonFormatter(opts);
    case 'csv':
      return new (await import('./csv.js')).CsvFormatter(opts);
  }
}
