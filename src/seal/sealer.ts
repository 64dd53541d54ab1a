// precd's side of sealing: the stage in the seal slot of its output chain (src/daemon/seal.ts's
// SealStage, matched structurally: seal/ does not import the daemon). Every line on its way to the
// file is added to the chain; a seal record is written
//   - opened(): first in every file precd opens (start, SIGHUP reopen): `records` 0, the chain as it
//     was. It gives a file read alone its starting chain value and, after a kill -9, marks where the
//     unsealed tail of the killed run ends;
//   - tick(): every seal_interval_s, when lines were written since the last seal;
//   - closing(): before a file is closed (SIGHUP, shutdown), when lines were written since the last seal.
// So a seal with `records` 0 is always an opening seal. The state after a seal (next epoch's key,
// seal_seq, chain, mac) is saved when the writer reports the seal line flushed (committed(); the
// writer flushes at once after every seal), before any other line: file and key file stay in step.
// A write error that discards lines rolls the chain and the state back to the last flush point.
import { ChainSegment, ZERO_CHAIN } from './chain.js';
import { evolveKey } from './keys.js';
import { sealLine, ZERO_MAC } from './record.js';
import type { ChainState, SealState } from './state.js';

export interface SealOut {
  write(line: string): void;
  /**
   * The bytes of the lines written since the previous call, as the writer's batch holds them
   * (src/daemon/seal.ts LineOut); with it the chain hashes the batch instead of encoding each line
   * again (the writer's path cost). Absent: each line is encoded for the chain on its own.
   */
  bytesSince?(): Buffer;
}

export interface SealerOptions {
  /** The key file's state; undefined: chain-only seals (no MAC). */
  readonly state: SealState | undefined;
  /** Chain-only seals: where the last run left off (state.ts loadChainState); absent: seal_seq from 1. */
  readonly chainOnly?: ChainState;
  /**
   * Saves the state after a seal reached the file (state.ts saveState, or saveChainState of its
   * seal_seq and chain when chain-only); may throw.
   */
  readonly persist: (state: SealState) => void;
  /** Timestamp of a seal record (the records' format). */
  readonly now: () => string;
  /** A state that could not be saved: one line for stderr. */
  readonly report: (message: string) => void;
}

/** Chain-only runs: the key is a placeholder never used for a MAC, the epoch follows seal_seq. */
function chainOnly(from: ChainState | undefined): SealState {
  const sealSeq = from?.sealSeq ?? 0;
  return { epoch: sealSeq, key: Buffer.alloc(0), sealSeq, chain: from?.chain ?? ZERO_CHAIN, mac: ZERO_MAC };
}

export class Sealer {
  private readonly keyed: boolean;
  private state: SealState;
  private segment: ChainSegment;
  /** The state and chain at the last flush point, restored when a write error discards lines. */
  private saved: { state: SealState; segment: ChainSegment };
  private unsaved = false;
  private failedSave = false;
  /** A seal line is being written: batch bytes handed over now are its own, which the chain skips. */
  private writingSeal = false;

  constructor(private readonly opts: SealerOptions) {
    this.keyed = opts.state !== undefined;
    this.state = opts.state ?? chainOnly(opts.chainOnly);
    this.segment = new ChainSegment(this.state.chain);
    this.saved = { state: this.state, segment: this.segment.copy() };
  }

  get sealsWritten(): number {
    return this.state.sealSeq;
  }

  line(line: string, out: SealOut): void {
    if (!out.bytesSince) {
      this.segment.add(line);
      out.write(line);
      return;
    }
    // Hashed later from the batch (taking(), or bytesSince() at the next seal); counted now.
    out.write(line);
    this.segment.count++;
  }

  /** The batch goes to the frame: the bytes of the lines written since the last bytesSince(). */
  taking(bytes: Buffer): void {
    if (!this.writingSeal) this.segment.addBytes(bytes);
  }

  opened(out: SealOut): void {
    this.seal(out);
  }

  tick(out: SealOut): void {
    if (this.segment.count > 0) this.seal(out);
  }

  closing(out: SealOut): void {
    if (this.segment.count > 0) this.seal(out);
  }

  committed(): void {
    if (this.unsaved) this.save();
    this.unsaved = false;
    this.saved = { state: this.state, segment: this.segment.copy() };
  }

  discarded(): void {
    this.state = this.saved.state;
    this.segment = this.saved.segment.copy();
    this.unsaved = false;
  }

  private seal(out: SealOut): void {
    if (out.bytesSince) this.segment.addBytes(out.bytesSince());
    const s = this.state;
    // An opening seal covers no line and carries the chain unchanged (chain.ts).
    const chain = this.segment.count === 0 ? s.chain : this.segment.value();
    const fields = {
      timestamp: this.opts.now(),
      seal_seq: s.sealSeq + 1,
      epoch: s.epoch,
      records: this.segment.count,
      chain: chain.toString('hex'),
      prev_mac: s.mac,
    };
    const line = sealLine(fields, this.keyed ? s.key : undefined);
    const mac = this.keyed ? line.slice(-66, -2) : ZERO_MAC;
    // The old key is dropped here: from now on only key(epoch + 1) exists in this process.
    this.state = { epoch: s.epoch + 1, key: this.keyed ? evolveKey(s.key) : s.key, sealSeq: s.sealSeq + 1, chain, mac };
    this.segment = new ChainSegment(chain);
    this.unsaved = true;
    this.writingSeal = true;
    try {
      out.write(line);
    } finally {
      this.writingSeal = false;
    }
    out.bytesSince?.(); // the seal line's own bytes: not part of the chain (chain.ts)
  }

  private save(): void {
    try {
      this.opts.persist(this.state);
      if (this.failedSave) this.opts.report(`seal ${this.keyed ? 'key' : 'chain'} file saved again`);
      this.failedSave = false;
    } catch (e) {
      if (!this.failedSave) {
        const risk = this.keyed ? 'the key in memory evolved; a restart would reuse an old key' : 'a restart would repeat seal_seq values';
        this.opts.report(`cannot save the sealing state: ${(e as Error).message} (${risk})`);
      }
      this.failedSave = true;
    }
  }
}
