// Loss accounting: the kernel's drop counter (failed ring-buffer reserves), read at least once a
// second, and records the writer could not write (disk full). Any increase becomes a loss record
// {timestamp, record_type, lost_samples, lost_samples_total}; loss records are never filtered. Both
// kinds enter the writer's chain in front of the seal slot: the kernel's through the sink, the
// write-error ones as the line the writer's retry asks for (unwrittenLine) when writing resumes.
import type { LostSamplesAction } from './defaults.js';
import { lossBag, serialize } from './records.js';

export interface LossSink {
  /** One serialized record, without newline. */
  write(line: string): void;
}

export class LossMonitor {
  private kernelSeen = 0;
  private total = 0;
  private stopped = false;
  /** Loss records made (kernel drops and unwritten records), for the metrics file. */
  records = 0;

  constructor(
    private readonly readKernelDrops: () => number | bigint,
    private readonly action: LostSamplesAction,
    private readonly sink: LossSink,
    private readonly now: () => string,
    /** lost_samples_action = "stop": called once, after the loss record was written. */
    private readonly onStop: (lost: number) => void = () => {},
  ) {}

  get lostTotal(): number {
    return this.total;
  }

  /** Reads the kernel counter; writes a loss record for any increase. */
  poll(): void {
    const current = Number(this.readKernelDrops());
    if (!(current > this.kernelSeen)) return;
    const lost = current - this.kernelSeen;
    this.kernelSeen = current;
    this.total += lost;
    if (this.action === 'ignore' || this.stopped) return;
    this.records++;
    this.sink.write(serialize(lossBag(this.now(), lost, this.total)));
    if (this.action === 'stop') {
      this.stopped = true;
      this.onStop(lost);
    }
  }

  /**
   * The writer could not write `count` records and can write again: the loss line it writes first.
   * Counted in lost_samples_total with the kernel's drops, whatever lost_samples_action says (that
   * setting is about the kernel side).
   */
  unwrittenLine(count: number): string {
    this.total += count;
    this.records++;
    return serialize(lossBag(this.now(), count, this.total));
  }
}
