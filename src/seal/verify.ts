// `prec verify`'s logic (SPEC section 12): the lines of each file, in order, checked against the
// seals. Lines are fed one by one (the caller reads and decompresses them); state carries across
// files, so a set of rotated files read oldest first verifies as one chain.
//
// What is checked, seal by seal (chain.ts, keys.ts, record.ts define the values):
//   - seal_seq: the previous seal's + 1; a jump inside a file is a deleted seal, a jump between
//     files a missing (deleted) file; going back is a reordered or replayed seal.
//   - with a verification key: the seal has a MAC; epoch = seal_seq - 1 (precd evolves the key at
//     every seal); the MAC verifies under key(epoch) of THAT epoch, derived from key(0) (never a key
//     of another epoch: CVE-2023-31439); prev_mac is the previous seal's mac.
//   - the chain: SHA-256 over the lines since the previous seal equals the seal's chain and their
//     number its records. Otherwise the lines were changed, reordered, inserted or deleted.
//   - an opening seal (records 0, chain unchanged): lines just before it are the unsealed tail of
//     a run that was killed (kill -9, crash): reported, not a failure; they are not verified.
// Lines after the last seal of the last file are the unsealed tail (precd still running, or killed).
// The first problem of a file is reported; its chain is then not trusted, and the next file starts
// afresh at its first seal.
// With a time window (`prec verify --since/--until`), each report also says how many record lines
// stamped inside it the file holds and how many of them a verified seal covers, and their range.
import { ChainSegment, ZERO_CHAIN } from './chain.js';
import { EpochKeys, macHex, sameMac } from './keys.js';
import { looksLikeSeal, macInput, parseSeal, type SealFields } from './record.js';

export type ProblemKind =
  | 'changed' | 'inserted' | 'deleted' | 'reordered' | 'bad-mac' | 'chain-break' | 'seal-seq-jump'
  | 'seal-seq-gap' | 'bad-seal' | 'damage' | 'no-mac';

export interface Problem {
  readonly line: number;
  readonly kind: ProblemKind;
  readonly text: string;
}

export interface FileReport {
  readonly file: string;
  readonly verdict: 'PASS' | 'FAIL';
  readonly lines: number;
  /** Record lines (not seals) covered by a seal that verified. */
  readonly verified: number;
  readonly seals: number;
  readonly firstSeal?: number;
  readonly lastSeal?: number;
  readonly from?: string;
  readonly to?: string;
  /** Lines after the last seal of this file (not verified). */
  readonly unsealedTail: number;
  readonly unsealedFrom?: number;
  /** Unsealed tails of killed runs inside the file: first line and count. */
  readonly interrupted: readonly { line: number; count: number }[];
  readonly problem?: Problem;
  readonly notes: readonly string[];
  /** With a window: the record lines stamped inside it, those a verified seal covers, and their range. */
  readonly window?: WindowReport;
}

export interface WindowReport {
  readonly records: number;
  readonly verified: number;
  readonly from?: string;
  readonly to?: string;
}

/** Is a record's timestamp (its text, as written) inside the window? */
export type InWindow = (timestamp: string) => boolean;

interface LastSeal {
  readonly seq: number;
  readonly chain: string;
  readonly mac?: string;
}

export class Verifier {
  private readonly keys?: EpochKeys;
  private last: LastSeal | undefined;
  private segment = new ChainSegment(ZERO_CHAIN);
  private f!: FileState;
  /** Seals whose MAC verified: none at all with a key given means the key is wrong. */
  macsVerified = 0;

  constructor(
    verificationKey?: Buffer,
    private readonly inWindow?: InWindow,
  ) {
    if (verificationKey) this.keys = new EpochKeys(verificationKey);
  }

  get keyed(): boolean {
    return this.keys !== undefined;
  }

  beginFile(file: string): void {
    this.f = new FileState(file, this.inWindow);
  }

  /** One line of the current file as read (no newline). */
  line(text: string): void {
    const f = this.f;
    f.lines++;
    if (f.problem) return;
    if (looksLikeSeal(text)) return this.seal(text);
    if (f.pending === 0) f.pendingFrom = f.lines;
    f.pending++;
    f.note(text);
    this.segment.add(text);
  }

  /**
   * The reader skipped damaged compressed data here (a frame cut by kill -9 and a restart, or worse).
   * Noted, not a failure by itself: a sealed line it cost breaks the chain at its seal, and what
   * only the unsealed tail of a killed run lost is not verifiable anyway.
   */
  damage(message: string): void {
    this.f.notes.push(message);
  }

