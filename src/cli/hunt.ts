// `prec hunt`: every rule (src/hunt) over the command rows of the log, read once. Text groups the
// hits by rule, most severe level first; json is one object per hit; csv one line per hit with the
// rule's columns first; --tree shows each hit in its chain; -F prints a hit when its record arrives.
// Exit status: 0 when the hunt ran, whether or not anything was found; 1 for a bad rule, a bad
// flag or an unreadable log (one `prec: ...` line, as every error).
import { hostname } from 'node:os';
import { stringify } from 'csv-stringify/sync';
import type { CompiledRule, RuleSet, SupportedRule } from '../hunt/index.js';
import { rowsFromFiles, resolveInputsIn, windowRanges, type RowBag, type TimeRange } from '../rows/index.js';
import { parseTimestampNs } from '../schema/index.js';
import { emit, type OutputContext } from './context.js';
import { escapeText } from './escape.js';
import { UsageError } from './errors.js';
import { createFormatter } from './format.js';
import type { Formatter } from './formatter.js';
import { defaultInput } from './options.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { reportBadLines, warningLine } from './report.js';
import { buildSelection } from './selection.js';
import { jsonGetter } from './values.js';

export interface HuntOptions {
  readonly rules: readonly string[];
  readonly input: string | undefined;
  readonly allLogs: boolean;
  readonly queries: readonly string[];
  /** --since/--until: only hits whose command started inside the window (SPEC 8). */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly follow: boolean;
  readonly output: string | undefined;
  readonly tree: boolean;
  readonly listRules: boolean;
}

/** Fields shown for each hit (text shows the first three, as bare `prec` does). */
export const HIT_FIELDS = ['timestamp', 'user', 'command', 'pid', 'ppid', 'exe', 'cwd', 'parent_exe', 'parent_cmdline', 'event_id'];
const TEXT_FIELDS = ['timestamp', 'user', 'command'];

type Format = 'text' | 'json' | 'csv';

function parseFormat(text: string | undefined): Format {
  if (text === undefined) return 'text';
  if (text === 'text' || text === 'json' || text === 'csv') return text;
  throw new UsageError(`-o expects one of text, json, csv, got "${text}"`);
}

/** `--list-rules`: every rule, supported or not (with the reason), one line each. */
export function listRulesText(rules: readonly CompiledRule[]): string {
  let out = '';
  for (const r of rules) {
    const what = r.supported ? 'ok' : `unsupported: ${r.reason}`;
    out += `${escapeText(r.id)}  ${r.level}  ${escapeText(r.title)}  ${what}\n`;
  }
  const n = rules.filter((r) => r.supported).length;
  return out + `${n} rules supported, ${rules.length - n} unsupported\n`;
}

export async function runHunt(o: HuntOptions): Promise<void> {
  const format = parseFormat(o.output);
  if (o.tree && o.follow) throw new UsageError('--tree cannot be used with --follow (the tree is built from a finished read)');
  if (o.tree && format !== 'text') throw new UsageError('--tree shows text only');
  // Every source (a webshell's commands have no terminal), the queries and the window, as for `prec -A`.
  const sel = await buildSelection({ queries: o.queries, allSources: true, since: o.since, until: o.until }, false);
  const { loadRules, RuleSet } = await import('../hunt/index.js');
  const rules = loadRules(o.rules);
  const out = new Output(process.stdout);
  if (o.listRules) {
    await emit(out, listRulesText(rules));
    return out.end();
  }
  const set = new RuleSet(rules.filter((r): r is SupportedRule => r.supported));
  const input = o.input ?? defaultInput();
  const abort = new AbortController();
  out.onClose(() => abort.abort());
  const hitText = await hitFormatter(format, set);
  if (o.follow) await followHunt(set, sel.matches, input, o.allLogs, out, abort, hitText);
  else await huntFiles({ set, filter: sel.matches, input, window: sel.window, format, tree: o.tree, allLogs: o.allLogs, out, signal: abort.signal, hitText });
  await out.end();
}

interface HuntRead {
  readonly set: RuleSet;
  readonly filter: (row: RowBag) => boolean;
  readonly input: string;
  readonly allLogs: boolean;
  readonly window: TimeRange | undefined;
  readonly format: Format;
  readonly tree: boolean;
  readonly out: Output;
  readonly signal: AbortSignal;
  readonly hitText: (rule: SupportedRule, row: RowBag) => string;
}

/** One read of the log (only the files that may hold the window): json/csv hits as found, text grouped at the end. */
async function huntFiles(h: HuntRead): Promise<void> {
  const { set, filter, out, format } = h;
  // Hits never need an end: a file wholly after the window holds nothing to report.
  const files = await resolveInputsIn(h.input, h.allLogs, h.window ?? {}, false);
  // --tree shows ancestors from whatever is read: only whole files then, as before.
  const ranges = h.tree ? undefined : await windowRanges(files, h.window ?? {}, false);
  const progress = new Progress(process.stderr, { label: 'hunting' });
  out.setBeforeWrite(() => progress.clear());
  const hits = new Map<number, RowBag[]>();
  const all: RowBag[] = [];
  const stats = { badLines: 0 };
  const rows = rowsFromFiles(files, {
    needEnd: false, signal: h.signal, stats, onProgress: progress.onBytes, onWarning: progress.warn,
    selector: h.tree ? undefined : () => set.selector(),
    ranges,
  });
  await progress.around(async () => {
    for await (const batch of rows) {
      for (const row of batch) {
        if (h.tree) all.push(row);
        if (row.record_type === 'loss' || !filter(row)) continue;
        for (const i of set.match(row)) {
          if (format === 'text') (hits.get(i) ?? hits.set(i, []).get(i)!).push(row);
          else await emit(out, h.hitText(set.rules[i]!, row));
        }
      }
      if (out.closed) break;
    }
  });
  if (format === 'text') await emit(out, await groupedText(set, hits, h.tree ? all : undefined));
  reportBadLines(stats.badLines);
}

