// Per-stage cost of precd's pipeline on replayed records: decode only; + enrich/filter/serialize
// (null sink); + writer (zstd 3, chain-only sealer); CPU µs per event, median of ROUNDS after a warm-up.
//   node --max-semi-space-size=8 bench/precd-cpu/stages.mjs WORKTREE REC [EVENTS] [ROUNDS]
// REC: a recording of `build/bench/pipeline.bench.js --save FILE`. Separate processes minutes apart
// were too noisy on the shared host to compare builds with; stages-ab.mjs alternates two in one process.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [wt, rec, eventsArg, roundsArg] = process.argv.slice(2);
const b = (p) => import(join(wt, 'build', p));
const { decode } = await b('src/daemon/kernel/decoder.js');
const { Pipeline } = await b('src/daemon/pipeline.js');
const { LogWriter } = await b('src/daemon/writer.js');
const { Sealer } = await b('src/seal/sealer.js');
const { compileFilter } = await b('src/daemon/filter.js');
const { DEFAULT_CONFIG } = await b('src/daemon/defaults.js');
const all = readFileSync(rec);
const raw = [];
for (let off = 0; off + 4 <= all.length; ) { const len = all.readUInt32LE(off); raw.push(all.subarray(off + 4, off + 4 + len)); off += 4 + len; }
const events = Number(eventsArg ?? 200000), rounds = Number(roundsArg ?? 3);
const BATCH = 256;
function run(stage) {
  const dir = mkdtempSync(join(tmpdir(), 'pc-stages-'));
  let sink = { write() {} };
  let writer;
  if (stage === 'write') {
    writer = new LogWriter({ path: join(dir, 'l.log'), compress: 'zstd', level: 3, flushIntervalMs: 200, report() {}, lossRecord: () => '',
      seal: new Sealer({ state: undefined, persist() {}, now: () => new Date().toISOString(), report() {} }) });
    writer.open(); sink = writer;
  }
  const config = { ...DEFAULT_CONFIG };
  const p = new Pipeline({ limits: { maxArgs: config.max_args, maxArgLength: config.max_arg_length }, filter: compileFilter(config), sink });
  const c0 = process.cpuUsage();
  let done = 0;
  while (done < events) {
    for (let off = 0; off < raw.length && done < events; off += BATCH) {
      const n = Math.min(BATCH, raw.length - off, events - done);
      const batch = new Array(n);
      for (let i = 0; i < n; i++) batch[i] = decode(raw[off + i]);
      if (stage !== 'decode') p.handleBatch(batch);
      done += n;
    }
  }
  writer?.close();
  const c = process.cpuUsage(c0);
  rmSync(dir, { recursive: true, force: true });
  return (c.user + c.system) / events; // µs per event
}
const res = { decode: [], pipeline: [], write: [] };
for (const s of Object.keys(res)) run(s);
for (let r = 0; r < rounds; r++) for (const s of Object.keys(res)) res[s].push(run(s));
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(Object.entries(res).map(([k, v]) => `${k} ${med(v).toFixed(2)} us/event [${v.map((x) => x.toFixed(2)).join(' ')}]`).join('\n'));
