// `prec verify` (SPEC section 12): reads the log files the way `prec -a` does (any compression,
// oldest first), feeds every decompressed line to src/seal's Verifier and prints one verdict per
// file. Exit status: 0 everything verified, 1 tampering or damage found, 2 could not verify
// (bad or wrong key, unreadable key file, no seal in the files, usage errors).
// --since/--until choose which files are verified, never where a chain check starts: a file is
// verified whole or not at all (every file begins with an opening seal, so a later file verifies on
// its own), and files wholly outside the window are not read. The report then says how many of
// the window's records each file holds and how many a verified seal covers.
import { readFileSync, statSync } from 'node:fs';
import { discoverLogTimes, readLogBatches } from '../log/index.js';
import { filesInRange, type TimeRange } from '../rows/index.js';
import { formatTimestamp, parseTimestampNs } from '../schema/index.js';
import { parseVerificationKey } from '../seal/keys.js';
import { Verifier, type FileReport, type InWindow } from '../seal/verify.js';
import { escapeText } from './escape.js';
import { defaultInput } from './options.js';
import { Progress } from './progress.js';
import { parseWindow } from './window.js';

export interface VerifyOptions {
  input?: string;
  allLogs: boolean;
  key?: string;
  keyFile?: string;
  output?: string;
  since?: string;
  until?: string;
}

/** Could not verify: exit status 2. */
export class CannotVerify extends Error {
  override name = 'CannotVerify';
}

const CHAIN_ONLY_NOTE =
  'no verification key given: chain only (the hash chain detects damage and naive edits, not an intruder with root, who can rewrite the chain; give --key to check the MACs)';

