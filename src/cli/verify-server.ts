// `prec verify --server URL` (SPEC sections 11 and 12): the seal records prec-ship shipped to
// ClickHouse are a copy of the log's seals kept OFF the host. Compared with the seals of the local
// files, they show what local verification alone cannot:
//   - truncated: the server has seals after the last local one: the end of the local log was cut
//     or the newest file deleted (locally this looks like a clean stop);
//   - deleted:   the server has seals, between local ones, that no local file has: a rotated file
//     (or a sealed part of one) was deleted;
//   - differs:   a seal with the same seal_seq and time differs (chain, records, epoch, MAC): the
//     local log was rewritten and re-chained (what an intruder can do to a chain-only log).
// Server seals older than the first local seal are out of scope (rotated away by logrotate), and
// local seals the server lacks are noted, not failed (prec-ship lags behind, or was not running).
// A seal is identified by seal_seq and timestamp: seal_seq alone repeats when a new chain begins
// (precd --setup-keys again, a lost seal.chain).
import { parseTimestampNs } from '../schema/index.js';
import { quoteTable } from '../schema/clickhouse.js';
import { quoteString } from '../query/sql.js';
import { looksLikeSeal, parseSeal } from '../seal/record.js';
import type { ServerTarget } from './server.js';

/** One seal: as read from a local file (file, line) or from the server (neither). */
export interface ShippedSeal {
  readonly seal_seq: number;
  readonly timestamp: string;
  readonly epoch: number;
  readonly records: number;
  readonly chain: string;
  readonly prev_mac?: string;
  readonly mac?: string;
  readonly file?: string;
  readonly line?: number;
}

export interface ServerProblem {
  readonly kind: 'truncated' | 'deleted' | 'differs';
  /** The local file and line the problem is at (or after). */
  readonly file?: string;
  readonly line?: number;
  readonly text: string;
}

export interface ServerReport {
  readonly server: string;
  readonly table: string;
  readonly host: string;
  readonly verdict: 'PASS' | 'FAIL' | 'CANNOT VERIFY';
  /** Server seals in the local files' range, and how many of them a local seal matched. */
  readonly compared: number;
  readonly matched: number;
  readonly problems: readonly ServerProblem[];
  readonly notes: readonly string[];
}

/** Collects the seals of the local files as verify reads them (the hook of verifyFiles). */
export class LocalSeals {
  readonly seals: ShippedSeal[] = [];

  add(file: string, line: number, text: string): void {
    if (!looksLikeSeal(text)) return;
    const s = parseSeal(text);
    if (typeof s !== 'string') this.seals.push({ ...s, file, line });
  }
}

const COMPARED = ['chain', 'records', 'epoch', 'mac', 'prev_mac'] as const;

/** The seals of `host` on the server, in time order, re-sent duplicates dropped. Throws serverError. */
export async function serverSeals(target: ServerTarget, host: string): Promise<ShippedSeal[]> {
  // Loaded on use: the ClickHouse client is not needed to read this report (verify.ts imports it).
  const { ask } = await import('./server.js');
  const sql =
    `SELECT seal_seq, timestamp, epoch, records, chain, prev_mac, mac FROM ${quoteTable(target.table)} ` +
    `WHERE host = ${quoteString(host)} AND record_type = 'seal' ORDER BY time_ns, seal_seq`;
  const seen = new Set<string>();
  const out: ShippedSeal[] = [];
  for (const r of await ask(target, sql)) {
    const s: ShippedSeal = {
      seal_seq: Number(r.seal_seq), timestamp: String(r.timestamp), epoch: Number(r.epoch), records: Number(r.records),
      chain: String(r.chain), prev_mac: (r.prev_mac ?? undefined) as string | undefined, mac: (r.mac ?? undefined) as string | undefined,
    };
    // A replayed batch sends a seal twice: the server keeps both until a merge.
    const id = JSON.stringify(s);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(s);
  }
  return out;
}

const ns = (s: ShippedSeal): bigint => parseTimestampNs(s.timestamp) ?? 0n;
const where = (s: ShippedSeal | undefined): string => (s ? `${s.file} line ${s.line} (seal #${s.seal_seq})` : 'the start of the local files');

