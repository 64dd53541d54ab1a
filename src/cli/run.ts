// Runs prec once the command line is parsed: validates everything that needs no file, then reads.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { END_ONLY_FIELDS, DEFAULT_OUTPUT_FIELDS } from '../schema/index.js';
import { parseFieldSpec } from './fields.js';
import { createFormatter } from './format.js';
import { checkCombination, defaultInput, parseLimit, parseOutput } from './options.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { reportBadLines, warningLine } from './report.js';
import { readRecordsFrom, resolveInputsIn, windowRanges, type ReadStats } from '../rows/index.js';
import type { OutputContext, ViewContext } from './context.js';
import { buildSelection } from './selection.js';
import { UsageError } from './errors.js';

const PREC_CONF = '/etc/prec/prec.conf';

export interface RawOptions {
  input: string | undefined;
  allLogs: boolean;
  allSources: boolean;
  queries: string[];
  fields: string | undefined;
  fullTime: boolean;
  limit: string | undefined;
  follow: boolean;
  tree: boolean;
  since?: string | undefined;
  until?: string | undefined;
  output: string | undefined;
  csvRaw: boolean;
  /** --server URL (else `server` of /etc/prec/prec.conf): read a ClickHouse table, not the log. */
  server?: string | undefined;
  table?: string | undefined;
  hosts?: string[];
}

const END_ONLY = new Set(END_ONLY_FIELDS);

/**
 * `prec --version`: version, build (commit and date from build/build-info.json when a release
 * build wrote one, else the time this code was compiled), runtime.
 */
export function versionText(version: string): string {
  const parts: string[] = [];
  try {
    const info = JSON.parse(readFileSync(new URL('../../build-info.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    if (info.commit) parts.push(`commit ${String(info.commit)}`);
    if (info.date) parts.push(`built ${String(info.date)}`);
  } catch {
    // no build info recorded
  }
  if (!parts.some((p) => p.startsWith('built'))) {
    try {
      parts.push(`built ${statSync(fileURLToPath(import.meta.url)).mtime.toISOString().replace(/\.\d+Z$/, 'Z')}`);
    } catch {
      // not from a file
    }
  }
  const build = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return `prec ${version}${build} node ${process.version} ${process.platform}-${process.arch}\n`;
}

/** --server (else server = of prec.conf, unless -i names a log): the ClickHouse to read instead. */
async function serverOf(raw: RawOptions): Promise<import('./server.js').ServerTarget | undefined> {
  const named = raw.server !== undefined || raw.table !== undefined || (raw.hosts ?? []).length > 0;
  if (!named && (raw.input !== undefined || !existsSync(PREC_CONF))) return undefined;
  const target = (await import('./server.js')).serverTarget(raw.server, raw.table);
  if (target === undefined && named) throw new UsageError('--table and --host need --server (or server = in /etc/prec/prec.conf)');
  return target;
}

export async function runPrec(raw: RawOptions): Promise<void> {
  const fields = raw.fields !== undefined ? parseFieldSpec(raw.fields) : [...DEFAULT_OUTPUT_FIELDS];
  const limit = parseLimit(raw.limit);
  const output = parseOutput(raw.output);
  checkCombination(raw);
  // List mode only prefilters: the tree needs every row (ancestors), follow prints rows as they come.
  const { matches, queryNeedsEnd, hiddenLosses, window, needles } = await buildSelection(raw, !raw.tree && !raw.follow);
  const target = await serverOf(raw);
  if (target !== undefined) {
    const { runServerView } = await import('./server-view.js');
    return runServerView(target, raw, { fields, limit, output, window });
  }
  const input = raw.input ?? defaultInput();
  const needEnd = queryNeedsEnd || fields.some((f) => END_ONLY.has(f));

  const out = new Output(process.stdout);
  const abort = new AbortController();
  out.onClose(() => abort.abort());
  const formatter = await createFormatter(output, {
    fields,
    fullTime: raw.fullTime,
    csvRaw: raw.csvRaw,
    tree: raw.tree,
    streaming: raw.follow,
  });
  const stats: ReadStats = { badLines: 0 };
  const view: OutputContext = { matches, needEnd, limit, formatter, out, signal: abort.signal };

  if (raw.follow) {
    const { followView } = await import('./follow.js');
    stopOnSignals(abort);
    await followView({
      ...view,
      input,
      allLogs: raw.allLogs,
      stats,
      hiddenLosses,
      warn: (m) => process.stderr.write(warningLine(m)),
      pollIntervalMs: pollInterval(),
    });
  } else {
    const files = await resolveInputsIn(input, raw.allLogs, window ?? {}, needEnd);
    // --tree shows ancestors from whatever is read: only whole files then, as before.
    const ranges = raw.tree ? undefined : await windowRanges(files, window ?? {}, needEnd);
    const progress = new Progress(process.stderr);
    const { NeedleSelector } = await import('../log/index.js');
    out.setBeforeWrite(() => progress.clear());
    const ctx: ViewContext = {
      records: (first) =>
        readRecordsFrom(
          files,
          {
            onProgress: first ? progress.onBytes : undefined,
            onWarning: first ? progress.warn : undefined,
            // A fresh one per pass: a second pass (rows/ordered.ts scanLateEnds) must see the same records.
            selector: needles && new NeedleSelector(needles, needEnd),
            ranges,
          },
          first ? stats : { badLines: 0 },
        ),
      ...view,
      mergeWindow: mergeWindow(),
    };
    try {
      if (raw.tree) await (await import('./tree.js')).treeView(ctx);
      else await (await import('./list.js')).listView(ctx);
    } finally {
      progress.clear();
    }
  }
  await out.end();
  // Follow mode already said it as they came.
  const losses = raw.follow ? undefined : hiddenLosses?.take();
  if (losses) process.stderr.write(`prec: ${losses}\n`);
  reportBadLines(stats.badLines);
}

/** The first SIGINT or SIGTERM ends following cleanly (pending output flushed); a second one does not wait. */
export function stopOnSignals(abort: AbortController): void {
  const stop = (): void => {
    if (abort.signal.aborted) process.exit(0);
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Test hook: lets follow tests poll faster than the default.
export function pollInterval(): number | undefined {
  const v = Number(process.env.PREC_POLL_MS);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

// Test hook: lets end-to-end tests exercise the far-end lookup of long-running commands on small logs.
function mergeWindow(): number {
  const v = Number(process.env.PREC_MERGE_WINDOW);
  return Number.isSafeInteger(v) && v > 0 ? v : 20_000;
}
