// Query throughput of `prec` over a generated 1,000,000-command zstd log, beside what a user would
// run instead: zstdcat | grep -c (the same match on raw lines), zstdcat | jq, and zstdcat alone as
// the floor. prec and grep alternate (A B A B) and the medians are compared; jq runs once (it is an
// order of magnitude slower, and the goal is a 10x margin). Wall time and peak RSS of each.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLog, GENERATOR_VERSION, TS_RANGE_QUERY, type GeneratedLog } from '../lib/loggen.js';
import { log, median, timed } from '../lib/proc.js';

export interface QueryRun {
  tool: 'prec' | 'grep' | 'jq' | 'zstdcat' | 'node';
  command: string;
  wall_s: number[];
  median_s: number;
  max_rss_mb: number;
  /** user + system CPU seconds of the whole pipeline, per run (a fairer figure on a loaded machine). */
  cpu_s?: number[];
  matches: number | null;
  status: number;
  error?: string;
}

export interface QueryCase {
  name: string;
  expected: number;
  runs: QueryRun[];
  prec_vs_grep: number;
  jq_vs_prec: number;
}

export interface QueryResults {
  log: GeneratedLog & { generated_s: number | null };
  floor: QueryRun;
  /** A Node reader's own floor: zstd-napi + split lines, and + JSON.parse of every line. */
  node_floor?: QueryRun[];
  cases: QueryCase[];
  export_csv: QueryRun;
  /** Every query kind of issue 19 beside `zstdcat | grep -c`, on each log size. */
  kinds?: QueryKinds;
  /** `prec hunt` with every shipped rule against one `prec -q` pass over the same log (goal: at most 3x). */
  hunt?: { hunt: QueryRun; single_query: QueryRun; hunt_vs_query: number };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The generated log, cached under bench/results/ (same seed and size -> same bytes). */
export function ensureQueryLog(resultsDir: string, commands: number): QueryResults['log'] {
  const path = join(resultsDir, `query-log-${commands}.zst`);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as GeneratedLog;
    // A meta file from before an expected count was added: same bytes, but the count must be made.
    const complete = m.expected?.tsRange !== undefined;
    if (complete && m.version === GENERATOR_VERSION && m.commands === commands && statSync(path).size === m.bytes) return { ...m, path, generated_s: null };
  }
  log(`query: generating a ${commands}-command log (cached for later runs)`);
  const t0 = Date.now();
  const g = generateLog(path, commands);
  writeFileSync(meta, JSON.stringify(g));
  return { ...g, generated_s: (Date.now() - t0) / 1000 };
}

async function measure(tool: QueryRun['tool'], command: string, rounds: number, cwd: string): Promise<QueryRun> {
  const walls: number[] = [];
  const cpu: number[] = [];
  let rss = 0;
  let matches: number | null = null;
  let status = 0;
  let error: string | undefined;
  for (let i = 0; i < rounds; i++) {
    const t = await timed(command, { cwd, timeoutMs: 300_000 });
    walls.push(t.wallS);
    cpu.push(t.userS + t.sysS);
    rss = Math.max(rss, t.maxRssKb / 1024);
    status = t.status;
    const n = Number(t.stdout.trim());
    matches = t.stdout.trim() !== '' && Number.isFinite(n) ? n : null;
    if (t.status !== 0) error = t.stderr.trim().split('\n')[0]?.slice(0, 300);
  }
  return { tool, command, wall_s: walls, median_s: median(walls), max_rss_mb: rss, cpu_s: cpu, matches, status, error };
}

/** prec and grep interleaved round by round (A B A B ...), so both see the same machine load. */
async function alternate(prec: string, grep: string, rounds: number, cwd: string): Promise<[QueryRun, QueryRun]> {
  const a: QueryRun[] = [];
  const b: QueryRun[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await measure('prec', prec, 1, cwd));
    b.push(await measure('grep', grep, 1, cwd));
    if (a.some((x) => x.status !== 0)) break;
  }
  const merge = (xs: QueryRun[]): QueryRun => {
    const walls = xs.flatMap((x) => x.wall_s);
    const bad = xs.find((x) => x.status !== 0);
    return { ...xs[0]!, wall_s: walls, median_s: median(walls), cpu_s: xs.flatMap((x) => x.cpu_s ?? []), max_rss_mb: Math.max(...xs.map((x) => x.max_rss_mb)), status: bad?.status ?? 0, error: bad?.error };
  };
  return [merge(a), merge(b)];
}

