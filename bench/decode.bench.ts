// Decoding throughput alone (the read side of the query benchmark): a generated zstd log, and the
// same bytes as a gzip file, pushed through AutoDecoder into a sink that only counts bytes.
// Run: `npx tsc -p . && node build/bench/decode.bench.js` (COMMANDS=200000 by default).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AutoDecoder } from '../src/log/decode.js';
import { generateLog } from './lib/loggen.js';

const COMMANDS = Number(process.env.COMMANDS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const dir = join(process.cwd(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const zst = join(dir, `decode-${COMMANDS}.zst`);
const gz = join(dir, `decode-${COMMANDS}.gz`);
if (!existsSync(zst)) generateLog(zst, COMMANDS);
if (!existsSync(gz)) execFileSync('sh', ['-c', `zstdcat ${zst} | gzip -6 > ${gz}`]);

function decodeOnce(bytes: Buffer): number {
  let total = 0;
  const sink = { write: (d: Buffer) => void (total += d.length), gap: () => {}, finish: () => {} };
  const dec = new AutoDecoder(sink, 'bench', (m) => console.error(m));
  // Fed in 1 MiB pieces, as the reader does.
  for (let at = 0; at < bytes.length; at += 1 << 20) dec.write(bytes.subarray(at, at + (1 << 20)));
  dec.finish();
  return total;
}

for (const path of [zst, gz]) {
  const bytes = readFileSync(path);
  const times: number[] = [];
  let out = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    out = decodeOnce(bytes);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const med = times[times.length >> 1]!;
  console.log(`${path.endsWith('.gz') ? 'gzip' : 'zstd'}: ${statSync(path).size} -> ${out} bytes, median ${med.toFixed(1)} ms (${((out / med) * 1e3 / 2 ** 20).toFixed(0)} MiB/s), min ${times[0]!.toFixed(1)} ms`);
}
