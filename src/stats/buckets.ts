// Commands per hour or per day for `prec stats`' bar chart. Rows are counted per UTC hour (a number
// per row, no Date); the hours become local hours or local days only once, at the end.

/** Above this many hours between the first and last row, the chart counts per day. */
export const HOURLY_MAX_HOURS = 72;

export interface Bucket {
  /** Local start of the bucket: `YYYY-MM-DD HH:00` (hourly) or `YYYY-MM-DD` (daily). */
  readonly start: string;
  readonly commands: number;
  readonly failures: number;
}

export interface Histogram {
  readonly unit: 'hour' | 'day';
  readonly buckets: readonly Bucket[];
}

export class TimeBuckets {
  /** UTC hour (epoch seconds / 3600) -> [commands, failures]. */
  private readonly hours = new Map<number, [number, number]>();

  add(epochSeconds: number, failure: boolean): void {
    const h = Math.floor(epochSeconds / 3600);
    let c = this.hours.get(h);
    if (!c) this.hours.set(h, (c = [0, 0]));
    c[failure ? 1 : 0]++;
  }

  histogram(): Histogram {
    if (this.hours.size === 0) return { unit: 'hour', buckets: [] };
    const keys = [...this.hours.keys()];
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    const unit = hi - lo + 1 > HOURLY_MAX_HOURS ? 'day' : 'hour';
    const out: { start: string; commands: number; failures: number }[] = [];
    for (let h = lo; h <= hi; h++) {
      const start = label(h, unit);
      const c = this.hours.get(h) ?? [0, 0];
      const last = out[out.length - 1];
      if (last && last.start === start) {
        last.commands += c[0];
        last.failures += c[1];
      } else {
        out.push({ start, commands: c[0], failures: c[1] });
      }
    }
    return { unit, buckets: out };
  }
}

/** The local hour or day a UTC hour starts in. */
function label(utcHour: number, unit: 'hour' | 'day'): string {
  const d = new Date(utcHour * 3_600_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return unit === 'day' ? day : `${day} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
