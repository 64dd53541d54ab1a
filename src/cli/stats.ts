// `prec stats` (SPEC 14): reads the selected rows as the list view does (same flags, same reader),
// counts them without keeping any, and prints the totals, top lists and a bar chart, or one JSON
// object (-o json; its shape is StatsSummary in src/stats/counters.ts, documented in the README).
import { hostname } from 'node:os';
import { CompletionMerger, readRecordsFrom, resolveInputsIn, windowRanges, type ReadStats } from '../rows/index.js';
import { barChart, StatsCounter, type StatsSummary, type TopEntry } from '../stats/index.js';
import { escapeText } from './escape.js';
import { UsageError } from './errors.js';
import { defaultInput } from './options.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { reportBadLines } from './report.js';
import { buildSelection, type SelectionFlags } from './selection.js';
import { windowFilter } from './window.js';
import { shortTimestamp } from '../schema/index.js';

export interface StatsOptions extends SelectionFlags {
  readonly input: string | undefined;
  readonly allLogs: boolean;
  readonly top: string | undefined;
  readonly output: string | undefined;
}

export function parseTop(text: string | undefined): number {
  if (text === undefined) return 10;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--top expects a whole number, got "${text}"`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--top must be 1 or more, got ${text.trim()}`);
  return n;
}

function parseStatsOutput(text: string | undefined): 'text' | 'json' {
  if (text === undefined || text === 'text' || text === 'json') return text ?? 'text';
  throw new UsageError(`prec stats -o expects text or json, got "${text}"`);
}

export async function runStats(o: StatsOptions): Promise<void> {
  const top = parseTop(o.top);
  const format = parseStatsOutput(o.output);
  const sel = await buildSelection(o, false);
  const inWindow = sel.window ? windowFilter(sel.window) : (): boolean => true;
  const files = await resolveInputsIn(o.input ?? defaultInput(), o.allLogs, sel.window ?? {}, true);
  const ranges = await windowRanges(files, sel.window ?? {}, true);
  const progress = new Progress(process.stderr, { label: 'counting' });
  const counter = new StatsCounter();
  const stats: ReadStats = { badLines: 0 };
  // Every command waits for its end (exit statuses are counted); memory is the unfinished ones.
  const merger = new CompletionMerger(true);
  const take = (row: Record<string, unknown>): void => {
    if (sel.matches(row)) counter.add(row);
    else if (row.record_type === 'loss' && inWindow(row)) counter.addLoss(row);
  };
  await progress.around(async () => {
    for await (const batch of readRecordsFrom(files, { onProgress: progress.onBytes, onWarning: progress.warn, ranges }, stats)) {
      for (const rec of batch) {
        const r = merger.push(rec);
        if (r) take(r.row);
      }
    }
    for (const r of merger.drain()) take(r.row);
  });
  const summary = counter.summary(top, hostname());
  const out = new Output(process.stdout);
  await write(out, format === 'json' ? JSON.stringify(summary) + '\n' : statsText(summary));
  await out.end();
  reportBadLines(stats.badLines);
}

async function write(out: Output, text: string): Promise<void> {
  const p = out.write(text);
  if (p) await p;
}

const TOP_TITLES: ReadonlyArray<readonly [keyof StatsSummary['top'], string]> = [
  ['user', 'users'],
  ['exe', 'programs (exe)'],
  ['comm', 'command names (comm)'],
  ['parent_exe', 'parent programs (parent_exe)'],
  ['exit_status', 'non-zero exit statuses'],
];

/** The text view; every value from the log is escaped (an exe name may hold control characters). */
export function statsText(s: StatsSummary): string {
  const t = s.totals;
  const lines: string[] = [];
  const range = s.first && s.last ? `${shortTimestamp(s.first)} .. ${shortTimestamp(s.last)}` : 'no rows selected';
  lines.push(`Range           ${range}`);
  const row = (name: string, n: number, note = ''): void => void lines.push(`${name.padEnd(16)}${String(n).padStart(10)}${note}`);
  row('Commands', t.commands);
  row('Failures', t.failures, '  (execs that failed: fail records)');
  row('Non-zero exits', t.nonzero_exits);
  row('Losses', t.losses, t.losses > 0 ? '  (events dropped by the kernel: counts are low)' : '');
  row('Users', t.users);
  row('Hosts', t.hosts, s.hosts_seen.length > 0 ? `  (${s.hosts_seen.map(escapeText).join(', ')}${s.hosts_seen.length < t.hosts ? ', ...' : ''})` : '');
  for (const [key, title] of TOP_TITLES) {
    const entries = s.top[key];
    if (entries.length === 0) continue;
    lines.push('', `Top ${title}`);
    lines.push(...topLines(entries));
  }
  if (s.histogram.buckets.length > 0) {
    lines.push('', `Commands per ${s.histogram.unit} (local time, UTC${utcOffset()})`);
    lines.push(...barChart(s.histogram));
  }
  return lines.join('\n') + '\n';
}

/** This host's UTC offset now, `+09:00`: the chart's buckets are local hours and days. */
function utcOffset(): string {
  const m = -new Date().getTimezoneOffset();
  const a = Math.abs(m);
  return `${m < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function topLines(entries: readonly TopEntry[]): string[] {
  const w = String(entries[0]!.count).length;
  return entries.map((e) => `  ${String(e.count).padStart(w)}  ${escapeText(e.value)}`);
}
