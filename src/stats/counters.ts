// The numbers of `prec stats` (SPEC 14), counted row by row: no row is kept, only counters, so a
// year of logs costs the memory of its distinct users, programs and hours, not of its commands.
import { lastInstantNanos, parseInstant } from '../schema/index.js';
import { TimeBuckets, type Histogram } from './buckets.js';

type Row = Readonly<Record<string, unknown>>;

/** One entry of a top-N list: a value and how many rows had it. */
export interface TopEntry {
  readonly value: string;
  readonly count: number;
}

/** What `prec stats -o json` prints (one object) and the text view shows. */
export interface StatsSummary {
  /** Earliest and latest row timestamps seen (RFC3339, as written), null when no row. */
  readonly first: string | null;
  readonly last: string | null;
  readonly totals: {
    /** Command rows (a start, merged with its end when read). */
    readonly commands: number;
    /** fail rows: execs that did not happen (ENOENT, EACCES ...). */
    readonly failures: number;
    /** Commands that ended with a non-zero exit status (or a signal). */
    readonly nonzero_exits: number;
    /** Sum of lost_samples of the loss rows: events the kernel dropped. */
    readonly losses: number;
    readonly users: number;
    readonly hosts: number;
  };
  /**
   * The hosts counted, in name order (at most `top`): the rows' `host` values, or, when no row
   * carries one (precd's own log; prec-ship adds it), the local host.
   */
  readonly hosts_seen: readonly string[];
  /** Most frequent first, ties by value; at most `top` entries each. */
  readonly top: {
    readonly user: readonly TopEntry[];
    readonly exe: readonly TopEntry[];
    readonly comm: readonly TopEntry[];
    readonly parent_exe: readonly TopEntry[];
    readonly exit_status: readonly TopEntry[];
  };
  /** Commands and failures per hour or per day (local time), oldest first, empty buckets included. */
  readonly histogram: Histogram;
}

const TOP_FIELDS = ['user', 'exe', 'comm', 'parent_exe'] as const;

export class StatsCounter {
  private commands = 0;
  private failures = 0;
  private nonzero = 0;
  private losses = 0;
  private readonly users = new Set<string>();
  private readonly hosts = new Set<string>();
  private readonly counts = new Map<string, Map<string, number>>(
    [...TOP_FIELDS, 'exit_status'].map((f) => [f, new Map<string, number>()]),
  );
  private readonly buckets = new TimeBuckets();
  private firstNs: [number, number, string] | undefined;
  private lastNs: [number, number, string] | undefined;

  /** Counts one selected row (a command, fail or loss row). */
  add(row: Row): void {
    switch (row.record_type) {
      case 'loss':
        if (typeof row.lost_samples === 'number') this.losses += row.lost_samples;
        return this.seen(row);
      case 'fail':
        this.failures++;
        break;
      case 'command':
        this.commands++;
        if (typeof row.exit_status === 'number' && row.exit_status !== 0) {
          this.nonzero++;
          this.bump('exit_status', String(row.exit_status));
        }
        break;
      default:
        return;
    }
    if (typeof row.user === 'string') this.users.add(row.user);
    if (typeof row.host === 'string') this.hosts.add(row.host);
    for (const f of TOP_FIELDS) {
      const v = row[f];
      if (typeof v === 'string' && v !== '') this.bump(f, v);
    }
    this.seen(row);
  }

  /** Counts a loss row that the selection did not keep (losses are never hidden, SPEC 1). */
  addLoss(row: Row): void {
    if (row.record_type === 'loss' && typeof row.lost_samples === 'number') this.losses += row.lost_samples;
  }

  summary(top: number, localHost: string): StatsSummary {
    const anyRow = this.commands + this.failures > 0;
    const topOf = (f: string): TopEntry[] =>
      [...this.counts.get(f)!]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, top)
        .map(([value, count]) => ({ value, count }));
    return {
      first: this.firstNs?.[2] ?? null,
      last: this.lastNs?.[2] ?? null,
      totals: {
        commands: this.commands,
        failures: this.failures,
        nonzero_exits: this.nonzero,
        losses: this.losses,
        users: this.users.size,
        // Logs written by precd carry no host (prec-ship adds it): then they are this host's.
        hosts: this.hosts.size > 0 ? this.hosts.size : anyRow ? 1 : 0,
      },
      hosts_seen: this.hosts.size > 0 ? [...this.hosts].sort().slice(0, top) : anyRow ? [localHost] : [],
      top: { user: topOf('user'), exe: topOf('exe'), comm: topOf('comm'), parent_exe: topOf('parent_exe'), exit_status: topOf('exit_status') },
      histogram: this.buckets.histogram(),
    };
  }

  private bump(field: string, value: string): void {
    const m = this.counts.get(field)!;
    m.set(value, (m.get(value) ?? 0) + 1);
  }

  private seen(row: Row): void {
    const ts = row.timestamp;
    if (typeof ts !== 'string') return;
    const s = parseInstant(ts);
    if (Number.isNaN(s)) return;
    const ns = lastInstantNanos();
    if (row.record_type !== 'loss') this.buckets.add(s, row.record_type === 'fail');
    if (!this.firstNs || s < this.firstNs[0] || (s === this.firstNs[0] && ns < this.firstNs[1])) this.firstNs = [s, ns, ts];
    if (!this.lastNs || s > this.lastNs[0] || (s === this.lastNs[0] && ns > this.lastNs[1])) this.lastNs = [s, ns, ts];
  }
}
