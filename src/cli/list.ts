// List view: rows in log order, optionally only the last N (-n) without holding the whole input.
import { emit, emitEnd, type ViewContext } from './context.js';
import { selectRows } from '../rows/index.js';

export async function listView(ctx: ViewContext): Promise<void> {
  const { out, formatter } = ctx;
  await emit(out, formatter.begin());
  const rows = selectRows(ctx.records, {
    needEnd: ctx.needEnd,
    matches: ctx.matches,
    limit: ctx.limit,
    window: ctx.mergeWindow,
    signal: ctx.signal,
  });
  // Rows of a batch are formatted into one string: one write (and one await) per batch, not per row.
  for await (const batch of rows) {
    let text = '';
    for (const row of batch) text += formatter.row(row);
    await emit(out, text);
    if (out.closed) break;
  }
  await emitEnd(out, formatter);
}
