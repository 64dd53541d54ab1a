// List view: rows in log order, optionally only the last N (-n) without holding the whole input.
import { emit, emitEnd, type ViewContext } from './context.js';
import { CompletionMerger, LastRows, OrderedMerger, scanLateEnds, type RowBag } from './merge.js';

export async function listView(ctx: ViewContext): Promise<void> {
  const { out, formatter } = ctx;
  await emit(out, formatter.begin());
  if (ctx.limit > 0) await lastRows(ctx);
  else await allRows(ctx);
  await emitEnd(out, formatter);
}

async function lastRows(ctx: ViewContext): Promise<void> {
  const merger = new CompletionMerger(ctx.needEnd);
  const last = new LastRows(ctx.limit);
  for await (const batch of ctx.records(true)) {
    for (const rec of batch) {
      const r = merger.push(rec);
      if (r && ctx.matches(r.row)) last.add(r);
    }
    if (ctx.out.closed) return;
  }
  for (const r of merger.drain()) if (ctx.matches(r.row)) last.add(r);
  for (const r of last.take()) {
    await emit(ctx.out, ctx.formatter.row(r.row));
    if (ctx.out.closed) return;
  }
}

async function allRows(ctx: ViewContext): Promise<void> {
  const merger = new OrderedMerger(ctx.needEnd, ctx.mergeWindow);
  let lateEnds: Map<string, import('../schema/index.js').EndRecord> | undefined;
  // Rows of a batch are formatted into one string: one write (and one await) per batch, not per row.
  let text = '';
  const print = (rows: RowBag[]): void => {
    for (const row of rows) if (ctx.matches(row)) text += ctx.formatter.row(row);
  };
  for await (const batch of ctx.records(true)) {
    for (const rec of batch) {
      print(merger.push(rec));
      while (merger.overflowing()) {
        lateEnds ??= await scanLateEnds(ctx.records(false), merger.window);
        print(merger.resolveHead(lateEnds.get(merger.headEventId()!)));
      }
    }
    await emit(ctx.out, text);
    text = '';
    if (ctx.out.closed) return;
  }
  print(merger.flush());
  await emit(ctx.out, text);
}
