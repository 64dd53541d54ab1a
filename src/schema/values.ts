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

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** RFC3339 (with or without fraction, any offset) -> nanoseconds since the epoch; undefined when malformed. */
export function parseTimestampNs(text: string): bigint | undefined {
  const m = RFC3339_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const epochSeconds = utcSeconds(year, month, day, hour, minute, second) - offsetMinutes * 60;
  const fraction = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return BigInt(epochSeconds) * 1_000_000_000n + BigInt(fraction);
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

// Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as given.
function utcSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() / 1000;
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