/** Consecutive runs of seals as `#a..#b` (or `#a`). */
function ranges(seals: readonly ShippedSeal[]): string {
  const out: string[] = [];
  for (let i = 0; i < seals.length; ) {
    let j = i;
    while (j + 1 < seals.length && seals[j + 1]!.seal_seq === seals[j]!.seal_seq + 1) j++;
    out.push(i === j ? `#${seals[i]!.seal_seq}` : `#${seals[i]!.seal_seq}..#${seals[j]!.seal_seq}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** Compares the local seals (file order) with the server's (time order): see the header. */
export function compareSeals(local: readonly ShippedSeal[], server: readonly ShippedSeal[]): Pick<ServerReport, 'compared' | 'matched' | 'problems' | 'notes'> {
  const problems: ServerProblem[] = [];
  const notes: string[] = [];
  if (local.length === 0) return { compared: 0, matched: 0, problems, notes: ['no local seal to compare'] };
  const byId = new Map(local.map((s) => [`${s.seal_seq} ${s.timestamp}`, s]));
  const from = ns(local[0]!);
  const lastLocal = local[local.length - 1]!;
  const inScope = server.filter((s) => ns(s) >= from);
  const missing: ShippedSeal[] = [];
  const onServer = new Set<ShippedSeal>();
  let matched = 0;
  const differs: { mine: ShippedSeal; theirs: ShippedSeal; key: (typeof COMPARED)[number] }[] = [];
  for (const s of inScope) {
    const mine = byId.get(`${s.seal_seq} ${s.timestamp}`);
    if (!mine) {
      missing.push(s);
      continue;
    }
    onServer.add(mine);
    const key = COMPARED.find((k) => mine[k] !== s[k]);
    if (key === undefined) matched++;
    else differs.push({ mine, theirs: s, key });
  }
  if (differs.length > 0) {
    // The first seal that differs says where the rewrite begins; the rest follow from it.
    const { mine, theirs, key } = differs[0]!;
    const more = differs.length > 1 ? `; ${differs.length - 1} later seal(s) differ too: ${ranges(differs.slice(1).map((d) => d.mine))}` : '';
    problems.push({
      kind: 'differs', file: mine.file, line: mine.line,
      text: `seal #${mine.seal_seq} (${mine.timestamp}) differs from the server's copy in ${key}: local ${String(mine[key] ?? 'absent')}, server ${String(theirs[key] ?? 'absent')}: the local log was rewritten before it${more}`,
    });
  }
  const tail = missing.filter((s) => ns(s) > ns(lastLocal));
  const gaps = missing.filter((s) => ns(s) <= ns(lastLocal));
  if (gaps.length > 0) {
    // Where the first missing seal would be: after the latest local seal before it in time.
    const before = local.filter((l) => ns(l) <= ns(gaps[0]!)).at(-1);
    problems.push({
      kind: 'deleted', file: before?.file, line: before?.line,
      text: `the server has seal(s) ${ranges(gaps)} (${gaps[0]!.timestamp} .. ${gaps.at(-1)!.timestamp}) that no local file has, after ${where(before)}: a rotated file or a sealed part of one was deleted`,
    });
  }
  if (tail.length > 0) {
    problems.push({
      kind: 'truncated', file: lastLocal.file, line: lastLocal.line,
      text: `the local log ends at ${where(lastLocal)}; the server has seal(s) ${ranges(tail)} after it (to ${tail.at(-1)!.timestamp}): the end of the local log was cut or its newest file deleted`,
    });
  }
  const unshipped = local.filter((l) => !onServer.has(l));
  if (unshipped.length > 0) notes.push(`local seal(s) ${ranges(unshipped)} not on the server (not shipped yet, or prec-ship was not running)`);
  if (server.length > inScope.length) notes.push(`${server.length - inScope.length} server seal(s) older than the first local seal not compared (rotated away)`);
  return { compared: inScope.length, matched, problems, notes };
}

/** Compares the local seals with the server's copy; throws serverError when the server cannot be asked. */
export async function compareWithServer(target: ServerTarget, host: string, local: readonly ShippedSeal[]): Promise<ServerReport> {
  const server = await serverSeals(target, host);
  const url = new URL(target.url);
  url.username = '';
  url.password = '';
  const base = { server: url.origin, table: target.table, host };
  if (server.length === 0) {
    return { ...base, verdict: 'CANNOT VERIFY', compared: 0, matched: 0, problems: [], notes: [`the server has no seal of host ${host}: nothing to compare (prec-ship not shipping, or another --host?)`] };
  }
  const c = compareSeals(local, server);
  return { ...base, verdict: c.problems.length > 0 ? 'FAIL' : 'PASS', ...c };
}

/** The text lines of the comparison, escaped by the caller's `escape`. */
export function serverReportLines(r: ServerReport, escape: (s: string) => string): string[] {
  const out = [`server ${escape(r.server)} table ${escape(r.table)} host ${escape(r.host)}: ${r.verdict}: ${r.matched} of ${r.compared} server seal(s) match the local files`];
  for (const p of r.problems) out.push(`  ${p.kind}: ${escape(p.text)}`);
  for (const n of r.notes) out.push(`  note: ${escape(n)}`);
  return out;
}
