// Follow view (-F). History first: the last N rows (-n) of the log (and, with -a, of its rotated
// siblings), then every new record as it is written:
//
// - a start prints at once as a provisional row when it matches without its end;
// - when end values are needed (by the query or the output fields) the row prints again, finalized,
//   when its end arrives, if the finalized row matches: a row whose only matching condition is
//   end-only (`-q exit_status!=0`) therefore appears once, when it ends;
// - fail and loss rows print as they come; a loss row the query hides is said on stderr instead.
//
// Ends without a known start print nothing. Unfinished starts are held (bounded) for their ends,
// those read as history included: a command started before following began that ends while
// following is printed, finalized, when end values are needed and it matches (so `-F -q
// exit_status!=0` shows every failure from now on, whenever the command started; with -n N the
// history is read from the start of the file, without -n following starts at its end).
// When nothing end-only is needed, ends print nothing and nothing is held.
// SIGINT, SIGTERM and a closed pipe end following quietly with status 0.
import type { LogRecord } from '../schema/index.js';
import { discoverLogs, followLineBatches, parseBatch, readRecordBatches } from '../log/index.js';
import type { ReadStats } from '../rows/index.js';
import { CompletionMerger, LastRows } from '../rows/index.js';
import type { HiddenLosses } from './losses.js';
import type { OutputContext } from './context.js';

/** Unfinished starts kept for their ends; beyond this the oldest are forgotten (precd restarts lose ends). */
const MAX_PENDING = 100_000;

export interface FollowContext extends OutputContext {
  readonly input: string;
  readonly allLogs: boolean;
  readonly stats: ReadStats;
  /** Counts the loss rows the query rejects (when there is a query), to say so on stderr. */
  readonly hiddenLosses?: HiddenLosses | undefined;
  readonly warn: (message: string) => void;
  /** Test hook: how often the file is polled when no change notification comes. */
  readonly pollIntervalMs?: number;
}

export async function followView(ctx: FollowContext): Promise<void> {
  const { out, formatter, matches } = ctx;
  const merger = new CompletionMerger(ctx.needEnd);
  const history = ctx.limit > 0 ? new LastRows(ctx.limit) : undefined;
  const onBadLine = (): void => {
    ctx.stats.badLines++;
  };
  let live = false;

  const feed = (rec: LogRecord): string => {
    if (!live) {
      const done = merger.push(rec);
      if (done && history && matches(done.row)) history.add(done);
      return '';
    }
    // Read the type first: the merger turns the record itself into the row (start -> command).
    const type = rec.record_type;
    const done = merger.push(rec);
    if (type === 'start' && ctx.needEnd) {
      // Held by the merger until its end; print the provisional row now if it already matches.
      const entry = merger.pending.get(rec.event_id);
      if (merger.pending.size > MAX_PENDING) merger.pending.delete(merger.pending.keys().next().value!);
      return entry && matches(entry.row) ? formatter.row(entry.row) : '';
    }
    if (!done) return '';
    if (type === 'end' && !ctx.needEnd) return '';
    if (matches(done.row)) return formatter.row(done.row);
    const hidden = ctx.hiddenLosses?.takeLive();
    if (hidden) ctx.warn(hidden);
    return '';
  };

  const printHistory = (): void => {
    live = true;
    // Loss rows of the history the query hid: one line for all of them.
    const hidden = ctx.hiddenLosses?.take();
    if (hidden) ctx.warn(hidden);
    let text = formatter.begin();
    if (history) {
      for (const p of merger.pending.values()) if (matches(p.row)) history.add(p);
      for (const r of history.take()) text += formatter.row(r.row);
    }
    void out.write(text);
    void out.flush();
  };

  // With -n and -a, rotated siblings are history too, read before the followed file.
  if (history && ctx.allLogs) {
    const files = await discoverLogs(ctx.input, true);
    for (const f of files.slice(0, -1)) {
      for await (const batch of readRecordBatches(f, { onWarning: ctx.warn, onBadLine })) {
        for (const rec of batch) feed(rec);
        if (ctx.signal.aborted) return;
      }
    }
  }

  // Without history nothing before the current end of the file is needed: start there at once.
  for await (const batch of followLineBatches(ctx.input, {
    fromStart: history !== undefined,
    signal: ctx.signal,
    onCaughtUp: printHistory,
    onWarning: ctx.warn,
    onBadLine,
    ...(ctx.pollIntervalMs ? { pollIntervalMs: ctx.pollIntervalMs } : {}),
  })) {
    let text = '';
    for (const rec of parseBatch(batch, { onBadLine })) text += feed(rec);
    if (text !== '') {
      await out.write(text);
      await out.flush();
    }
    if (out.closed) return;
  }
}
