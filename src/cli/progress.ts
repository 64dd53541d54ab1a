// Progress of a long read, on stderr, only when stderr is a terminal and only once reading has taken
// a few seconds: short runs and redirected output never see it. The line is cleared before any output
// row is written and at the end, so it never mixes with the rows.
//
// Any command uses it the same way (list, stats, hunt, verify, --server):
//   const progress = new Progress(process.stderr, { label: 'hunting' });
//   out.setBeforeWrite(() => progress.clear());            // when it writes rows to an Output
//   readRecordsFrom(files, { onProgress: progress.onBytes, onWarning: progress.warn }, stats);
//   progress.rows(n)                                       // a count instead of bytes (--server)
//   const stop = progress.counting(() => n, 'rows received') // redrawn while nothing else calls (a slow server)
//   try { ... } finally { progress.clear(); }              // or: await progress.around(work)

// Test hook PREC_PROGRESS_AFTER_MS: lets a test see the display without a multi-second read.
const SHOW_AFTER_MS = showAfter();

function showAfter(): number {
  const v = Number(process.env.PREC_PROGRESS_AFTER_MS);
  return Number.isSafeInteger(v) && v >= 0 && process.env.PREC_PROGRESS_AFTER_MS !== '' ? v : 2000;
}
const REDRAW_EVERY_MS = 200;

export interface ProgressOptions {
  /** What is going on, after `prec: ` (default `reading logs`). */
  readonly label?: string;
  /** Draw at all (default: stderr is a terminal). */
  readonly enabled?: boolean;
}

export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private shown = false;
  private readonly enabled: boolean;
  private readonly label: string;

  constructor(
    private readonly stderr: NodeJS.WriteStream,
    opts: ProgressOptions | boolean = {},
  ) {
    const o = typeof opts === 'boolean' ? { enabled: opts } : opts;
    this.enabled = o.enabled ?? stderr.isTTY === true;
    this.label = o.label ?? 'reading logs';
  }

  /** Bytes read of the total (compressed bytes, as rows/ readRecordsFrom reports them). */
  update(bytesRead: number, totalBytes: number): void {
    if (!this.due()) return;
    const pct = totalBytes > 0 ? Math.min(100, Math.floor((bytesRead * 100) / totalBytes)) : 0;
    this.draw(`${mib(bytesRead)} of ${mib(totalBytes)} (${pct}%)`);
  }

  /** update() as a callback, for InputOptions.onProgress / FileRowOptions.onProgress. */
  readonly onBytes = (bytesRead: number, totalBytes: number): void => this.update(bytesRead, totalBytes);

  /** A count of things done when bytes are not known (rows from a --server query, rules run). */
  rows(count: number, what = 'rows'): void {
    if (!this.due()) return;
    this.draw(`${count.toLocaleString('en-US')} ${what}`);
  }

  /**
   * Draws `count()` now and then until the returned function is called (which clears the line):
   * for a wait in which nothing reports progress, such as a server still computing its answer.
   */
  counting(count: () => number, what: string): () => void {
    if (!this.enabled) return () => {};
    this.rows(count(), what);
    const timer = setInterval(() => this.rows(count(), what), REDRAW_EVERY_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      this.clear();
    };
  }

  /** A warning on its own line, `prec: MESSAGE`, the progress line cleared first. */
  readonly warn = (message: string): void => {
    this.clear();
    this.stderr.write(`prec: ${message}\n`);
  };

  /** Runs `work`, clearing the line when it ends, however it ends. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.clear();
    }
  }

  clear(): void {
    if (!this.shown) return;
    this.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  private due(): boolean {
    if (!this.enabled) return false;
    const now = Date.now();
    if (now - this.started < SHOW_AFTER_MS || now - this.lastDraw < REDRAW_EVERY_MS) return false;
    this.lastDraw = now;
    return true;
  }

  private draw(text: string): void {
    this.stderr.write(`\r\x1b[Kprec: ${this.label}: ${text}`);
    this.shown = true;
  }
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
