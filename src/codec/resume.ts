// What the zstd and gzip decoders share around damage and a change of format: the input window,
// the probe for plain record lines, the one warning about damage skipped, and the hand-over of
// the rest of the input to another decoder when the log's compress setting changed.
import { PlainProbe, type RecordRule } from './resync.js';
import { InputWindow, type ByteSink, type OutputBuffer, type Warn } from './sink.js';

export interface DecoderOptions {
  /** What a plain record line is (see resync.ts). */
  readonly records: RecordRule;
  /**
   * Receives the rest of the input when plain records or a frame of the other format follow (the
   * log's compress setting changed): the decoder is then done. After damage, plain record lines
   * are looked for as well as the next frame.
   */
  readonly onOtherFormat?: (rest: Buffer) => void;
  /**
   * Offset of the decoder's first input byte in the stream being read (a file whose format
   * changed is decoded in parts): warnings give offsets in that stream.
   */
  readonly base?: number;
}

/** What a decoder calls the unit it resumes at, in its warnings. */
const UNITS = { zstd: ['zstd frame', 'frame'], gzip: ['gzip data', 'member'] } as const;

/** The one warning about damaged bytes skipped: where reading resumed, or that it never did (-1). */
export function damagedMessage(label: string, codec: keyof typeof UNITS, at: number, resumedAt: number): string {
  const [what, unit] = UNITS[codec];
  const after = resumedAt >= 0 ? `resumed at byte ${resumedAt}` : `no ${unit} after it`;
  return `${label}: damaged ${what} at byte ${at}, ${after}`;
}

export abstract class ResyncingDecoder implements ByteSink {
  protected readonly win = new InputWindow();
  /** Plain record lines after damage (only when another format may follow: onOtherFormat). */
  protected readonly plain: PlainProbe;
  protected readonly onOtherFormat: ((rest: Buffer) => void) | undefined;
  /** Where the damage being skipped began; -1 when not skipping. */
  protected damagedAt = -1;
  /** Skipping after a gap upstream, which was reported there already. */
  protected quiet = false;
  private readonly base: number;

  constructor(
    protected readonly next: ByteSink,
    private readonly label: string,
    private readonly warn: Warn,
    private readonly codec: keyof typeof UNITS,
    options: DecoderOptions,
  ) {
    this.plain = new PlainProbe(options.records);
    this.onOtherFormat = options.onOtherFormat;
    this.base = options.base ?? 0;
  }

  abstract gap(): void;
  abstract finish(): void;

  protected abstract get output(): OutputBuffer;
  /** Handed over to another format: this decoder is done. */
  protected abstract get detached(): boolean;
  /** Decodes what it can of the input held. */
  protected abstract run(): void;
  /** Stops decoding for good: what follows is another decoder's. */
  protected abstract detach(): void;

  write(data: Buffer): void {
    if (this.detached) return;
    this.win.push(data);
    this.run();
    this.output.flush();
  }

  /** Warns that the data at `at` was damaged and reading resumed at `resumedAt` (-1: never). */
  protected warnDamaged(at: number, resumedAt: number): void {
    this.warn(damagedMessage(this.label, this.codec, this.base + at, resumedAt < 0 ? -1 : this.base + resumedAt));
  }

  /** Reading resumes at `at` (-1: the input ended) after the damage being skipped, if any. */
  protected resumeAt(at: number): void {
    if (this.damagedAt >= 0 && !this.quiet) this.warnDamaged(this.damagedAt, at);
    this.damagedAt = -1;
    this.quiet = false;
  }

  /**
   * Hands the input from `at` on to the decoder of another format. `gap`: a line this decoder's
   * content left unfinished (a frame cut by a crash) ends here. `cutAt` >= 0: the frame was cut
   * short there (warned about).
   */
  protected handOver(at: number, gap: boolean, cutAt = -1): void {
    this.output.flush();
    if (gap) this.next.gap();
    if (cutAt >= 0) this.warnDamaged(cutAt, at);
    const rest = this.win.peek(at, this.win.end - at) ?? Buffer.alloc(0);
    this.detach();
    this.onOtherFormat!(rest);
  }
}
