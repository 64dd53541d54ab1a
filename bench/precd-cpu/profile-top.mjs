// Self time per function of a .cpuprofile, top N, (idle) left out: node profile-top.mjs FILE [N]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const n = Number(process.argv[3] ?? 30);
const byId = new Map(p.nodes.map((x) => [x.id, x]));
const self = new Map();
let total = 0;
const dt = p.timeDeltas;
for (let i = 0; i < p.samples.length; i++) {
  const node = byId.get(p.samples[i]);
  const d = dt[i + 1] ?? 0;
  const cf = node.callFrame;
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(build|node_modules)\//, '')}:${cf.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + d);
  total += d;
}
const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
const busy = total - idle;
console.log(`total ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(3)} s`);
for (const [k, v] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n))
  console.log(`${((100 * v) / busy).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
