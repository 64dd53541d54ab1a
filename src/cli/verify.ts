// `prec verify` (SPEC section 12): reads the log files the way `prec -a` does (any compression,
// oldest first), feeds every decompressed line to src/seal's Verifier and prints one verdict per
// file. Exit status: 0 everything verified, 1 tampering or damage found, 2 could not verify
// (bad or wrong key, unreadable key file, no seal in the files, usage errors, server unreachable).
// With --server, the local seals are also compared with the copy prec-ship shipped (verify-server.ts).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { readLogBatches } from '../log/index.js';
import { resolveInputs } from '../rows/index.js';
import { parseVerificationKey } from '../seal/keys.js';
import { Verifier, type FileReport } from '../seal/verify.js';
import { escapeText } from './escape.js';
import { defaultInput } from './options.js';
import { compareWithServer, LocalSeals, serverReportLines, type ServerReport } from './verify-server.js';

export interface VerifyOptions {
  input?: string;
  allLogs: boolean;
  key?: string;
  keyFile?: string;
  output?: string;
  /** Compare with the seals shipped to this ClickHouse (--server, --table, --host). */
  server?: string;
  table?: string;
  host?: string;
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

export interface VerifyResult {
  readonly mode: 'mac' | 'chain-only';
  readonly verdict: 'PASS' | 'FAIL' | 'CANNOT VERIFY';
  readonly reason?: string;
  readonly files: FileReport[];
  readonly server?: ServerReport;
}

/** `onLine`: every line as read, with its file and 1-based line number (the server comparison takes the seals). */
export async function verifyFiles(files: readonly string[], key: Buffer | undefined, onLine?: (file: string, line: number, text: string) => void): Promise<VerifyResult> {
  const v = new Verifier(key);
  const reports: FileReport[] = [];
  for (const file of files) {
    v.beginFile(file);
    const opts = {
      onWarning: (m: string) => v.damage(m),
      onBadLine: () => v.line('\u0000(unreadable line)'),
    };
    let n = 0;
    for await (const batch of readLogBatches(file, opts)) {
      for (const line of batch) {
        v.line(line);
        onLine?.(file, ++n, line);
      }
    }
    reports.push(v.endFile());
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

export async function runVerify(o: VerifyOptions): Promise<number> {
  const output = o.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new CannotVerify(`-o: expected text or json, got ${JSON.stringify(output)}`);
  const key = readKey(o);
  let files: string[];
  try {
    files = await resolveInputs(o.input ?? defaultInput(), o.allLogs);
  } catch (e) {
    throw new CannotVerify((e as Error).message);
  }
  const result = o.server === undefined ? await verifyFiles(files, key) : await withServer(o, files, key);
  process.stdout.write(output === 'json' ? `${JSON.stringify(result)}\n` : textReport(result));
  return result.verdict === 'PASS' ? 0 : result.verdict === 'FAIL' ? 1 : 2;
}

/** Local verification plus the comparison with the server's seals: FAIL if either fails. */
async function withServer(o: VerifyOptions, files: readonly string[], key: Buffer | undefined): Promise<VerifyResult> {
  const { serverTarget } = await import('./server.js');
  const target = serverTarget(o.server, o.table)!;
  const local = new LocalSeals();
  const result = await verifyFiles(files, key, (f, n, line) => local.add(f, n, line));
  let server: ServerReport;
  try {
    server = await compareWithServer(target, o.host ?? hostname(), local.seals);
  } catch (e) {
    throw new CannotVerify((e as Error).message);
  }
  if (result.verdict === 'FAIL' || server.verdict === 'FAIL') return { ...result, verdict: 'FAIL', server };
  if (result.verdict === 'CANNOT VERIFY') return { ...result, server };
  return server.verdict === 'PASS' ? { ...result, server } : { ...result, verdict: 'CANNOT VERIFY', reason: server.notes[0], server };
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
  }
  if (r.server) out.push(...serverReportLines(r.server, escapeText));
  out.push(r.mode === 'mac' ? 'mode: MAC (every seal checked under the key of its own epoch)' : `mode: ${CHAIN_ONLY_NOTE}`);
  out.push(r.verdict === 'CANNOT VERIFY' ? `CANNOT VERIFY: ${r.reason}` : r.verdict);
  return `${out.join('\n')}\n`;
}
