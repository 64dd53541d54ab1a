// `just bench`: every performance goal of SPEC section 10, measured the same way every time, side
// by side with what a user would run instead. Writes bench/results/results-<time>.json and
// bench/results/latest.json, then renders docs/benchmarks.md from them.
//
//   node build/bench/run.js [--quick] [--only capture,slowdown,bytes,follow,pipeline,query_predicate,query,fleet,peers,startup,window]
//                           [--fleet-commands N,N]   (sizes of the prec --server comparison; default 1M: 10M is opt-in, it loads 20M records and reads 10M commands locally 3 times)
//                           [--fleet-query-only]   (the same as --fleet-parts query)
//                           [--fleet-parts throughput,lag,query]   (default all; the fleet block keeps
//                                                    the other parts' subsections from its last rendering)
//
// --quick shrinks every size (a smoke run, not for the docs); --only runs some sections and carries
// the others over from the previous latest.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages, log, runAborters } from './lib/proc.js';
import { buildStorm, buildTool } from './lib/storm.js';
import { SECTIONS, type Params, type Results, type SectionName } from './lib/results.js';
import { captureSection } from './sections/capture.js';
import { auditdSlowdown, precdSlowdown } from './sections/slowdown.js';
import { bytesSection } from './sections/bytes.js';
import { followSection } from './sections/follow.js';
import { querySection } from './sections/query.js';
import { externalBench } from './sections/external.js';
import { fleetSection } from './sections/fleet.js';
import { peersSection } from './sections/peers.js';
import { startupSection } from './sections/startup.js';
import { renderWindowDocs, windowSection } from './sections/window.js';
import { renderDocs } from './render.js';
import { renderFleetDocs } from './render-fleet.js';
import { renderPeersDocs } from './render-peers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(REPO, 'bench', 'results');
// The peers and the measuring tools, all from Debian. laurel is an auditd plugin; bpfcc-tools is
// bcc's execsnoop, which compiles against kernel headers (linux-headers-amd64: used only where the
// running kernel's own headers are missing).
const PACKAGES = ['auditd', 'bpftrace', 'time', 'jq', 'zstd', 'gzip', 'gcc', 'libc6-dev', 'laurel', 'bpfcc-tools', 'linux-headers-amd64'];

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\nusage: node build/bench/run.js [--quick] [--only ${SECTIONS.join(',')}] [--fleet-commands N,N] [--fleet-parts ${FLEET_PARTS.join(',')}]\n`);
  process.exit(2);
}

const FLEET_PARTS = ['throughput', 'lag', 'query'] as const;
type FleetPart = (typeof FLEET_PARTS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: SectionName[]; fleetCommands?: number[]; fleetParts: FleetPart[] } {
  let quick = false;
  let fleetCommands: number[] | undefined;
  let fleetParts: FleetPart[] = [...FLEET_PARTS];
  let only: SectionName[] = [...SECTIONS];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--fleet-query-only') fleetParts = ['query'];
    else if (a === '--fleet-commands' || a.startsWith('--fleet-commands=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      fleetCommands = (v ?? '').split(',').map(Number);
      if (!fleetCommands.length || fleetCommands.some((n) => !Number.isInteger(n) || n < 1000)) usage('--fleet-commands needs a list of sizes (>= 1000)');
    } else if (a === '--fleet-parts' || a.startsWith('--fleet-parts=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      fleetParts = (v ?? '').split(',').map((s) => {
        if (!(FLEET_PARTS as readonly string[]).includes(s)) usage(`unknown fleet part ${s}`);
        return s as FleetPart;
      });
    } else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(7) : argv[++i];
      if (!v) usage('--only needs a list');
      only = v.split(',').map((s) => {
        if (!(SECTIONS as readonly string[]).includes(s)) usage(`unknown section ${s}`);
        return s as SectionName;
      });
    } else usage(`unknown argument ${a}`);
  }
  return { quick, only, fleetCommands, fleetParts };
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

async function main(): Promise<void> {
  const { quick, only, fleetCommands, fleetParts } = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) usage('must run as root (precd, auditd and bpftrace load kernel probes)');
  const started = new Date();
  mkdirSync(RESULTS, { recursive: true });
  const installed = ensurePackages(PACKAGES);
  const storm = buildStorm(REPO);

  const cores = availableParallelism();
  const params: Params = {
    quick,
    cores,
    storm_ps: [cores, 2 * cores],
    n_precd: quick ? 2000 : 20_000,
    n_peer: quick ? 2000 : 10_000,
    slowdown_n: quick ? 1000 : 3000,
    slowdown_pairs: quick ? 2 : 11,
    bytes_n: quick ? 1000 : 10_000,
    follow_samples: quick ? 40 : 200,
    query_commands: quick ? 100_000 : 1_000_000,
    query_rounds: quick ? 1 : 3,
    startup_rounds: quick ? 3 : 15,
    fleet: {
      ship_commands: !fleetParts.includes('throughput') ? 0 : quick ? 100_000 : 1_000_000,
      lag_rate: !fleetParts.includes('lag') ? 0 : quick ? 100 : 500,
      lag_seconds: quick ? 10 : 60,
      query_commands: !fleetParts.includes('query') ? [] : fleetCommands ?? (quick ? [100_000] : [1_000_000]),
      rounds: quick ? 1 : 3,
    },
    peers: { rates: [100, 400, 1600], seconds: quick ? 3 : 10, rounds: quick ? 1 : 3 },
    window: { days: 365, commands_per_day: quick ? 200 : 2000, pairs: quick ? 3 : 9 },
  };

  const previous: Partial<Results> =
    only.length < SECTIONS.length && existsSync(join(RESULTS, 'latest.json'))
      ? (JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as Results)
      : {};
  const res: Results = {
    meta: {
      started: started.toISOString(),
      finished: '',
      duration_s: 0,
      commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim(),
      host: {
        cpus: cores,
        model: cpus()[0]?.model ?? '?',
        mem_gb: Math.round(totalmem() / 2 ** 30),
        kernel: release(),
        os: existsSync('/etc/debian_version') ? `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}` : 'Linux',
        node: process.version,
      },
      versions: {
        auditd: version('auditctl', ['-v']),
        bpftrace: version('bpftrace', ['--version']),
        laurel: version('dpkg-query', ['-W', '-f=${Version}', 'laurel']),
        bcc: version('dpkg-query', ['-W', '-f=${Version}', 'bpfcc-tools']),
        zstd: version('zstd', ['--version']),
        jq: version('jq', ['--version']),
        grep: version('grep', ['--version']),
      },
      installed,
      params,
      carried_over: SECTIONS.filter((s) => !only.includes(s) && previous[s] !== undefined) as string[],
    },
  };
  for (const s of res.meta.carried_over) (res as unknown as Record<string, unknown>)[s] = previous[s as SectionName];

  const run = async <T>(name: SectionName, f: () => Promise<T>): Promise<void> => {
    if (!only.includes(name)) return;
    const t0 = Date.now();
    (res as unknown as Record<string, unknown>)[name] = await f();
    log(`${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  };

  // Heaviest exec load first, the single-process measurements last.
  await run('capture', () => captureSection(storm, params.storm_ps, params.n_precd, params.n_peer));
  await run('slowdown', async () => [
    await precdSlowdown(storm, params.slowdown_n, cores, params.slowdown_pairs),
    await auditdSlowdown(storm, params.slowdown_n, cores, params.slowdown_pairs),
  ]);
  await run('bytes', () => bytesSection(storm, params.bytes_n, cores, ['zstd', 'gz', 'no']));
  await run('follow', () => followSection(REPO, params.follow_samples));
  await run('pipeline', () => externalBench(REPO, 'pipeline'));
  await run('query_predicate', () => externalBench(REPO, 'query'));
  await run('query', () => querySection(REPO, RESULTS, params.query_commands, params.query_rounds));
  await run('fleet', () => fleetSection(REPO, RESULTS, buildTool(REPO, 'pace'), params.fleet!));
  await run('peers', () => peersSection(buildTool(REPO, 'pace'), params.peers!));
  await run('startup', () => startupSection(REPO, params.startup_rounds ?? 15));
  const w = params.window!;
  await run('window', () => windowSection(REPO, RESULTS, w.days, w.commands_per_day, w.pairs));

  const finished = new Date();
  res.meta.finished = finished.toISOString();
  res.meta.duration_s = (finished.getTime() - started.getTime()) / 1000;
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const text = JSON.stringify(res, null, 2);
  writeFileSync(join(RESULTS, `results-${stamp}.json`), text);
  writeFileSync(join(RESULTS, 'latest.json'), text);
  if (quick) {
    log('quick run: results written, docs/benchmarks.md left as it is');
  } else {
    // The fleet block stands apart: `--only fleet` on a machine without an earlier latest.json must
    // not render the main block from nothing.
    if (SECTIONS.some((s) => s !== 'fleet' && s !== 'peers' && s !== 'window' && res[s] !== undefined)) renderDocs(res, join(REPO, 'docs', 'benchmarks.md'), join(REPO, 'bench', 'notes.md'));
    if (res.fleet) renderFleetDocs(res, join(REPO, 'docs', 'benchmarks.md'), join(REPO, 'bench', 'notes-fleet.md'));
    if (res.peers) renderPeersDocs(res, join(REPO, 'docs', 'benchmarks.md'), join(REPO, 'bench', 'notes-peers.md'));
    if (res.window) renderWindowDocs(res.window, join(REPO, 'docs', 'benchmarks.md'));
    log('docs/benchmarks.md rendered');
  }
  log(`done in ${res.meta.duration_s.toFixed(0)} s; results in bench/results/results-${stamp}.json`);
}

// An interrupted run must not leave an audit rule loaded or a tracer running.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`bench: ${sig}: stopping the tracers\n`);
    runAborters();
    process.exit(130);
  });
}

main().catch((e: unknown) => {
  runAborters();
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
