// `prec --server`: the list, tree and follow views over a ClickHouse table. The query is compiled to
// SQL (filtering and merging happen in ClickHouse); the rows come back as the records they were
// made of and go through the same views and formatters as the log's rows.
//
// Loss rows: the WHERE clause keeps them all, and the query's JS predicate (the same AST) decides
// on them here, so that hidden losses are said on stderr exactly as for a log (SPEC 1).
import { END_ONLY_FIELDS } from '../schema/index.js';
import type { QueryNode } from '../query/index.js';
import { emit, type ViewContext } from './context.js';
import { createFormatter, type OutputFormat } from './format.js';
import { HiddenLosses } from './losses.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { serverPositions, serverRecords, serverRows, type ServerQuery, type ServerTarget } from './server.js';
import { startColumnsFor } from '../query/sql-select.js';
import type { LogRecord } from '../schema/index.js';
import type { RowBag, TimeRange } from '../rows/index.js';
import { withinWindow } from './window.js';

/** Without -q and -A: commands of interactive users, and every loss row (as implicitFilter in run.ts). */
const IMPLICIT_QUERY = 'source=user || record_type=loss';
const END_ONLY = new Set<string>(END_ONLY_FIELDS);
const POLL_MS = 1000;

/** What runServerView reads of the command line (run.ts's RawOptions). */
export interface ServerViewOptions {
  readonly queries: readonly string[];
  readonly allSources: boolean;
  readonly tree: boolean;
  readonly follow: boolean;
  readonly fullTime: boolean;
  readonly csvRaw: boolean;
  readonly hosts?: readonly string[] | undefined;
}

export async function runServerView(
  target: ServerTarget,
  raw: ServerViewOptions,
  opts: { fields: string[]; limit: number; output: OutputFormat; window?: TimeRange | undefined },
): Promise<void> {
  const { compileAst, keyHintSql, namesClause, parseQuery, whereSql } = await import('../query/index.js');
  const texts = raw.queries.length > 0 ? raw.queries : raw.allSources ? [] : [IMPLICIT_QUERY];
  const asts = texts.map((t) => parseQuery(t));
  const all: QueryNode | undefined = asts.length === 0 ? undefined : asts.length === 1 ? asts[0] : { kind: 'and', operands: asts };
  const compiled = compileAst(asts);
  const hidden = raw.queries.length > 0 ? new HiddenLosses(compiled.predicate) : undefined;
  const keys = [...compiled.keys];
  const needEnd = compiled.needsEnd || opts.fields.some((f) => END_ONLY.has(f));
  // The tree needs every row (ancestors of matches): it filters here, with the same AST.
  const selected = all === undefined || raw.tree ? undefined : `(${whereSql(all)}) OR row_type = 'loss'`;
  const hint = all === undefined || raw.tree ? undefined : keyHintSql(all);
  // Seal rows (SPEC 12) are shown only to a query naming record_type=seal, as for a log.
  const showSeals = namesClause(asts, 'record_type', 'seal');
  const where = showSeals ? selected : selected === undefined ? `row_type != 'seal'` : `(${selected}) AND row_type != 'seal'`;
  const matches = withinWindow(opts.window, (row: RowBag): boolean =>
    (showSeals || row.record_type !== 'seal') &&
    (raw.tree ? compiled.predicate(row) : row.record_type !== 'loss' || (hidden ? hidden.filter(row) : compiled.predicate(row))));
  const query: ServerQuery = {
    where,
    whereBeforeJoin: !keys.some((k) => END_ONLY.has(k)),
    ...(hint !== undefined ? { keyHint: `${hint} OR record_type = 'loss'` } : {}),
    // The list and follow views drop ends unless a field shown or queried needs them; the tree merges them.
    withEnds: raw.tree || needEnd,
    // Only the columns of the fields shown and queried; the tree reads ancestors' every field.
    ...(raw.tree ? {} : { startColumns: startColumnsFor([...opts.fields, ...keys]) }),
    hosts: raw.hosts ?? [],
    limit: raw.tree || raw.follow ? 0 : opts.limit,
    withHost: opts.fields.includes('host'),
    // --since/--until in SQL; the tree's ancestors may start before the window (matches applies it).
    since: raw.tree ? undefined : opts.window?.since,
    until: opts.window?.until,
  };

  const out = new Output(process.stdout);
  const abort = new AbortController();
  out.onClose(() => abort.abort());
  const formatter = await createFormatter(opts.output, {
    fields: opts.fields, fullTime: raw.fullTime, csvRaw: raw.csvRaw, tree: raw.tree, streaming: raw.follow,
  });
  if (raw.follow) {
    await followServer(target, query, { out, formatter, matches, signal: abort.signal, limit: opts.limit });
  } else {
    const progress = new Progress(process.stderr, { label: 'querying server' });
    out.setBeforeWrite(() => progress.clear());
    const ctx: ViewContext = {
      records: () => withProgress(target, query, progress),
      matches, needEnd, limit: opts.limit, formatter, out, signal: abort.signal, mergeWindow: Number.MAX_SAFE_INTEGER,
    };
    if (raw.tree) await (await import('./tree.js')).treeView(ctx);
    else await (await import('./list.js')).listView(ctx);
  }
  await out.end();
  const losses = raw.follow ? undefined : hidden?.take();
  if (losses) process.stderr.write(`prec: ${losses}\n`);
}

/** serverRecords with the rows received counted on the progress line until the first batch is handed on. */
async function* withProgress(target: ServerTarget, query: ServerQuery, progress: Progress): AsyncGenerator<LogRecord[]> {
  let received = 0;
  const stop = progress.counting(() => received, 'rows received');
  try {
    for await (const batch of serverRecords(target, { ...query, onRows: (n) => progress.rows((received = n), 'rows received') })) {
      stop();
      yield batch;
    }
  } finally {
    stop();
  }
}

interface FollowServer {
  out: Output;
  formatter: Awaited<ReturnType<typeof createFormatter>>;
  matches: (row: RowBag) => boolean;
  signal: AbortSignal;
  limit: number;
}

/**
 * -F: the last N rows (-n), then, polling every second, the rows that come after the last seen in
 * log order (ClickHouse has no change feed). Positions are kept per host: each host's log_order
 * orders its own log, and hosts ship at their own pace (a row shipped late by one host must not be
 * skipped because another's were newer). A command is shown as it is when first seen: an end that
 * arrives later is not printed again. SIGINT/SIGTERM end following with status 0.
 */
async function followServer(target: ServerTarget, query: ServerQuery, f: FollowServer): Promise<void> {
  let stopped = false;
  const onSignal = (): void => {
    if (stopped) process.exit(0);
    stopped = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Where each host is now: the history is the last N rows up to there, so none is shown twice.
  const at = await serverPositions(target, query.hosts);
  const show = async (q: ServerQuery): Promise<void> => {
    let text = '';
    const seen = (host: string, order: bigint): void => {
      const was = at.get(host);
      if (was === undefined || order > was) at.set(host, order);
    };
    for await (const rows of serverRows(target, q, seen)) {
      for (const row of rows) if (f.matches(row)) text += f.formatter.row(row);
    }
    if (text !== '') await emit(f.out, text);
    await f.out.flush(); // Output batches writes: a follower must show each poll's rows now
  };
  await emit(f.out, f.formatter.begin());
  if (f.limit > 0) await show({ ...query, limit: f.limit, upTo: new Map(at) });
  while (!stopped && !f.signal.aborted) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    if (!stopped && !f.signal.aborted) await show({ ...query, limit: 0, after: new Map(at) });
  }
}
