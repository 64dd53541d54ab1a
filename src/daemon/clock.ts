// Kernel CLOCK_MONOTONIC ns -> RFC3339Nano in the host's local offset. The realtime - monotonic
// offset is sampled at start and refreshed periodically (NTP steps, suspend), so timestamps keep the
// kernel's ns precision relative to each other. process.hrtime.bigint() reads CLOCK_MONOTONIC, the
// same clock as bpf_ktime_get_ns.
import { formatTimestamp } from '../schema/index.js';

const MAX_JITTER_NS = 2_000_000n;

export class MonoClock {
  private offsetNs = 0n; // realtime - monotonic
  private offsetMinutes = 0;
  // Records arrive in bursts within the same second: its `YYYY-MM-DDTHH:MM:SS.` and `+HH:MM` are
  // formatted once, only the nine fraction digits per record.
  private cachedSecond = -1n;
  private head = '';
  private tail = '';

  constructor(
    private readonly monoNow: () => bigint = () => process.hrtime.bigint(),
    private readonly realNowMs: () => number = Date.now,
  ) {
    this.refresh();
  }

  /** Re-samples the offset and the local UTC offset. */
  refresh(): void {
    const before = this.monoNow();
    const realMs = this.realNowMs();
    const after = this.monoNow();
    // Date.now() truncates to the ms: the true realtime lies in [ms, ms+1): take the middle.
    const realNs = BigInt(realMs) * 1_000_000n + 500_000n;
    const offset = realNs - (before + (after - before) / 2n);
    // Each sample is only good to about a millisecond: keep the old offset unless the clock really
    // moved (NTP step, suspend), so consecutive records do not jitter against each other.
    const drift = offset - this.offsetNs;
    if (this.offsetNs === 0n || drift > MAX_JITTER_NS || drift < -MAX_JITTER_NS) this.offsetNs = offset;
    this.offsetMinutes = -new Date(realMs).getTimezoneOffset();
    this.cachedSecond = -1n;
  }

  epochNs(monoNs: bigint): bigint {
    return monoNs + this.offsetNs;
  }

  format(monoNs: bigint): string {
    const epochNs = monoNs + this.offsetNs;
    if (epochNs < 0n) return formatTimestamp(epochNs, this.offsetMinutes);
    const second = epochNs / 1_000_000_000n;
    if (second !== this.cachedSecond) {
      const full = formatTimestamp(second * 1_000_000_000n, this.offsetMinutes);
      this.head = full.slice(0, 20);
      this.tail = full.slice(29);
      this.cachedSecond = second;
    }
    return this.head + String(epochNs - second * 1_000_000_000n).padStart(9, '0') + this.tail;
  }

  /** Now, as a record timestamp (loss records). */
  now(): string {
    return this.format(this.monoNow());
  }
}
