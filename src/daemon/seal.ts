// The seal slot of precd's chain (SPEC section 12): decode -> enrich -> filter -> serialize -> SEAL ->
// batch/encode -> file. Every line that reaches the log passes through it, in file order: pipeline
// records, the kernel's loss records, and the loss record for records a write error cost, which is
// written first when writing resumes. Lines dropped while writing fails never reach it.
// The slot holds src/seal's Sealer (issue 17), or passThrough() in tests of the writer alone.

/** Where a stage hands lines on: the batch of the file now open. */
export interface LineOut {
  /** One serialized record, without newline. */
  write(line: string): void;
  /**
   * The exact bytes (UTF-8, each line ending with its newline) of the lines written since the
   * previous call, or since the batch last went to the frame (SealStage.taking got those): a stage
   * hashes them without encoding every line a second time. The view is valid until the next write.
   */
  bytesSince(): Buffer;
}

export interface SealStage {
  /**
   * One line on its way to the file. The stage passes it on to `out` and may add lines of its own
   * (a seal record) before or after it; whatever it writes to `out` is the file's order.
   */
  line(line: string, out: LineOut): void;
  /** A file was just opened (start, SIGHUP reopen): the first lines it gets. The writer flushes after. */
  opened(out: LineOut): void;
  /** The seal timer fired (seal_interval_s): lines of the stage's own, if any. The writer flushes after. */
  tick(out: LineOut): void;
  /** The file is about to be finished and closed (SIGHUP reopen, shutdown): the last lines it gets. */
  closing(out: LineOut): void;
  /** Every line passed on so far reached a flush point of the file: a later write error cannot undo it. */
  committed(): void;
  /** A write error discarded every line passed on since the last committed(): they are not in the file. */
  discarded(): void;
  /** The batch goes to the frame: the bytes of the lines written to it since the last bytesSince() (same bytes contract). */
  taking(bytes: Buffer): void;
}

/** The empty slot: every line passes unchanged; no lines of its own. */
export function passThrough(): SealStage {
  return {
    line: (line, out) => out.write(line),
    opened: () => {},
    tick: () => {},
    closing: () => {},
    committed: () => {},
    discarded: () => {},
    taking: () => {},
  };
}
