// journalctl's relative times (systemd.time(7)): `now`, `today`, `yesterday`, `tomorrow`, a span
// before or after now (`-1h`, `+30min`, `1 hour ago`, `2d left`, `1h 30min ago`) and `@EPOCH`.
// Absolute forms are values.ts parseTimeValue's, the one time parser; this module only adds what
// depends on "now". Pure: now is passed in.

const NS_PER_US = 1_000n;
const NS_PER_SECOND = 1_000_000_000n;

// systemd.time(7)'s units; a month is 30.44 days and a year 365.25 days, as there.
const UNIT_NS: Readonly<Record<string, bigint>> = unitTable();

function unitTable(): Record<string, bigint> {
  const table: Record<string, bigint> = {};
  const add = (names: string[], ns: bigint): void => {
    for (const n of names) table[n] = ns;
  };
  add(['ns', 'nsec'], 1n);
  add(['us', 'usec', 'µs', 'μs'], NS_PER_US);
  add(['ms', 'msec'], 1_000_000n);
  add(['s', 'sec', 'second', 'seconds', ''], NS_PER_SECOND);
  add(['m', 'min', 'minute', 'minutes'], 60n * NS_PER_SECOND);
  add(['h', 'hr', 'hour', 'hours'], 3600n * NS_PER_SECOND);
  add(['d', 'day', 'days'], 86_400n * NS_PER_SECOND);
  add(['w', 'week', 'weeks'], 7n * 86_400n * NS_PER_SECOND);
  add(['M', 'month', 'months'], 2_630_016n * NS_PER_SECOND); // 30.44 days
  add(['y', 'year', 'years'], 31_557_600n * NS_PER_SECOND); // 365.25 days
  return table;
}

/** Why a relative time did not parse, and the 1-based column of the fault. */
export interface RelativeTimeFault {
  readonly message: string;
  readonly column: number;
}

/**
 * A relative time -> epoch nanoseconds; undefined when the text is not one of the relative forms
 * at all (an absolute time, say); a fault when it starts like one but is malformed.
 */
export function parseRelativeTime(text: string, nowNs: bigint): bigint | RelativeTimeFault | undefined {
  const t = text.trim();
  const lead = text.length - text.trimStart().length;
  switch (t) {
    case 'now':
      return nowNs;
    case 'today':
      return localMidnight(nowNs, 0);
    case 'yesterday':
      return localMidnight(nowNs, -1);
    case 'tomorrow':
      return localMidnight(nowNs, 1);
  }
  if (t.startsWith('@')) {
    const m = /^@(\d+)(?:\.(\d{1,9}))?$/.exec(t);
    if (!m) return { message: 'expected seconds since the epoch after @', column: lead + 2 };
    return BigInt(m[1]!) * NS_PER_SECOND + BigInt((m[2] ?? '').padEnd(9, '0'));
  }
  let sign: bigint | undefined;
  let body = t;
  let at = lead;
  if (t.startsWith('-') || t.startsWith('+')) {
    sign = t.startsWith('-') ? -1n : 1n;
    body = t.slice(1);
    at++;
  } else {
    const m = /^(.*?)\s+(ago|left)$/.exec(t);
    if (m) [sign, body] = [m[2] === 'ago' ? -1n : 1n, m[1]!];
  }
  if (sign === undefined) return /^\d/.test(t) && !/^\d{4}-/.test(t) ? spanFault(t, lead) : undefined;
  const span = parseSpan(body, at);
  return typeof span === 'bigint' ? nowNs + sign * span : span;
}

/** A bare span (`3h`) is not a time: say what is missing. */
function spanFault(t: string, lead: number): RelativeTimeFault | undefined {
  return typeof parseSpan(t, lead) === 'bigint'
    ? { message: 'a time span needs a direction: -SPAN, +SPAN, "SPAN ago" or "SPAN left"', column: lead + 1 }
    : undefined;
}

const PART_RE = /\s*(\d+(?:\.\d+)?)\s*([a-zA-Zµμ]*)/y;

/** `1h 30min`, `2 hours`, `55s500ms` -> nanoseconds (the parts add up); a fault at the bad spot. */
export function parseSpan(text: string, offset = 0): bigint | RelativeTimeFault {
  let total = 0n;
  let i = 0;
  let parts = 0;
  while (i < text.length) {
    if (text.slice(i).trim() === '') break;
    PART_RE.lastIndex = i;
    const m = PART_RE.exec(text);
    const skip = text.length - text.slice(i).trimStart().length;
    if (!m) return { message: 'expected a number followed by a unit (s, min, h, d, w, M, y …)', column: offset + skip + 1 };
    const unit = UNIT_NS[m[2]!];
    if (unit === undefined) {
      const unitAt = m.index + m[0].length - m[2]!.length;
      return { message: `unknown time unit "${m[2]}" (expected us, ms, s, min, h, d, w, M or y)`, column: offset + unitAt + 1 };
    }
    total += scaled(m[1]!, unit);
    i = PART_RE.lastIndex;
    parts++;
  }
  if (parts === 0) return { message: 'expected a time span such as 1h or 30min', column: offset + text.length + 1 };
  return total;
}

/** A decimal number (`1.5`) times a unit, exactly. */
function scaled(number: string, unit: bigint): bigint {
  const [whole, frac = ''] = number.split('.');
  const scale = 10n ** BigInt(frac.length);
  return (BigInt(whole!) * scale + BigInt(frac || '0')) * unit / scale;
}

/** Local midnight of the day `days` after now's. */
function localMidnight(nowNs: bigint, days: number): bigint {
  const d = new Date(Number(nowNs / 1_000_000n));
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() + days);
  return BigInt(d.getTime()) * 1_000_000n;
}