  endFile(): FileReport {
    const f = this.f;
    if (f.problem) this.last = undefined;
    return f.report();
  }

  private seal(text: string): void {
    const f = this.f;
    const s = parseSeal(text);
    if (typeof s === 'string') {
      this.fail('bad-seal', f.lines, s);
      return;
    }
    if (this.keys && !this.checkMac(s, text)) return;
    if (!this.checkSeq(s)) return;
    if (!this.checkChain(s)) return;
    this.last = { seq: s.seal_seq, chain: s.chain, mac: s.mac };
    this.segment = new ChainSegment(Buffer.from(s.chain, 'hex'));
    f.sealed(s.seal_seq);
  }

  private checkMac(s: SealFields, text: string): boolean {
    const at = this.f.lines;
    if (s.mac === undefined) return this.fail('no-mac', at, `seal #${s.seal_seq} has no MAC, but a key was given (MACs stripped, or a chain-only log)`);
    if (s.epoch !== s.seal_seq - 1) return this.fail('bad-mac', at, `seal #${s.seal_seq} claims epoch ${s.epoch}; its epoch is ${s.seal_seq - 1}`);
    const key = this.keys!.at(s.epoch);
    const input = macInput(text);
    if (!key || input === undefined || !sameMac(macHex(key, input), s.mac)) {
      return this.fail('bad-mac', at, `seal #${s.seal_seq}: bad MAC under the key of epoch ${s.epoch}`);
    }
    this.macsVerified++;
    if (this.last?.mac !== undefined && s.seal_seq === this.last.seq + 1 && s.prev_mac !== this.last.mac) {
      return this.fail('chain-break', at, `seal #${s.seal_seq}: prev_mac is not the MAC of seal #${this.last.seq}`);
    }
    return true;
  }

  private checkSeq(s: SealFields): boolean {
    const f = this.f;
    const last = this.last;
    if (!last) {
      // The first seal read: what came before it is not available (older files rotated away).
      if (f.pending > 0) return this.fail('inserted', f.pendingFrom, `${f.pending} line(s) before the first seal (line ${f.lines}): not covered by any seal`);
      if (s.records > 0 || s.seal_seq > 1) f.notes.push(`starts at seal #${s.seal_seq}: earlier seals are not in the files read`);
      return true;
    }
    if (!this.keys && s.mac === undefined && s.seal_seq === 1 && s.records === 0 && s.chain === ZERO_CHAIN.toString('hex')) {
      // A chain-only precd keeps no state across restarts: a new chain begins.
      f.notes.push(`line ${f.lines}: a new chain begins (precd restarted without a key file)`);
      this.interrupted();
      this.last = undefined;
      return true;
    }
    if (s.seal_seq === last.seq + 1) return true;
    if (s.seal_seq <= last.seq) return this.fail('reordered', f.lines, `seal #${s.seal_seq} follows seal #${last.seq}: seals out of order or replayed`);
    const missing = `seal${s.seal_seq - last.seq > 2 ? 's' : ''} #${last.seq + 1}${s.seal_seq - last.seq > 2 ? `..#${s.seal_seq - 1}` : ''}`;
    if (f.seals === 0 && f.lines === 1) {
      return this.fail('seal-seq-gap', 1, `seal_seq gap between files: ${missing} missing (a rotated file deleted or missing, or its end cut)`);
    }
    return this.fail('seal-seq-jump', f.lines, `seal_seq jumps from #${last.seq} to #${s.seal_seq}: ${missing} deleted`);
  }

  private checkChain(s: SealFields): boolean {
    const f = this.f;
    const last = this.last;
    if (!last) return true;
    const n = f.pending;
    if (s.records === 0 && s.chain === last.chain) {
      this.interrupted();
      return true;
    }
    if (n === s.records && s.chain === this.segment.value().toString('hex')) {
      f.verify();
      return true;
    }
    const where = n > 0 ? `lines ${f.pendingFrom}..${f.lines - 1}` : 'no lines';
    const sealed = `seal #${s.seal_seq} (line ${f.lines}) covers ${s.records} line(s)`;
    if (n > s.records) return this.fail('inserted', f.pendingFrom, `${where}: ${n - s.records} line(s) inserted: ${sealed}, ${n} found`);
    if (n < s.records) return this.fail('deleted', f.pendingFrom, `${where}: ${s.records - n} line(s) deleted: ${sealed}, ${n} found`);
    if (f.backwards !== undefined) return this.fail('reordered', f.backwards, `${where}: lines reordered (line ${f.backwards} is out of event_id order): chain of ${sealed} differs`);
    return this.fail('changed', f.pendingFrom, `${where}: a line was changed: chain of ${sealed} differs`);
  }

