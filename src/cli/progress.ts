// Progress of a long read, on stderr, only when stderr is a terminal and only once reading has taken
// a few seconds: short runs and redirected output never see it. The line is cleared before any output
// row is written and at the end, so it never mixes with the rows.

// Test hook PREC_PROGRESS_AFTER_MS: lets a test see the display without a multi-second read.
const SHOW_AFTER_MS = showAfter();

function showAfter(): number {
  const v = Number(process.env.PREC_PROGRESS_AFTER_MS);
  return Number.isSafeInteger(v) && v >= 0 && process.env.PREC_PROGRESS_AFTER_MS !== '' ? v : 2000;
}
const REDRAW_EVERY_MS = 200;

export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly stderr: NodeJS.WriteStream,
    private readonly enabled = stderr.isTTY === true,
  ) {}

  update(bytesRead: number, totalBytes: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < SHOW_AFTER_MS || now - this.lastDraw < REDRAW_EVERY_MS) return;
    this.lastDraw = now;
    const pct = totalBytes > 0 ? Math.min(100, Math.floor((bytesRead * 100) / totalBytes)) : 0;
    this.stderr.write(`\r\x1b[Kprec: reading logs: ${mib(bytesRead)} of ${mib(totalBytes)} (${pct}%)`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
