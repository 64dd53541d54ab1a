// `-o json`: one plain JSON object per line, keys in the selected order, every selected key present
// (null when the row lacks it), numbers and booleans typed, argv an array. In tree mode two keys are
// added after the fields: tree_depth (0 for a root) and tree_ancestor.
import type { FormatOptions, Formatter, TreePlace } from './format.js';
import type { RowBag } from './merge.js';
import { jsonGetter, type JsonGetter } from './values.js';

export class JsonFormatter implements Formatter {
  private readonly getters: ReadonlyArray<readonly [string, JsonGetter]>;

  constructor(opts: FormatOptions) {
    this.getters = opts.fields.map((f) => [f, jsonGetter(f, opts)] as const);
  }

  begin(): string {
    return '';
  }

  row(row: RowBag, place?: TreePlace): string {
    const obj: Record<string, unknown> = {};
    for (const [f, get] of this.getters) obj[f] = get(row);
    if (place) {
      obj.tree_depth = place.depth;
      obj.tree_ancestor = place.ancestor;
    }
    return JSON.stringify(obj) + '\n';
  }

  end(): string {
    return '';
  }
}