  /** An opening seal: the lines before it are the unsealed tail of a run that was killed. */
  private interrupted(): void {
    const f = this.f;
    if (f.pending > 0) f.interrupted.push({ line: f.pendingFrom, count: f.pending });
    f.dropPending();
  }

  private fail(kind: ProblemKind, line: number, text: string): false {
    this.f.problem ??= { line, kind, text };
    return false;
  }
}

/** Per-file counters and the lines since the last seal. */
class FileState {
  lines = 0;
  verified = 0;
  seals = 0;
  firstSeal?: number;
  lastSeal?: number;
  from?: string;
  to?: string;
  pending = 0;
  pendingFrom = 0;
  private pendingFirst?: string;
  private pendingLast?: string;
  private lastSeq?: { prefix: string; n: number; line: number };
  /** First line of the pending segment that is out of event_id order. */
  backwards?: number;
  readonly interrupted: { line: number; count: number }[] = [];
  readonly notes: string[] = [];
  problem?: Problem;
  private readonly win?: { records: number; verified: number; pending: number; from?: string; to?: string; pendingFirst?: string; pendingLast?: string };

  constructor(
    readonly file: string,
    private readonly inWindow?: InWindow,
  ) {
    if (inWindow) this.win = { records: 0, verified: 0, pending: 0 };
  }

  /** Time and event_id of a record line, read from its text (the keys precd writes first). */
  note(text: string): void {
    const ts = /^\{"timestamp":"([^"\\]*)"/.exec(text)?.[1];
    if (ts !== undefined) {
      this.pendingFirst ??= ts;
      this.pendingLast = ts;
      if (this.win && this.inWindow!(ts)) {
        this.win.records++;
        this.win.pending++;
        this.win.pendingFirst ??= ts;
        this.win.pendingLast = ts;
      }
    }
    const id = /"event_id":"([^"\\]*)-(\d+)"/.exec(text);
    if (!id || /"record_type":"end"/.test(text)) return;
    const n = Number(id[2]);
    // The line before one whose event_id is lower is the first out of order (exact for a swap).
    if (this.lastSeq && this.lastSeq.prefix === id[1] && n < this.lastSeq.n) this.backwards ??= this.lastSeq.line;
    this.lastSeq = { prefix: id[1]!, n, line: this.lines };
  }

  sealed(seq: number): void {
    this.seals++;
    this.firstSeal ??= seq;
    this.lastSeal = seq;
  }

  verify(): void {
    this.verified += this.pending;
    if (this.pendingFirst !== undefined) this.from ??= this.pendingFirst;
    if (this.pendingLast !== undefined) this.to = this.pendingLast;
    if (this.win) {
      this.win.verified += this.win.pending;
      if (this.win.pendingFirst !== undefined) this.win.from ??= this.win.pendingFirst;
      if (this.win.pendingLast !== undefined) this.win.to = this.win.pendingLast;
    }
    this.dropPending();
  }

  dropPending(): void {
    this.pending = 0;
    this.pendingFirst = undefined;
    this.pendingLast = undefined;
    this.backwards = undefined;
    if (this.win) {
      this.win.pending = 0;
      this.win.pendingFirst = undefined;
      this.win.pendingLast = undefined;
    }
  }

  report(): FileReport {
    return {
      file: this.file,
      verdict: this.problem ? 'FAIL' : 'PASS',
      lines: this.lines,
      verified: this.verified,
      seals: this.seals,
      firstSeal: this.firstSeal,
      lastSeal: this.lastSeal,
      from: this.from,
      to: this.to,
      unsealedTail: this.problem ? 0 : this.pending,
      unsealedFrom: this.problem || this.pending === 0 ? undefined : this.pendingFrom,
      interrupted: this.interrupted,
      problem: this.problem,
      notes: this.notes,
      ...(this.win && { window: { records: this.win.records, verified: this.win.verified, from: this.win.from, to: this.win.to } }),
    };
  }
}
