// --since and --until (SPEC 8): journalctl's time forms, parsed to a window of epoch nanoseconds,
// and the row filter and file selection that apply it. Absolute times are read by the one time
// parser of schema/values.ts (the query's own forms), relative ones by schema/relative-time.ts.
import { QueryError } from '../query/errors.js';
import { lastInstantNanos, parseInstant, parseRelativeTime, parseTimeValue } from '../schema/index.js';
import type { RowBag, TimeRange } from '../rows/index.js';
import { UsageError } from './errors.js';

const FORMS = 'a date (2026-12-01), date and time (2026-12-01 10:00[:05]), time today (10:00), RFC3339, now, today, yesterday, -1h, "1 hour ago"';

/** A bad --since/--until value: shown like a query error, the value with a caret under the fault. */
export class TimeError extends QueryError {
  constructor(
    message: string,
    readonly flag: string,
    text: string,
    column: number,
  ) {
    super(message, text, column);
    this.name = 'TimeError';
  }

  override format(): string {
    return `bad ${this.flag}: ${super.format()}`;
  }
}

const CLOCK_RE = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** One --since/--until value -> epoch nanoseconds; TimeError when it is none of the forms. */
export function parseTimeFlag(flag: string, text: string, nowNs: bigint): bigint {
  const relative = parseRelativeTime(text, nowNs);
  if (typeof relative === 'bigint') return relative;
  if (relative !== undefined) throw new TimeError(relative.message, flag, text, relative.column);
  const t = text.trim();
  const absolute = parseTimeValue(t) ?? parseTimeValue(onToday(t, nowNs));
  if (absolute !== undefined) return absolute;
  throw new TimeError(`expected ${FORMS}`, flag, text, badColumn(text));
}

/** `10:00` -> today's date (local) and that time, for the one parser; anything else unchanged. */
function onToday(t: string, nowNs: bigint): string {
  if (!CLOCK_RE.test(t)) return t;
  const d = new Date(Number(nowNs / 1_000_000n));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}`;
}

/** Where a malformed absolute time goes wrong: the first character that no form has there. */
function badColumn(text: string): number {
  const shape = '0000-00-00 00:00:00';
  const lead = text.length - text.trimStart().length;
  for (let i = lead; i < text.length && i - lead < shape.length; i++) {
    const want = shape[i - lead]!;
    const c = text[i]!;
    const ok = want === '0' ? c >= '0' && c <= '9' : want === ' ' ? c === ' ' || c === 'T' || c === 't' : c === want;
    if (!ok) return i + 1;
  }
  return lead + 1;
}

/** The window of --since and --until (undefined when neither is given). */
export function parseWindow(since: string | undefined, until: string | undefined, nowNs = BigInt(Date.now()) * 1_000_000n): TimeRange | undefined {
  if (since === undefined && until === undefined) return undefined;
  const range: { since?: bigint; until?: bigint } = {};
  if (since !== undefined) range.since = parseTimeFlag('--since', since, nowNs);
  if (until !== undefined) range.until = parseTimeFlag('--until', until, nowNs);
  if (range.since !== undefined && range.until !== undefined && range.since > range.until) {
    throw new UsageError(`--since ${since} is after --until ${until}: the window is empty`);
  }
  return range;
}

/**
 * Rows whose timestamp (a command's start, a fail's or loss's own time) is inside the window.
 * Compares whole seconds and nanoseconds as numbers: no bigint per row.
 */
export function windowFilter(range: TimeRange): (row: RowBag) => boolean {
  const split = (ns: bigint | undefined): [number, number] | undefined =>
    ns === undefined ? undefined : [Number(ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n)), Number(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n)];
  const since = split(range.since);
  const until = split(range.until);
  return (row) => {
    const ts = row.timestamp;
    if (typeof ts !== 'string') return false;
    const s = parseInstant(ts);
    if (Number.isNaN(s)) return false;
    const ns = lastInstantNanos();
    if (since && (s < since[0] || (s === since[0] && ns < since[1]))) return false;
    if (until && (s > until[0] || (s === until[0] && ns > until[1]))) return false;
    return true;
  };
}

/** `matches` narrowed to the window (rows outside it are rejected before `matches` sees them). */
export function withinWindow(range: TimeRange | undefined, matches: (row: RowBag) => boolean): (row: RowBag) => boolean {
  if (range === undefined) return matches;
  const inside = windowFilter(range);
  return (row) => inside(row) && matches(row);
}
