// `-o json`: one plain JSON object per line, keys in the selected order, every selected key present
// (null when the row lacks it), numbers and booleans typed, argv an array. In tree mode too the keys
// are exactly the selected fields (SPEC 8): rows come in tree order, ancestors included.
import type { FormatOptions, Formatter } from './formatter.js';
import type { RowBag } from '../rows/index.js';
import { jsonGetter, type JsonGetter } from './values.js';

export class JsonFormatter implements Formatter {
  private readonly getters: ReadonlyArray<readonly [string, JsonGetter]>;

  constructor(opts: FormatOptions) {
    this.getters = opts.fields.map((f) => [f, jsonGetter(f, opts)] as const);
  }

  begin(): string {
    return '';
  }

  row(row: RowBag): string {
    const obj: Record<string, unknown> = {};
    for (const [f, get] of this.getters) obj[f] = get(row);
    return JSON.stringify(obj) + '\n';
  }

  end(): string {
    return '';
  }
}