/** One hit as a line of json or csv (text is grouped at the end instead). */
async function hitFormatter(format: Format, set: RuleSet): Promise<(rule: SupportedRule, row: RowBag) => string> {
  const opts = { fields: HIT_FIELDS, fullTime: true, csvRaw: false, tree: false, streaming: true };
  if (format === 'json') {
    const getters = HIT_FIELDS.map((f) => [f, jsonGetter(f, opts)] as const);
    return (rule, row) => {
      const r: Record<string, unknown> = {};
      for (const [f, get] of getters) r[f] = get(row);
      return JSON.stringify({ rule_id: rule.id, title: rule.title, level: rule.level, tags: rule.tags, row: r }) + '\n';
    };
  }
  if (format === 'csv') {
    const f = await createFormatter('csv', opts);
    let header: string | undefined = stringify([['rule_id', 'title', 'level', ...HIT_FIELDS]]);
    return (rule, row) => {
      const head = header ?? '';
      header = undefined;
      return head + stringify([[rule.id, rule.title, rule.level]]).slice(0, -1) + ',' + f.row(row);
    };
  }
  const text = await createFormatter('text', { ...opts, fields: TEXT_FIELDS, fullTime: false });
  void set;
  return (rule, row) => `[${rule.level}] ${escapeText(rule.title)} (${escapeText(rule.id)})  ${text.row(row)}`;
}

/** Hits grouped by rule, most severe level first; with `all` (--tree) each hit in its chain. */
async function groupedText(set: RuleSet, hits: Map<number, RowBag[]>, all: RowBag[] | undefined): Promise<string> {
  const { levelRank } = await import('../hunt/index.js');
  const text = await createFormatter('text', { fields: TEXT_FIELDS, fullTime: false, csvRaw: false, tree: all !== undefined, streaming: false });
  const order = [...hits.keys()].sort((a, b) => levelRank(set.rules[a]!.level) - levelRank(set.rules[b]!.level) || set.rules[a]!.title.localeCompare(set.rules[b]!.title));
  let out = '';
  for (const i of order) {
    const rule = set.rules[i]!;
    const rows = hits.get(i)!;
    out += ruleHeader(rule, rows);
    out += all ? await treeText(text, all, new Set(rows)) : rows.map((r) => '  ' + text.row(r)).join('');
    out += '\n';
  }
  return out;
}

function ruleHeader(rule: SupportedRule, rows: readonly RowBag[]): string {
  const times = rows.map((r) => r.timestamp).filter((t): t is string => typeof t === 'string');
  const ns = (t: string): bigint => parseTimestampNs(t) ?? 0n;
  const first = times.reduce((a, b) => (ns(b) < ns(a) ? b : a), times[0] ?? '-');
  const last = times.reduce((a, b) => (ns(b) > ns(a) ? b : a), times[0] ?? '-');
  const hosts = [...new Set(rows.map((r) => (typeof r.host === 'string' ? r.host : hostname())))].join(',');
  return (
    `${rule.level.toUpperCase()}  ${escapeText(rule.title)}\n` +
    `  rule ${escapeText(rule.id)}  hits ${rows.length}  first ${escapeText(first)}  last ${escapeText(last)}  hosts ${escapeText(hosts)}\n`
  );
}

async function treeText(text: Formatter, all: readonly RowBag[], hits: ReadonlySet<RowBag>): Promise<string> {
  const { buildTree } = await import('./tree.js');
  return buildTree(all, (r) => hits.has(r))
    .map((l) => '  ' + text.row(l.row, { prefix: l.prefix, depth: l.depth, ancestor: l.ancestor, exec: l.exec }))
    .join('');
}

/** -F: each new command row against every rule, a hit printed the moment its record arrives. */
async function followHunt(
  set: RuleSet,
  filter: (row: RowBag) => boolean,
  input: string,
  allLogs: boolean,
  out: Output,
  abort: AbortController,
  hitText: (rule: SupportedRule, row: RowBag) => string,
): Promise<void> {
  const { followView } = await import('./follow.js');
  const { pollInterval, stopOnSignals } = await import('./run.js');
  stopOnSignals(abort);
  // follow.ts prints rows through a formatter: this one prints a row's hits, nothing for a row without.
  const formatter: Formatter = {
    begin: () => '',
    end: () => '',
    row: (row) => set.match(row).map((i) => hitText(set.rules[i]!, row)).join(''),
  };
  const ctx: OutputContext = { matches: (row) => row.record_type !== 'loss' && filter(row), needEnd: false, limit: 0, formatter, out, signal: abort.signal };
  await followView({ ...ctx, input, allLogs, stats: { badLines: 0 }, warn: (m) => process.stderr.write(warningLine(m)), pollIntervalMs: pollInterval() });
}
