// Two builds' pipelines in ONE process, alternating A B B A ... on the same recorded kernel records, so
// that the host's load weighs on both alike (issue 19). Per pair: CPU µs per event of decode + enrich +
// filter + serialize + writer (zstd 3, chain-only sealer), and B/A. Run with --expose-gc.
//   node --max-semi-space-size=8 --expose-gc bench/precd-cpu/stages-ab.mjs WT_A WT_B REC [EVENTS] [PAIRS]
// REC: a recording of `build/bench/pipeline.bench.js --save FILE`.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [wtA, wtB, rec, eventsArg, pairsArg] = process.argv.slice(2);
const events = Number(eventsArg ?? 100000), pairs = Number(pairsArg ?? 7);
async function load(wt) {
  const b = (p) => import(join(wt, 'build', p));
  return {
    decode: (await b('src/daemon/kernel/decoder.js')).decode,
    Pipeline: (await b('src/daemon/pipeline.js')).Pipeline,
    LogWriter: (await b('src/daemon/writer.js')).LogWriter,
    Sealer: (await b('src/seal/sealer.js')).Sealer,
    compileFilter: (await b('src/daemon/filter.js')).compileFilter,
    DEFAULT_CONFIG: (await b('src/daemon/defaults.js')).DEFAULT_CONFIG,
  };
}
const builds = { A: await load(wtA), B: await load(wtB) };
// The batches as the addon hands them over: one buffer and record offsets.
const all = readFileSync(rec);
const raw = [];
for (let off = 0; off + 4 <= all.length; ) { const len = all.readUInt32LE(off); raw.push(all.subarray(off + 4, off + 4 + len)); off += 4 + len; }
const BATCH = 256;
const batches = [];
for (let i = 0; i < raw.length; i += BATCH) {
  const part = raw.slice(i, i + BATCH);
  const offsets = new Uint32Array(part.length + 1);
  for (let j = 0; j < part.length; j++) offsets[j + 1] = offsets[j] + part[j].length;
  batches.push({ data: Buffer.concat(part), offsets });
}
function run(m, inPlace) {
  globalThis.gc?.();
  const dir = mkdtempSync(join(tmpdir(), 'precd-stages-ab-'));
  const writer = new m.LogWriter({ path: join(dir, 'l.log'), compress: 'zstd', level: 3, flushIntervalMs: 200, report() {}, lossRecord: () => '',
    seal: new m.Sealer({ state: undefined, persist() {}, now: () => new Date().toISOString(), report() {} }) });
  writer.open();
  const c = m.DEFAULT_CONFIG;
  const p = new m.Pipeline({ limits: { maxArgs: c.max_args, maxArgLength: c.max_arg_length }, filter: m.compileFilter(c), sink: writer });
  const c0 = process.cpuUsage();
  let done = 0;
  while (done < events) {
    for (const { data, offsets } of batches) {
      if (done >= events) break;
      if (inPlace) for (let i = 0; i + 1 < offsets.length; i++) p.handle(m.decode(data, offsets[i], offsets[i + 1]));
      else {
        const records = new Array(offsets.length - 1);
        for (let i = 0; i < records.length; i++) records[i] = data.subarray(offsets[i], offsets[i + 1]);
        const evs = [];
        for (const r of records) evs.push(m.decode(r));
        p.handleBatch(evs);
      }
      done += offsets.length - 1;
    }
  }
  writer.close();
  const u = process.cpuUsage(c0);
  rmSync(dir, { recursive: true, force: true });
  return (u.user + u.system) / done;
}
// B_IN_PLACE=1: B's main.ts decodes each record in place (a decoder with decode(buf, start, end));
// otherwise both go through one Buffer view per record, as kernel/addon.ts's start() hands them.
const inPlaceB = process.env.B_IN_PLACE === '1';
run(builds.A, false); run(builds.B, inPlaceB);
const ratios = [];
for (let i = 0; i < pairs; i++) {
  const order = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
  const r = {};
  for (const k of order) r[k] = run(builds[k], k === 'B' && inPlaceB);
  ratios.push(r.B / r.A);
  console.log(`pair ${i + 1}: A ${r.A.toFixed(2)} µs/event, B ${r.B.toFixed(2)} µs/event, B/A ${(r.B / r.A).toFixed(3)} (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
}
const s = [...ratios].sort((x, y) => x - y);
const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
console.log(`median B/A ${med.toFixed(3)} over ${pairs} pairs`);
