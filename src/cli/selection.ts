// Which rows a command works on: -q (all ANDed), the implicit source=user without -q and -A,
// and --since/--until. One definition for the list/follow/tree view and for stats, run, hunt and
// verify, so that the same flags select the same rows everywhere.
import type { Needle } from '../query/index.js';
import type { RowBag, TimeRange } from '../rows/index.js';
import { HiddenLosses } from './losses.js';
import { parseWindow, withinWindow } from './window.js';

export interface SelectionFlags {
  readonly queries: readonly string[];
  readonly allSources: boolean;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

export interface Selection {
  /** The rows selected: inside the window, then the query's (or the implicit filter's) choice. */
  readonly matches: (row: RowBag) => boolean;
  /** The query needs end values (a command row must wait for its end). */
  readonly queryNeedsEnd: boolean;
  /** Counts the loss rows the query hides (absent without -q). */
  readonly hiddenLosses: HiddenLosses | undefined;
  /** --since/--until, when given. */
  readonly window: TimeRange | undefined;
  /** The query's necessary needles (the line prefilter), when `prefilter` asked for them. */
  readonly needles: Needle[] | undefined;
}

/**
 * The implicit filter: without any -q and without -A only source=user rows are shown. Loss rows
 * stay: they say records may be missing, whoever ran the lost commands.
 */
function implicitFilter(row: RowBag): boolean {
  return row.source === 'user' || row.record_type === 'loss';
}

/** Seal rows (SPEC 12) are bookkeeping for `prec verify`: shown only to a query naming record_type=seal. */
function withoutSeals(matches: (row: RowBag) => boolean): (row: RowBag) => boolean {
  return (row) => row.record_type !== 'seal' && matches(row);
}

/** Parses the selection flags (QueryError, TimeError, UsageError when bad). */
export async function buildSelection(flags: SelectionFlags, prefilter: boolean): Promise<Selection> {
  const window = parseWindow(flags.since, flags.until);
  let matches: (row: RowBag) => boolean = () => true;
  let queryNeedsEnd = false;
  let needles: Needle[] | undefined;
  let hiddenLosses: HiddenLosses | undefined;
  if (flags.queries.length > 0) {
    // Loaded only when needed: the parser (chevrotain) costs a fifth of a second at startup.
    const { compileAst, namesClause, necessaryNeedles, parseQuery } = await import('../query/index.js');
    const asts = flags.queries.map((text) => parseQuery(text));
    const q = compileAst(asts);
    hiddenLosses = new HiddenLosses(q.predicate);
    matches = namesClause(asts, 'record_type', 'seal') ? hiddenLosses.filter : withoutSeals(hiddenLosses.filter);
    queryNeedsEnd = q.needsEnd;
    if (prefilter && process.env.PREC_NO_PREFILTER !== '1') needles = necessaryNeedles(asts);
  } else if (!flags.allSources) {
    matches = implicitFilter;
  } else {
    matches = withoutSeals(matches);
  }
  // Rows outside the window are rejected first: their losses are not the query's to report.
  return { matches: withinWindow(window, matches), queryNeedsEnd, hiddenLosses, window, needles };
}