export interface QueryKindCase {
  kind: string;
  query: string;
  grep: string;
  expected: number;
  prec: QueryRun;
  grep_run: QueryRun;
  prec_vs_grep: number;
  /** The same ratio of median CPU seconds (user + system, every process of each pipeline). */
  cpu_prec_vs_grep: number;
}

export interface QueryKinds {
  load_before: number[];
  load_after: number[];
  /** prec on an empty log: the start-up every row above includes. */
  startup: QueryRun;
  sizes: { commands: number; records: number; cases: QueryKindCase[] }[];
}

/**
 * The query kinds of issue 19, each with a grep pattern that counts the same lines on precd's
 * layout (the timestamp one needs a regex: end records carry a timestamp too, and only start and
 * fail lines, the ones with a "uid" after the event_id, make rows).
 */
export function kindCases(e: GeneratedLog['expected']): { kind: string; query: string; grep: string; expected: number }[] {
  return [
    { kind: 'string =', query: 'user=nginx', grep: `grep -c ${q('"user":"nginx"')}`, expected: e.nginx },
    { kind: 'substring', query: 'argv~=base64', grep: 'grep -c base64', expected: e.base64 },
    { kind: 'numeric range', query: 'uid>=1002 && uid<1004', grep: `grep -cE ${q('"uid":100[23],')}`, expected: e.uidRange },
    {
      kind: 'timestamp range',
      query: TS_RANGE_QUERY,
      grep: `grep -cE ${q('^\\{"timestamp":"2026-11-01T12:[^"]*","event_id":"[^"]*","uid":')}`,
      expected: e.tsRange,
    },
    { kind: 'regex /=', query: 'command/="base64 +-d"', grep: `grep -cE ${q('base64 +-d')}`, expected: e.base64 },
  ];
}

/** Every query kind on every log size, prec and grep interleaved (A B A B) per case. */
export async function queryKinds(repoRoot: string, resultsDir: string, sizes: readonly number[], rounds: number): Promise<QueryKinds> {
  const { loadavg } = await import('node:os');
  const loadBefore = loadavg();
  const empty = join(resultsDir, 'query-log-empty.jsonl');
  writeFileSync(empty, '');
  const startup = await measure('prec', `node bin/prec.js -i ${q(empty)} -A -q user=nginx -o json | wc -l`, rounds, repoRoot);
  const out: QueryKinds['sizes'] = [];
  for (const commands of sizes) {
    const g = ensureQueryLog(resultsDir, commands);
    const L = q(g.path);
    const cases: QueryKindCase[] = [];
    for (const c of kindCases(g.expected)) {
      log(`query kinds: ${commands} commands, ${c.kind}`);
      const [p, gr] = await alternate(`node bin/prec.js -i ${L} -A -q ${q(c.query)} -o json | wc -l`, `zstdcat ${L} | ${c.grep}`, rounds, repoRoot);
      const cpu = (r: QueryRun): number => median(r.cpu_s ?? []);
      cases.push({ ...c, prec: p, grep_run: gr, prec_vs_grep: p.median_s / gr.median_s, cpu_prec_vs_grep: cpu(p) / cpu(gr) });
    }
    out.push({ commands, records: g.records, cases });
  }
  return { load_before: loadBefore, load_after: loadavg(), startup, sizes: out };
}