function readKey(o: VerifyOptions): Buffer | undefined {
  if (o.key !== undefined && o.keyFile !== undefined) throw new CannotVerify('give --key or --key-file, not both');
  let text = o.key;
  if (o.keyFile !== undefined) {
    try {
      text = readFileSync(o.keyFile, 'utf8');
    } catch (e) {
      throw new CannotVerify(`cannot read key file ${escapeText(o.keyFile)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  if (text === undefined) return undefined;
  const key = parseVerificationKey(text);
  if (!key) throw new CannotVerify('bad verification key: expected the 64 hex digits printed by precd --setup-keys');
  return key;
}

/** --since/--until as verified: the window (local RFC3339) and the files not read, wholly outside it. */
export interface VerifyWindow {
  readonly since?: string;
  readonly until?: string;
  readonly skipped: string[];
}

export interface VerifyResult {
  readonly mode: 'mac' | 'chain-only';
  readonly verdict: 'PASS' | 'FAIL' | 'CANNOT VERIFY';
  readonly reason?: string;
  readonly window?: VerifyWindow;
  readonly files: FileReport[];
}

export interface VerifyReadOptions {
  /** Counts each file's record lines inside a window (FileReport.window). */
  readonly inWindow?: InWindow;
  /** Compressed bytes read of all the files together (Progress.onBytes). */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export async function verifyFiles(files: readonly string[], key: Buffer | undefined, o: VerifyReadOptions = {}): Promise<VerifyResult> {
  const v = new Verifier(key, o.inWindow);
  const reports: FileReport[] = [];
  const sizes = files.map(sizeOf);
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  for (const [i, file] of files.entries()) {
    v.beginFile(file);
    const done = before;
    const opts = {
      onWarning: (m: string) => v.damage(m),
      onBadLine: () => v.line('\u0000(unreadable line)'),
      onProgress: o.onProgress && ((read: number) => o.onProgress!(done + read, Math.max(total, done + read))),
    };
    for await (const batch of readLogBatches(file, opts)) for (const line of batch) v.line(line);
    reports.push(v.endFile());
    before += sizes[i]!;
  }
  const mode = key ? 'mac' : 'chain-only';
  if (reports.every((r) => r.seals === 0 && !r.problem)) {
    return { mode, verdict: 'CANNOT VERIFY', reason: 'no seal records in the files read: not a sealed log', files: reports };
  }
  if (key && v.macsVerified === 0 && reports.some((r) => r.problem?.kind === 'bad-mac')) {
    return { mode, verdict: 'CANNOT VERIFY', reason: 'the key verifies no seal at all: wrong verification key?', files: reports };
  }
  return { mode, verdict: reports.some((r) => r.problem) ? 'FAIL' : 'PASS', files: reports };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The files to verify (all, or those that may hold the window) and the ones the window leaves out. */
async function chooseFiles(o: VerifyOptions, window: TimeRange | undefined): Promise<{ files: string[]; skipped: string[] }> {
  try {
    const timed = await discoverLogTimes(o.input ?? defaultInput(), o.allLogs, window !== undefined);
    const all = timed.map((f) => f.path);
    if (!window) return { files: all, skipped: [] };
    // No ends needed: a seal covers the lines before it, never those of a later file.
    const files = filesInRange(timed, window, false);
    return { files, skipped: all.filter((f) => !files.includes(f)) };
  } catch (e) {
    throw new CannotVerify((e as Error).message);
  }
}

function inWindowOf(w: TimeRange): InWindow {
  return (ts) => {
    const ns = parseTimestampNs(ts);
    return ns !== undefined && (w.since === undefined || ns >= w.since) && (w.until === undefined || ns <= w.until);
  };
}

/** An instant of the window as RFC3339 in local time, for the report. */
function localTime(ns: bigint): string {
  return formatTimestamp(ns, -new Date(Number(ns / 1_000_000n)).getTimezoneOffset());
}

export async function runVerify(o: VerifyOptions): Promise<number> {
  const output = o.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new CannotVerify(`-o: expected text or json, got ${JSON.stringify(output)}`);
  const window = parseWindow(o.since, o.until);
  const key = readKey(o);
  const { files, skipped } = await chooseFiles(o, window);
  const progress = new Progress(process.stderr, { label: 'verifying' });
  const verified = await progress.around(() => verifyFiles(files, key, { inWindow: window && inWindowOf(window), onProgress: progress.onBytes }));
  let result: VerifyResult = verified;
  if (window) {
    const w: VerifyWindow = { since: window.since !== undefined ? localTime(window.since) : undefined, until: window.until !== undefined ? localTime(window.until) : undefined, skipped };
    result = { ...verified, window: w };
    if (files.length === 0) result = { ...result, verdict: 'CANNOT VERIFY', reason: 'no log file may hold records in the window' };
  }
  process.stdout.write(output === 'json' ? `${JSON.stringify(result)}\n` : textReport(result));
  return result.verdict === 'PASS' ? 0 : result.verdict === 'FAIL' ? 1 : 2;
}

function textReport(r: VerifyResult): string {
  const out: string[] = [];
  for (const f of r.files) {
    const name = escapeText(f.file);
    const range = f.from !== undefined ? ` ${f.from} .. ${f.to}` : '';
    const seals = f.seals > 0 ? `, seals #${f.firstSeal}..#${f.lastSeal}` : ', no seal';
    out.push(`${name}: ${f.verdict}: ${f.verified} records verified${range}${seals}`);
    if (f.problem) out.push(`  line ${f.problem.line}: ${f.problem.kind}: ${escapeText(f.problem.text)}`);
    for (const i of f.interrupted) {
      out.push(`  unsealed tail of an interrupted run: ${i.count} line(s) from line ${i.line} (precd killed before sealing them; not verified)`);
    }
    if (f.unsealedTail > 0) {
      out.push(`  unsealed tail: ${f.unsealedTail} line(s) after the last seal, from line ${f.unsealedFrom} (not verified; precd running or killed)`);
    }
    for (const n of f.notes) out.push(`  note: ${escapeText(n)}`);
    if (f.window) out.push(`  in the window: ${f.window.verified} of ${f.window.records} records verified${f.window.from !== undefined ? ` ${f.window.from} .. ${f.window.to}` : ''}`);
  }
  if (r.window) out.push(windowLine(r.window));
  out.push(r.mode === 'mac' ? 'mode: MAC (every seal checked under the key of its own epoch)' : `mode: ${CHAIN_ONLY_NOTE}`);
  out.push(r.verdict === 'CANNOT VERIFY' ? `CANNOT VERIFY: ${r.reason}` : r.verdict);
  return `${out.join('\n')}\n`;
}

function windowLine(w: VerifyWindow): string {
  const skipped = w.skipped.length === 0 ? 'no file skipped' : `not read (wholly outside it): ${w.skipped.map(escapeText).join(', ')}`;
  return `window: ${w.since ?? 'the beginning'} .. ${w.until ?? 'the end'}: files verified whole; ${skipped}`;
}
