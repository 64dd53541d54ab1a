// The micro-benchmarks other workstreams own (bench/pipeline.bench.ts, bench/query.bench.ts): run
// as they are, one process each, their output kept verbatim; a JSON object line, when they print
// one, is kept parsed too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { log, timed } from '../lib/proc.js';
import { PRECD_NODE_FLAGS } from '../../test/helpers/precd.js';

export interface ExternalResult {
  name: string;
  command: string;
  status: number | null;
  wall_s: number;
  lines: string[];
  json: Record<string, unknown>[];
  error?: string;
}

export async function externalBench(repoRoot: string, name: string, timeoutMs = 240_000): Promise<ExternalResult> {
  const js = join('build', 'bench', `${name}.bench.js`);
  // The daemon pipeline runs with precd's own node flags, as precd does.
  const flags = name === 'pipeline' ? PRECD_NODE_FLAGS.map((f) => `${f} `).join('') : '';
  const command = `node ${flags}${js}`;
  if (!existsSync(join(repoRoot, js))) {
    return { name, command, status: null, wall_s: 0, lines: [], json: [], error: `bench/${name}.bench.ts is not there yet` };
  }
  log(`external: ${command}`);
  const t = await timed(command, { cwd: repoRoot, timeoutMs });
  const lines = t.stdout.split('\n').filter((l) => l.trim() !== '');
  const json: Record<string, unknown>[] = [];
  for (const l of lines) {
    if (!l.trimStart().startsWith('{')) continue;
    try {
      json.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // a text line that happens to start with a brace
    }
  }
  return {
    name,
    command,
    status: t.status,
    wall_s: t.wallS,
    lines,
    json,
    error: t.status !== 0 ? t.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300) : undefined,
  };
}