export async function querySection(repoRoot: string, resultsDir: string, commands: number, rounds: number): Promise<QueryResults> {
  const g = ensureQueryLog(resultsDir, commands);
  const L = q(g.path);
  const prec = `node bin/prec.js -i ${L}`;
  const cases = [
    { name: 'string: user=nginx', expected: g.expected.nginx, query: 'user=nginx', grep: `grep -c ${q('"user":"nginx"')}`, jq: `select(.user=="nginx")` },
    {
      name: 'numeric range: uid>=1002 && uid<1004',
      expected: g.expected.uidRange,
      query: 'uid>=1002 && uid<1004',
      grep: `grep -cE ${q('"uid":100[23],')}`,
      jq: 'select(.uid>=1002 and .uid<1004)',
    },
    {
      name: 'substring: argv~=base64',
      expected: g.expected.base64,
      query: 'argv~=base64',
      grep: 'grep -c base64',
      jq: 'select(.argv != null and (.argv | join(" ") | contains("base64")))',
    },
  ];

  log('query: zstdcat floor');
  const floor = await measure('zstdcat', `zstdcat ${L} > /dev/null`, rounds, repoRoot);
  log('query: node floor');
  const nodeFloor = [
    await measure('node', `node build/bench/nodefloor.js ${L} split`, 1, repoRoot),
    await measure('node', `node build/bench/nodefloor.js ${L} parse`, 1, repoRoot),
  ];
  const out: QueryCase[] = [];
  for (const c of cases) {
    log(`query: ${c.name}`);
    const [p, gr] = await alternate(`${prec} -A -q ${q(c.query)} -o json | wc -l`, `zstdcat ${L} | ${c.grep}`, rounds, repoRoot);
    const jq = await measure('jq', `zstdcat ${L} | jq -c ${q(c.jq)} | wc -l`, 1, repoRoot);
    out.push({ name: c.name, expected: c.expected, runs: [p, gr, jq], prec_vs_grep: p.median_s / gr.median_s, jq_vs_prec: jq.median_s / p.median_s });
  }
  log('query: full CSV export');
  const exportCsv = await measure('prec', `${prec} -A -o csv -f all > /dev/null`, 1, repoRoot);
  log('query: prec hunt, every shipped rule, against one prec -q pass');
  const hunt = await huntCase(prec, rounds, repoRoot);
  const kinds = await queryKinds(repoRoot, resultsDir, [...new Set([Math.round(commands * 0.3), commands])], rounds);
  return { log: g, floor, node_floor: nodeFloor, cases: out, export_csv: exportCsv, hunt, kinds };
}

/** `prec hunt` (all shipped rules, one read, one shared prefilter) and a single -q pass, alternated. */
export async function huntCase(prec: string, rounds: number, cwd: string): Promise<NonNullable<QueryResults['hunt']>> {
  const hunt: QueryRun[] = [];
  const single: QueryRun[] = [];
  for (let i = 0; i < rounds; i++) {
    hunt.push(await measure('prec', `${prec.replace('bin/prec.js', 'bin/prec.js hunt')} -o json | wc -l`, 1, cwd));
    single.push(await measure('prec', `${prec} -A -q ${q('argv~=base64')} -o json | wc -l`, 1, cwd));
  }
  const merge = (xs: QueryRun[]): QueryRun => ({ ...xs[0]!, wall_s: xs.flatMap((x) => x.wall_s), median_s: median(xs.flatMap((x) => x.wall_s)) });
  const h = merge(hunt);
  const s = merge(single);
  return { hunt: h, single_query: s, hunt_vs_query: h.median_s / s.median_s };
}

/** The kinds as a markdown table: per size and kind, both medians (and every run), the ratio. */
export function kindsTable(k: QueryKinds): string {
  const runs = (r: QueryRun): string => (r.status === 0 ? `${r.median_s.toFixed(2)} (${r.wall_s.map((w) => w.toFixed(2)).join(', ')})` : `failed: ${r.error ?? r.status}`);
  const rows = k.sizes.flatMap((s) =>
    s.cases.map((c) => {
      const counts = c.prec.matches === c.expected && c.grep_run.matches === c.expected ? String(c.expected) : `prec ${c.prec.matches}, grep ${c.grep_run.matches}, expected ${c.expected}`;
      const cpu = (r: QueryRun): string => median(r.cpu_s ?? []).toFixed(2);
      return `| ${s.commands.toLocaleString('en-US')} | ${c.kind} | \`${c.query}\` | \`${c.grep}\` | ${runs(c.prec)} | ${runs(c.grep_run)} | **${c.prec_vs_grep.toFixed(2)}x** | ${cpu(c.prec)} / ${cpu(c.grep_run)} = ${c.cpu_prec_vs_grep.toFixed(2)}x | ${counts} |`;
    }),
  );
  const load = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' ');
  return [
    `prec start-up (empty log, same flags): ${runs(k.startup)} s wall, ${median(k.startup.cpu_s ?? []).toFixed(2)} s CPU. Load average before ${load(k.load_before)}, after ${load(k.load_after)}.`,
    '',
    '| commands | kind | prec -q | zstdcat LOG \\| … | prec s, median (runs) | grep s, median (runs) | prec / grep (wall) | CPU s, prec / grep | matches |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
