// Loss rows hidden by a query. SPEC 7 keeps the query exact (a clause on a key a loss record lacks
// is false, so `-q auid=1000` rejects loss rows), but SPEC 1 wants kernel-side losses never hidden:
// prec says on stderr, never in the output, that losses were read and not shown, and how to see them.
import type { RowBag } from '../rows/index.js';

export const SHOW_LOSSES_HINT = "add '|| record_type=loss' to see them";

export class HiddenLosses {
  records = 0;
  /** Sum of lost_samples of the hidden loss rows: the events the kernel dropped. */
  lost = 0;

  constructor(private readonly matches: (row: RowBag) => boolean) {}

  /** The query's predicate, counting the loss rows it rejects. */
  readonly filter = (row: RowBag): boolean => {
    if (this.matches(row)) return true;
    if (row.record_type === 'loss') {
      this.records++;
      if (typeof row.lost_samples === 'number') this.lost += row.lost_samples;
    }
    return false;
  };

  /** What to say about the loss rows counted since the last call (list mode: all of them), if any. */
  take(): string | undefined {
    if (this.records === 0) return undefined;
    const { records, lost } = this;
    this.records = 0;
    this.lost = 0;
    const what = `${records} loss record${records === 1 ? '' : 's'} (${lost} event${lost === 1 ? '' : 's'} dropped)`;
    return `${what} in the logs read ${records === 1 ? 'is' : 'are'} not shown by the query; ${SHOW_LOSSES_HINT}`;
  }

  /** Follow mode: what to say about a hidden loss row that just arrived (as counted by filter), if any. */
  takeLive(): string | undefined {
    if (this.records === 0) return undefined;
    const { records, lost } = this;
    this.records = 0;
    this.lost = 0;
    const what = records === 1 ? `a loss record (${lost} event${lost === 1 ? '' : 's'} dropped)` : `${records} loss records (${lost} events dropped)`;
    return `${what} arrived that the query does not show; ${SHOW_LOSSES_HINT}`;
  }
}
