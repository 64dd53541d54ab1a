// Value conventions shared by the daemon, the query language and the CLI: how durations and
// timestamps are written and read. Pure functions, no I/O.

const NS_PER_SECOND = 1_000_000_000;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;
// The spec's elapsed calendar: a month is 30 days and a year 365 days, whatever the dates.
const SECONDS_PER_MONTH = 30 * SECONDS_PER_DAY;
const SECONDS_PER_YEAR = 365 * SECONDS_PER_DAY;

const DURATION_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Nanoseconds -> `YYYY-MM-DD HH:MM:SS` elapsed (whole seconds, truncated). */
export function formatDuration(ns: number): string {
  let s = Math.floor(Math.max(0, ns) / NS_PER_SECOND);
  const years = Math.floor(s / SECONDS_PER_YEAR);
  s -= years * SECONDS_PER_YEAR;
  const months = Math.floor(s / SECONDS_PER_MONTH);
  s -= months * SECONDS_PER_MONTH;
  const days = Math.floor(s / SECONDS_PER_DAY);
  s -= days * SECONDS_PER_DAY;
  const hours = Math.floor(s / SECONDS_PER_HOUR);
  s -= hours * SECONDS_PER_HOUR;
  const minutes = Math.floor(s / SECONDS_PER_MINUTE);
  s -= minutes * SECONDS_PER_MINUTE;
  return `${pad(years, 4)}-${pad(months, 2)}-${pad(days, 2)} ${pad(hours, 2)}:${pad(minutes, 2)}:${pad(s, 2)}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS` elapsed -> nanoseconds, or undefined when malformed. Fields are not
 * range-checked beyond their width (`0000-00-00 00:90:00` is 90 minutes), as an elapsed time is a sum.
 */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const seconds =
    y * SECONDS_PER_YEAR + mo * SECONDS_PER_MONTH + d * SECONDS_PER_DAY + h * SECONDS_PER_HOUR + mi * SECONDS_PER_MINUTE + s;
  return seconds * NS_PER_SECOND;
}

/** RFC3339 (with or without fraction, any offset) -> nanoseconds since the epoch; undefined when malformed. */
export function parseTimestampNs(text: string): bigint | undefined {
  const seconds = parseInstant(text);
  return Number.isNaN(seconds) ? undefined : BigInt(seconds) * 1_000_000_000n + BigInt(instantNanos);
}

const LOCAL_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ Tt](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A timestamp as a query may write it (SPEC 7): RFC3339, or a local date, date+minute or
 * date+second (`2026-12-01`, `2026-12-01 10:00`, `2026-12-01T10:00:05`) in the host's time zone.
 * Nanoseconds since the epoch; undefined when malformed.
 */
export function parseTimeValue(text: string): bigint | undefined {
  const exact = parseTimestampNs(text);
  if (exact !== undefined) return exact;
  const m = LOCAL_TIME_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (!validCivil(year, month, day, hour, minute, second) || second > 59) return undefined;
  const d = new Date(2000, 0, 1);
  d.setFullYear(year, month - 1, day);
  d.setHours(hour, minute, second, 0);
  return BigInt(d.getTime()) * 1_000_000n;
}

// RFC3339 -> epoch seconds (returned; NaN when malformed) and nanoseconds within the second (left
// in instantNanos), without a regex, Date or bigint: the hot path of timestamp conditions, and the
// one RFC3339 reader of the tree.
let instantNanos = 0;

/** Nanoseconds within the second of the last instant parseInstant accepted. */
export function lastInstantNanos(): number {
  return instantNanos;
}

function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** RFC3339 -> whole epoch seconds (NaN when malformed); the fraction is left for lastInstantNanos(). */
export function parseInstant(s: string): number {
  const len = s.length;
  if (len < 20) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116) return NaN; // T or t
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  let i = 19;
  let nanos = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    const start = i;
    while (i < len && i - start < 10) {
      const d = s.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      nanos = nanos * 10 + d;
      i++;
    }
    const count = i - start;
    if (count === 0 || count > 9) return NaN;
    for (let k = count; k < 9; k++) nanos *= 10;
  }
  const offset = offsetAt(s, i);
  if (Number.isNaN(offset) || !validCivil(year, month, day, hour, minute, second)) return NaN;
  instantNanos = nanos;
  return daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
}

/** The offset in minutes of `Z` or `+HH:MM` ending the text at `i`; NaN when it is not that. */
function offsetAt(s: string, i: number): number {
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) return i + 1 === s.length ? 0 : NaN;
  if (z !== 43 && z !== 45) return NaN;
  if (i + 6 !== s.length || s.charCodeAt(i + 3) !== 58) return NaN;
  const oh = digits(s, i + 1, 2);
  const om = digits(s, i + 4, 2);
  if (!(oh <= 23 && om <= 59)) return NaN;
  return (z === 45 ? -1 : 1) * (oh * 60 + om);
}

function validCivil(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** `YYYY-MM-DD HH:MM:SS` of an RFC3339 value, in the value's own offset (what the host's clock said). */
export function shortTimestamp(rfc3339: string): string {
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 19)}`;
}

/**
 * Epoch nanoseconds + a UTC offset in minutes -> RFC3339 with nine fraction digits, e.g.
 * `2026-11-22T15:04:05.123456789+09:00`.
 */
export function formatTimestamp(epochNs: bigint, offsetMinutes: number): string {
  const localNs = epochNs + BigInt(offsetMinutes) * 60_000_000_000n;
  const seconds = localNs / 1_000_000_000n - (localNs < 0n && localNs % 1_000_000_000n !== 0n ? 1n : 0n);
  const fraction = localNs - seconds * 1_000_000_000n;
  const d = new Date(Number(seconds) * 1000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}` +
    `.${fraction.toString().padStart(9, '0')}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
  );
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The text after the last `/` (all of it when there is none). */
function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * A `basenamesOf` field (fields.ts): whether the basenames of two values differ, the first read
 * by its first element when it is a list (argv[0]); undefined when either is missing or the list
 * is empty. The SQL back end computes the same (query/sql.ts basenamesDifferSql).
 */
export function basenamesDiffer(a: unknown, b: unknown): boolean | undefined {
  const first = Array.isArray(a) ? a[0] : a;
  if (typeof first !== 'string' || typeof b !== 'string') return undefined;
  return basename(first) !== basename(b);
}
